"""``make bench``: performance figures, printed as tables. Never a pass/fail timing test.

Each web measurement runs in its own process with its own throw-away SQLite database
(``tests/bench/web_bench.py``), so the encrypted and the identity-cipher runs compare
like with like on the same machine, one after the other.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

Row = dict[str, Any]


def _web(people: int, identity: bool = False, repeat: int = 30) -> dict[str, float]:
    args = [sys.executable, "-m", "tests.bench.web_bench", "--people", str(people), "--repeat", str(repeat)]
    if identity:
        args.append("--identity-cipher")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
    return dict(json.loads(out))


def vault_rows() -> list[Row]:
    # The machine is noisy: alternate encrypted and identity-cipher runs, three of each,
    # and compare medians.
    aes_runs, plain_runs = [], []
    for _ in range(3):
        aes_runs.append(_web(5_000))
        plain_runs.append(_web(5_000, identity=True))
    big = _web(100_000, repeat=50)

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    aes_list, plain_list = median(aes_runs, "list_ms"), median(plain_runs, "list_ms")
    aes_page, plain_page = median(aes_runs, "page_ms"), median(plain_runs, "page_ms")
    return [
        {
            "figure": "seed_demo --people 5000 (encrypted)",
            "value": f"{median(aes_runs, 'seed_s'):.1f} s",
            "target": "-",
        },
        {"figure": "seed_demo --people 100000 (encrypted)", "value": f"{big['seed_s']:.1f} s", "target": "-"},
        {
            "figure": "person list, 50 rows: AES-GCM / identity cipher",
            "value": f"{aes_list:.1f} / {plain_list:.1f} ms = {aes_list / plain_list:.2f}x",
            "target": "<= 1.3x",
        },
        {
            "figure": "person page: AES-GCM / identity cipher",
            "value": f"{aes_page:.1f} / {plain_page:.1f} ms = {aes_page / plain_page:.2f}x",
            "target": "<= 1.3x",
        },
        {
            "figure": "exact search by phone, 100,000 people (median)",
            "value": f"{big['phone_ms']:.1f} ms",
            "target": "< 50 ms",
        },
        {"figure": "person list, 50 of 100,000 rows (median)", "value": f"{big['list_ms']:.1f} ms", "target": "-"},
    ]


def money_rows() -> list[Row]:
    """Shelter and stipends, on SQLite and (when it answers) PostgreSQL."""
    rows = []
    admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    for database in ("sqlite", "postgresql"):
        args = [sys.executable, "-m", "tests.bench.money_bench"]
        if database == "postgresql":
            args += ["--postgres", admin]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        done = subprocess.run(args, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            rows.append(
                {"database": database, "figure": "not measured", "value": done.stderr.strip()[-120:], "target": ""}
            )
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows += [
            {
                "database": database,
                "figure": f"draft a payment run, {result['people']:,} eligible people",
                "value": f"{result['draft_s']:.1f} s (again: {result['redraft_s']:.1f} s)",
                "target": "< 10 s",
            },
            {
                "database": database,
                "figure": f"occupancy board, 100 houses / {result['beds']:,} beds, 15 days (median)",
                "value": f"{result['board_ms']:.0f} ms ({result['board_kb']} KB)",
                "target": "< 200 ms",
            },
        ]
    return rows


def _against_bare(result: dict[str, Any], key: str) -> str:
    ms, queries, kb = result[f"{key}_ms"], result[f"{key}_queries"], result[f"{key}_kb"]
    return f"{ms:.1f} ms = {ms / result['bare_ms']:.1f}x bare ({queries} queries, {kb} KB)"


def training_rows() -> list[Row]:
    """Training screens against a bare view (one query, a tiny template, the same middleware),
    on SQLite and (when it answers) PostgreSQL."""
    rows = []
    admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    for database in ("sqlite", "postgresql"):
        args = [sys.executable, "-m", "tests.bench.training_bench", "--repeat", "40"]
        if database == "postgresql":
            args += ["--postgres", admin]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        done = subprocess.run(args, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            rows.append(
                {"database": database, "figure": "not measured", "value": done.stderr.strip()[-120:], "target": ""}
            )
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        rows += [
            {
                "database": database,
                "figure": "bare view: 1 query, tiny template, same middleware (median)",
                "value": f"{r['bare_ms']:.1f} ms ({r['bare_queries']} queries in all)",
                "target": "-",
            },
            {
                "database": database,
                "figure": f"attendance page, {r['people']} people (median)",
                "value": _against_bare(r, "attendance"),
                "target": "-",
            },
            {
                "database": database,
                "figure": f"cohort list, {r['listed']} of {r['cohorts']} cohorts listed (median)",
                "value": _against_bare(r, "list"),
                "target": "-",
            },
        ]
    return rows


def care_rows() -> list[Row]:
    """The case worker's dashboard and the care list at 200 and 2,000 open items, against a
    bare view, on SQLite and (when it answers) PostgreSQL: server time and query counts."""
    rows = []
    admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    for database in ("sqlite", "postgresql"):
        args = [sys.executable, "-m", "tests.bench.care_bench", "--repeat", "40"]
        if database == "postgresql":
            args += ["--postgres", admin]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        done = subprocess.run(args, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            rows.append(
                {"database": database, "figure": "not measured", "value": done.stderr.strip()[-120:], "target": ""}
            )
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        for name, label in (("dashboard", "case worker's dashboard"), ("list", "care list, 50 a page")):
            small, big = r[f"{name}_200_ms"], r[f"{name}_2000_ms"]
            rows.append(
                {
                    "database": database,
                    "figure": f"{label}, {r['items_2000']} open items ({r['overdue_2000']} overdue)",
                    "value": f"{big:.1f} ms = {big / r['bare_2000_ms']:.1f}x bare; at 200 items {small:.1f} ms",
                    "target": "-",
                }
            )
            rows.append(
                {
                    "database": database,
                    "figure": f"{label}: queries at 200 / 2,000 items",
                    "value": f"{r[f'{name}_200_queries']} / {r[f'{name}_2000_queries']}",
                    "target": "equal",
                }
            )
    return rows


def evidence_rows() -> list[Row]:
    """Packaging 500 MB of evidence items and verifying the package: time against reading the
    same bytes once through both hashes (the anchor), and resident memory while each runs, at
    50 MB and at 500 MB (flat: the same at both sizes)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.evidence_bench", "--mb", "500"], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        return [{"figure": "not measured", "value": done.stderr.strip()[-120:], "target": ""}]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    rows: list[Row] = []
    for label in ("small", "full"):
        mb, build, anchor = r[f"{label}_mb"], r[f"{label}_build_s"], r[f"{label}_anchor_s"]
        rows.append(
            {
                "figure": f"package {mb} MB (5 items): build",
                "value": f"{build:.2f} s = {build / max(anchor, 0.01):.1f}x hashing the bytes once ({anchor:.2f} s)",
                "target": "-",
            }
        )
        rows.append(
            {"figure": f"package {mb} MB: verify_package", "value": f"{r[f'{label}_verify_s']:.2f} s", "target": "-"}
        )
        rows.append(
            {
                "figure": f"package {mb} MB: memory while building / verifying",
                "value": f"+{r[f'{label}_build_rss_mb']} / +{r[f'{label}_verify_rss_mb']} MB resident "
                f"(peak {r[f'{label}_peak_rss_mb']} MB)",
                "target": "flat",
            }
        )
    return rows


