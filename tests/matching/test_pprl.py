"""Privacy-preserving record linkage: encodings, Dice matching, and the management commands."""

from __future__ import annotations

import base64
import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanctuary.linkage import pprl
from sanctuary.linkage.records import RECORD_FIELDS, Record, prepare
from tests.matching.synthetic import register, truth_pairs

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))

LATIN = Record("L1", "Kyaw Zaw Min", "U Aung Myint", "1985-03-12", "12/MaYaKa(N)123456", "", "army", "", "", "")
BURMESE = Record("B1", "ကျော်ဇော်မင်း", "ဦးအောင်မြင့်", "12/03/1985", "၁၂/မရက(နိုင်)၁၂၃၄၅၆", "", "army", "", "", "")
ZAWGYI = Record("Z1", "ေက်ာ္ေဇာ္မင္း", "ဦးေအာင္ျမင့္", "1985-12-03", "", "", "", "", "", "")
OTHER = Record("O1", "Thein Htet Naing", "U Tun Win", "1970-07-01", "9/PaMaNa(N)654321", "", "police", "", "", "")


def _dice(a: Record, b: Record, key: bytes = KEY, key_b: bytes | None = None) -> float:
    params = pprl.Params()
    left = pprl.Encoder(key, params).clk(prepare(a))
    right = pprl.Encoder(key_b or key, params).clk(prepare(b))
    arr = np.frombuffer(left + right, dtype=np.uint8).reshape(2, -1)
    return float(pprl.dice(arr[:1], arr[1:], np.array([[0, 0]]))[0])


def test_same_person_in_burmese_latin_and_zawgyi_is_similar_different_people_are_not() -> None:
    assert _dice(LATIN, BURMESE) > 0.85
    assert _dice(LATIN, ZAWGYI) > 0.6  # no NRC: fewer fields agree, still well above strangers
    assert _dice(LATIN, OTHER) < 0.3
    assert _dice(BURMESE, OTHER) < 0.3


def test_a_different_key_gives_unrelated_encodings() -> None:
    assert _dice(LATIN, LATIN) == 1.0
    assert _dice(LATIN, LATIN, KEY, OTHER_KEY) < 0.35
    same = pprl.Encoder(KEY, pprl.Params()).blocks(prepare(LATIN))
    other = pprl.Encoder(OTHER_KEY, pprl.Params()).blocks(prepare(LATIN))
    assert same and not set(same) & set(other)


def test_clk_has_the_declared_length_and_blocks_are_hex() -> None:
    encoder = pprl.Encoder(KEY, pprl.Params())
    assert len(encoder.clk(prepare(LATIN))) == 128
    assert all(len(token) == 32 and int(token, 16) >= 0 for token in encoder.blocks(prepare(LATIN)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (bytes(range(40)), bytes(range(40))),
        (("ab" * 32 + "\n").encode(), bytes.fromhex("ab" * 32)),
        (base64.b64encode(bytes(range(32))) + b"\n", bytes(range(32))),
    ],
)
def test_key_file_formats(text: bytes, expected: bytes) -> None:
    assert pprl.parse_key(text) == expected


def test_short_keys_are_refused() -> None:
    with pytest.raises(pprl.PPRLError, match="at least 32 bytes"):
        pprl.parse_key(b"ab" * 16)  # hex of 16 bytes
    with pytest.raises(pprl.PPRLError, match="at least 32 bytes"):
        pprl.Encoder(b"short", pprl.Params())


def _split(records: list[Record], seed: int = 5) -> tuple[list[Record], list[Record]]:
    rng = random.Random(seed)
    a: list[Record] = []
    b: list[Record] = []
    for record in records:
        (a if rng.random() < 0.5 else b).append(record)
    return a, b


def _cross_truth(records: list[Record], side_a: set[str]) -> set[tuple[str, str]]:
    return {(x, y) if x in side_a else (y, x) for x, y in truth_pairs(records) if (x in side_a) != (y in side_a)}


def test_round_trip_finds_the_cross_pairs() -> None:
    records = register(people=200, seed=11)
    side_a, side_b = _split(records)
    truth = _cross_truth(records, {r.record_id for r in side_a})
    enc_a, map_a = pprl.encode_records(side_a, KEY, keep_ids=True)
    enc_b, _ = pprl.encode_records(side_b, KEY, keep_ids=True)
    assert map_a == {}
    found = {(m.a, m.b) for m in pprl.match(enc_a, enc_b)}
    hits = len(found & truth)
    assert hits / len(found) > 0.9
    assert hits / len(truth) > 0.8


def test_handles_replace_ids_and_map_back() -> None:
    records = register(people=30, seed=2)
    encoding, mapping = pprl.encode_records(records, KEY)
    assert sorted(mapping.values()) == sorted(r.record_id for r in records)
    assert set(encoding.ids) == set(mapping)
    assert not set(encoding.ids) & {r.record_id for r in records}


def test_mismatched_params_are_refused() -> None:
    records = register(people=10, seed=2)
    a, _ = pprl.encode_records(records, KEY, keep_ids=True)
    b, _ = pprl.encode_records(records, KEY, pprl.Params(fold=False), keep_ids=True)
    with pytest.raises(pprl.PPRLError, match="different parameters: fold"):
        pprl.match(a, b)


# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------


def _write_csv(path: Path, records: list[Record]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RECORD_FIELDS)
        for record in records:
            writer.writerow([getattr(record, f) for f in RECORD_FIELDS])
    return path


def _key_file(path: Path, key: bytes = KEY) -> Path:
    path.write_text(key.hex() + "\n", encoding="ascii")
    return path


