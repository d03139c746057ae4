"""The command line and the management command on good and bad input."""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from sanctuary.linkage.cli import main
from sanctuary.linkage.csvio import read_records
from sanctuary.linkage.records import RECORD_FIELDS
from sanctuary.matching.management.commands.find_duplicates import Command
from tests.matching.synthetic import register

HEADER = ",".join(RECORD_FIELDS)
ROWS = [
    "R1,Kyaw Zaw Min,U Aung Myint,1985-03-12,12/MaYaKa(N)123456,BC-100200,army,LIB 33,Monywa,09791234567",
    "R2,ကျော်ဇော်မင်း,ဦးအောင်မြင့်,1985,၁၂/မရက(နိုင်)၁၂၃၄၅၆,,army,,မုံရွာ,+959791234567",
    "R3,Aung Aung,U Tun Win,1970-01-05,,,police,,Pakokku,",
]


def _register_csv(path: Path, extra_rows: list[str] | None = None) -> Path:
    """A CSV of the synthetic register plus ``extra_rows`` (raw lines)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RECORD_FIELDS)
        for record in register(people=150, seed=3):
            writer.writerow([getattr(record, f) for f in RECORD_FIELDS])
        for row in extra_rows or ROWS:
            handle.write(row + "\n")
    return path


def _run(tmp_path: Path, source: Path, *extra: str) -> tuple[int, str, list[dict[str, str]]]:
    out = tmp_path / "pairs.csv"
    err = io.StringIO()
    status = main(["--csv", str(source), "--out", str(out), *extra], stderr=err)
    if status != 0:
        return status, err.getvalue(), []
    with open(out, encoding="utf-8") as handle:
        return status, err.getvalue(), list(csv.DictReader(handle))


def _pair_ids(rows: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(r["record_id_a"], r["record_id_b"]) for r in rows}


def test_finds_pairs_and_writes_the_expected_columns(tmp_path: Path) -> None:
    status, err, rows = _run(tmp_path, _register_csv(tmp_path / "in.csv"))
    assert status == 0, err
    assert list(rows[0]) == ["record_id_a", "record_id_b", "score"]
    assert ("R1", "R2") in _pair_ids(rows)
    assert all(0.5 <= float(r["score"]) <= 1 for r in rows)
    assert all(r["record_id_a"] < r["record_id_b"] for r in rows)


def test_explain_adds_the_reasons(tmp_path: Path) -> None:
    status, _, rows = _run(tmp_path, _register_csv(tmp_path / "in.csv"), "--explain")
    assert status == 0
    reasons = next(r["agreements"] for r in rows if (r["record_id_a"], r["record_id_b"]) == ("R1", "R2"))
    assert "nrc: same" in reasons and "phone: same" in reasons


def test_missing_columns_are_named_and_exit_non_zero(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("record_id,name,phone\nR1,Aung,09791234567\n", encoding="utf-8")
    status, err, _ = _run(tmp_path, source)
    assert status == 2
    assert "missing columns: father_name, birth_date, nrc, service_number, force, unit, hometown" in err
    assert not (tmp_path / "pairs.csv").exists()


def test_extra_columns_bom_empty_rows_and_reordered_columns(tmp_path: Path) -> None:
    source = _register_csv(tmp_path / "plain.csv")
    lines = source.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    order = list(reversed(range(len(header))))
    rebuilt = ["\ufeff" + ",".join(["notes", *(header[i] for i in order)])]
    for line in lines[1:]:
        cells = next(csv.reader([line]))
        rebuilt.append(",".join(["x", *(f'"{cells[i]}"' for i in order)]))
        rebuilt.append(",,,,,,,,,,")  # an empty row after each record
    source.write_text("\n".join(rebuilt) + "\n", encoding="utf-8")
    status, err, rows = _run(tmp_path, source)
    assert status == 0, err
    assert ("R1", "R2") in _pair_ids(rows)
    assert "empty rows skipped" in err and "ignored columns: notes" in err


def test_gzip_input(tmp_path: Path) -> None:
    plain = _register_csv(tmp_path / "in.csv")
    packed = tmp_path / "in.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    status, err, rows = _run(tmp_path, packed)
    assert status == 0, err
    assert ("R1", "R2") in _pair_ids(rows)


def test_mixed_encodings_and_utf16(tmp_path: Path) -> None:
    source = _register_csv(tmp_path / "in.csv")
    latin = "R9,Zoë Aung,,1980,,,army,,Dawei,\n".encode("cp1252")
    source.write_bytes(source.read_bytes() + latin)
    records, report = read_records(source)
    assert report.undecodable_lines == 1
    assert any(r.name == "Zoë Aung" for r in records)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(b"\xff\xfe" + source.read_bytes().decode("utf-8", errors="replace").encode("utf-16-le"))
    records16, _ = read_records(utf16)
    assert [r.record_id for r in records16] == [r.record_id for r in records if r.record_id != "R9"] + ["R9"]


def test_huge_cells_rows_without_id_and_duplicates(tmp_path: Path) -> None:
    rows = [*ROWS, "R4," + "Aung" * 25_000 + ",,,,,,,Dawei,", ",Orphan,,,,,,,,", "R1,Duplicate,,,,,,,,"]
    status, err, out = _run(tmp_path, _register_csv(tmp_path / "in.csv", rows))
    assert status == 0, err
    assert "1 over-long cells truncated" in err
    assert "1 rows without record_id skipped" in err
    assert "1 rows with a repeated record_id skipped" in err
    assert ("R1", "R2") in _pair_ids(out)


def test_unreadable_inputs(tmp_path: Path) -> None:
    assert _run(tmp_path, tmp_path / "nope.csv")[0] == 2
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    status, err, _ = _run(tmp_path, empty)
    assert status == 2 and "empty" in err
    bad_gzip = tmp_path / "bad.csv.gz"
    bad_gzip.write_bytes(b"\x1f\x8b\x08garbage")
    assert _run(tmp_path, bad_gzip)[0] == 2


def test_header_only_gives_no_pairs(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "\n", encoding="utf-8")
    status, _, rows = _run(tmp_path, source)
    assert status == 0 and rows == []


def test_bad_threshold_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--csv", "x.csv", "--out", str(tmp_path / "o.csv"), "--threshold", "1.5"])


def test_python_dash_m_entry_point_runs_without_django(tmp_path: Path) -> None:
    source = _register_csv(tmp_path / "in.csv")
    out = tmp_path / "pairs.csv"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "sanctuary.linkage.cli", "--csv", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "R1,R2," in out.read_text(encoding="utf-8")


def test_management_command_uses_the_same_code(tmp_path: Path) -> None:
    source = _register_csv(tmp_path / "in.csv")
    out = tmp_path / "pairs.csv"
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    command.handle(csv=str(source), out=str(out), threshold=0.5, explain=False)
    assert "R1,R2," in out.read_text(encoding="utf-8")
    missing = tmp_path / "missing.csv"
    missing.write_text("record_id,name\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns"):
        command.handle(csv=str(missing), out=str(out), threshold=0.5, explain=False)


def test_manage_py_command(tmp_path: Path) -> None:
    """The contract: ``python manage.py find_duplicates --csv IN --out PAIRS.csv``."""
    repo = Path(__file__).resolve().parents[2]
    source, out = _register_csv(tmp_path / "in.csv"), tmp_path / "pairs.csv"
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(repo),
        "DJANGO_SETTINGS_MODULE": "sanctuary.settings",
        "SANCTUARY_VAR_DIR": str(tmp_path / "var"),
    }
    manage = [sys.executable, str(repo / "manage.py"), "find_duplicates"]
    done = subprocess.run(
        [*manage, "--csv", str(source), "--out", str(out)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "R1,R2," in out.read_text(encoding="utf-8")
    failed = subprocess.run(
        [*manage, "--csv", str(tmp_path / "missing.csv"), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert failed.returncode != 0 and "cannot read" in failed.stderr