def stats_rows() -> list[Row]:
    """The statistics dashboard over 100,000 people and five years against a bare view, and
    python-dp's noise, on SQLite and (when it answers) PostgreSQL."""
    rows = []
    admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    for database in ("sqlite", "postgresql"):
        args = [sys.executable, "-m", "tests.bench.stats_bench", "--repeat", "11"]
        if database == "postgresql":
            args += ["--postgres", admin]
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        done = subprocess.run(args, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            rows.append(
                {"database": database, "figure": "not measured", "value": done.stderr.strip()[-120:], "target": ""}
            )
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        scale = f"{r['people']:,} people, {r['events']:,} timeline steps"
        rows += [
            {
                "database": database,
                "figure": "bare view: 1 query, tiny template, same middleware (median)",
                "value": f"{r['bare_ms']:.1f} ms ({r['bare_queries']} queries in all)",
                "target": "-",
            },
            {
                "database": database,
                "figure": f"dashboard, 12 months, {scale}",
                "value": _against_bare(r, "dashboard"),
                "target": "< 3x",
            },
            {
                "database": database,
                "figure": "dashboard, one team (finance officer)",
                "value": _against_bare(r, "team"),
                "target": "< 3x",
            },
            {
                "database": database,
                "figure": "dashboard, five years",
                "value": _against_bare(r, "five_years"),
                "target": "< 3x",
            },
            {
                "database": database,
                "figure": "  counted afresh: 12 months",
                "value": _against_bare(r, "dashboard_fresh"),
                "target": "-",
            },
            {
                "database": database,
                "figure": "  counted afresh: one team",
                "value": _against_bare(r, "team_fresh"),
                "target": "-",
            },
            {
                "database": database,
                "figure": "  counted afresh: five years",
                "value": _against_bare(r, "five_years_fresh"),
                "target": "-",
            },
            {
                "database": database,
                "figure": "python-dp: one noisy count; an 18 x 20 table without / with noise",
                "value": f"{r['noise_us']:.1f} us; {r['table_ms']:.1f} / {r['table_noisy_ms']:.1f} ms",
                "target": "-",
            },
        ]
    return rows


def print_table(title: str, rows: list[Row]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print(f"\n## {title}")
    print(" | ".join(c.ljust(widths[c]) for c in columns))
    print("-+-".join("-" * widths[c] for c in columns))
    for row in rows:
        print(" | ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))
    sys.stdout.flush()


def main() -> None:
    from tests.bench import zawgyi_bench

    print_table(
        "Zawgyi detection on tests/data/burmese_words.tsv (both errors; main's old rule below)", zawgyi_bench.run()
    )
    print_table("Shelter and stipends (server time, medians)", money_rows())
    print_table("Training (server time, medians of 40 requests)", training_rows())
    print_table("Care (server time, medians of 40 requests)", care_rows())
    print_table("Statistics dashboard (server time, medians)", stats_rows())
    print_table("Evidence packages (streamed: memory must stay flat)", evidence_rows())
    print_table("People and vault (SQLite, medians over repeated requests)", vault_rows())
    from tests.bench import matching_bench

    print_table(
        "Duplicate finder (reference: Splink 5, dev F1 0.990 in ~13 s; scale F1 0.913, 144 s, 2.5 GB)",
        matching_bench.run(),
    )
    from tests.bench import pprl_bench

    print_table("Privacy-preserving matching, people-dev split into two organisations", pprl_bench.run())


if __name__ == "__main__":
    main()