def _round_trip_with_commands(tmp_path: Path) -> None:
    records = register(people=120, seed=4)
    side_a, side_b = _split(records)
    key = _key_file(tmp_path / "key.hex")
    for name, side in (("a", side_a), ("b", side_b)):
        call_command(
            "pprl_encode",
            csv=str(_write_csv(tmp_path / f"{name}.csv", side)),
            key_file=str(key),
            out=str(tmp_path / f"{name}.json"),
            map_out=str(tmp_path / f"{name}-map.csv"),
        )
    call_command("pprl_match", str(tmp_path / "a.json"), str(tmp_path / "b.json"), out=str(tmp_path / "pairs.csv"))
    maps = {}
    for name in ("a", "b"):
        with open(tmp_path / f"{name}-map.csv", encoding="utf-8") as handle:
            maps.update({row["handle"]: row["record_id"] for row in csv.DictReader(handle)})
    with open(tmp_path / "pairs.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["record_id_a", "record_id_b", "score"]
    found = {(maps[r["record_id_a"]], maps[r["record_id_b"]]) for r in rows}
    truth = _cross_truth(records, {r.record_id for r in side_a})
    assert len(found & truth) / len(found) > 0.9
    assert len(found & truth) / len(truth) > 0.8
    assert all(0 < float(r["score"]) <= 1 for r in rows)


@pytest.mark.django_db
def test_round_trip_through_the_commands(tmp_path: Path) -> None:
    _round_trip_with_commands(tmp_path)


def test_keep_ids_writes_record_ids(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "in.csv", [LATIN, BURMESE, OTHER])
    call_command(
        "pprl_encode",
        csv=str(source),
        key_file=str(_key_file(tmp_path / "k")),
        out=str(tmp_path / "e.json"),
        keep_ids=True,
    )
    data = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["params"]["bits"] == 1024
    assert [r["id"] for r in data["records"]] == ["L1", "B1", "O1"]
    assert "key" not in json.dumps(data["params"]).lower()
    call_command("pprl_match", str(tmp_path / "e.json"), str(tmp_path / "e.json"), out=str(tmp_path / "p.csv"))
    with open(tmp_path / "p.csv", encoding="utf-8") as handle:
        pairs = {(r["record_id_a"], r["record_id_b"]) for r in csv.DictReader(handle)}
    assert {("L1", "L1"), ("L1", "B1"), ("B1", "L1")} <= pairs
    assert ("L1", "O1") not in pairs


def test_encode_refuses_missing_columns(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("record_id,name,phone\nR1,Aung,09791234567\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing columns: father_name"):
        call_command(
            "pprl_encode",
            csv=str(source),
            key_file=str(_key_file(tmp_path / "k")),
            out=str(tmp_path / "e.json"),
            keep_ids=True,
        )
    assert not (tmp_path / "e.json").exists()


def test_encode_refuses_a_short_key(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "in.csv", [LATIN])
    short = tmp_path / "short.key"
    short.write_bytes(b"0123456789")
    with pytest.raises(CommandError, match="at least 32 bytes"):
        call_command("pprl_encode", csv=str(source), key_file=str(short), out=str(tmp_path / "e.json"), keep_ids=True)


def test_encode_needs_a_map_or_keep_ids(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "in.csv", [LATIN])
    with pytest.raises(CommandError, match="--map-out"):
        call_command(
            "pprl_encode", csv=str(source), key_file=str(_key_file(tmp_path / "k")), out=str(tmp_path / "e.json")
        )


def _valid_encoding(tmp_path: Path) -> dict[str, object]:
    source = _write_csv(tmp_path / "in.csv", [LATIN, OTHER])
    call_command(
        "pprl_encode",
        csv=str(source),
        key_file=str(_key_file(tmp_path / "k")),
        out=str(tmp_path / "ok.json"),
        keep_ids=True,
    )
    data: dict[str, object] = json.loads((tmp_path / "ok.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: "{not json", "not valid JSON"),
        (lambda d: json.dumps([1, 2]), "expected a JSON object"),
        (lambda d: json.dumps({**d, "version": 2}), "unsupported version"),
        (lambda d: json.dumps({**d, "records": "x"}), "'records' must be a list"),
        (lambda d: json.dumps({**d, "records": [{"id": "x", "clk": "!!", "blocks": []}]}), "not base64"),
        (lambda d: json.dumps({**d, "records": [{"id": "x", "clk": "AAAA", "blocks": []}]}), "has 24 bits"),
        (lambda d: json.dumps({**d, "params": {**d["params"], "bits": 2048}}), "has 1024 bits, params say 2048"),  # type: ignore[dict-item]
    ],
)
def test_match_refuses_malformed_encodings(tmp_path: Path, mutate: object, message: str) -> None:
    data = _valid_encoding(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(mutate(data), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(CommandError, match=message):
        call_command("pprl_match", str(tmp_path / "ok.json"), str(bad), out=str(tmp_path / "p.csv"))
    assert not (tmp_path / "p.csv").exists()


def test_match_refuses_encodings_with_other_params(tmp_path: Path) -> None:
    data = _valid_encoding(tmp_path)
    params = dict(data["params"])  # type: ignore[call-overload]
    params["weights"] = {**params["weights"], "name": 3}
    (tmp_path / "other.json").write_text(json.dumps({**data, "params": params}), encoding="utf-8")
    with pytest.raises(CommandError, match="different parameters: weights"):
        call_command("pprl_match", str(tmp_path / "ok.json"), str(tmp_path / "other.json"), out=str(tmp_path / "p.csv"))
