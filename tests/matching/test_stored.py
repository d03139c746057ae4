"""A kept model (sanctuary.linkage.stored): one scoring path for scans and single pairs, its
own format, the defaults, and no value in clear (issue 16)."""

from __future__ import annotations

import hashlib
import hmac
import json

import numpy as np
import pytest

from sanctuary.linkage.compare import TF_FIELDS, tf_value
from sanctuary.linkage.finder import Options, Result, run
from sanctuary.linkage.records import Record, prepare
from sanctuary.linkage.stored import (
    DUPLICATES_PER_RECORD,
    Incompatible,
    Stored,
    default,
    from_json,
    keep,
    learned_enough,
    score,
    to_json,
)
from tests.matching.synthetic import register


def blind(text: str) -> str:
    return hmac.new(b"test key", text.encode(), hashlib.sha256).hexdigest()[:32]


@pytest.fixture(scope="module")
def scanned() -> tuple[list[Record], Result]:
    records = register(people=300, seed=5)
    return records, run(records, Options(clusters=False))


def test_a_kept_model_scores_pairs_as_the_scan_did(scanned: tuple[list[Record], Result]) -> None:
    """Every pair the scan found, scored again through the kept model, gets the scan's own
    probability and agreements: the same comparison, rule, parameters and term frequencies."""
    records, result = scanned
    assert learned_enough(result.model)
    kept = from_json(json.loads(json.dumps(to_json(keep(result, learned=True, blind=blind)))))
    index = {r.record_id: i for i, r in enumerate(records)}
    pairs = [(index[p.a], index[p.b]) for p in result.matches]
    again = score(kept, records, pairs, blind)
    assert len(again) == len(result.matches) > 50
    for scan, single in zip(result.matches, again, strict=True):
        assert (single.a, single.b) == (scan.a, scan.b)
        assert single.score == pytest.approx(scan.score, rel=1e-12, abs=1e-15)
        assert single.agreements == scan.agreements
    # Without the register's term frequencies some scores differ: the tables are doing work.
    bare = score(Stored(kept.model, kept.threshold, kept.records, True), records, pairs, blind)
    assert any(abs(a.weight - b.weight) > 0.1 for a, b in zip(again, bare, strict=True))


def test_a_scan_with_a_kept_model_uses_it_as_it_is(scanned: tuple[list[Record], Result]) -> None:
    records, result = scanned
    rerun = run(records, Options(clusters=False), model=result.model)
    assert rerun.model is result.model
    assert [(p.a, p.b, p.score) for p in rerun.matches] == [(p.a, p.b, p.score) for p in result.matches]


def test_the_format_is_the_engines_and_refuses_another(scanned: tuple[list[Record], Result]) -> None:
    _records, result = scanned
    data = to_json(keep(result, learned=True, blind=blind))
    back = from_json(data)
    for kept, original in zip(back.model.m + back.model.u, result.model.m + result.model.u, strict=True):
        assert np.array_equal(kept, original)
    assert back.model.prior == result.model.prior and back.learned
    with pytest.raises(Incompatible):
        from_json({**data, "fields": [*data["fields"][:-1], ["hometown", ["no", "yes", "maybe"]]]})
    with pytest.raises(Incompatible):
        from_json({**data, "format": 0})


def test_the_kept_model_holds_no_value_in_clear(scanned: tuple[list[Record], Result]) -> None:
    records, result = scanned
    data = to_json(keep(result, learned=True, blind=blind))
    text = json.dumps(data, ensure_ascii=False)
    values = {v for r in records for v in (r.name, r.father_name, r.birth_date, r.hometown, r.phone, r.nrc) if v}
    values |= {tf_value(prepare(r), name) for r in records for name in TF_FIELDS} - {""}
    # (A year alone may be digits of a float: the dates kept are whole ones, "1983-5-12".)
    assert not [v for v in values if len(v) >= 4 and not v.isdigit() and v in text]
    tables = data["frequencies"]
    assert set(tables) == set(TF_FIELDS)
    tokens = [token for table in tables.values() for token in table["shared"]]
    assert tokens and all(len(t) == 32 and set(t) <= set("0123456789abcdef") for t in tokens)
    assert all(count >= 2 for table in tables.values() for count in table["shared"].values())
    # What a token stands for can be checked only with the key: the commonest home town.
    towns = [prepare(r).town for r in records]
    commonest = max(set(towns), key=towns.count)
    assert tables["hometown"]["shared"][blind(f"hometown\x1f{commonest}")] == towns.count(commonest)


ISSUE_EXAMPLE = (
    Record("1", name="Thura Aung", birth_date="1994-05-12", service_number="BC-123456", phone="09 420 123 456"),
    Record("2", name="Thura Aung", birth_date="1994-05-12", service_number="BC 123456", phone="+959420123456"),
)


def test_the_defaults_score_the_issues_example_high() -> None:
    """Name, birth date, service number and phone agree: before any scan, the engine's
    defaults say it is the same person (issue 16: "Match probability 0.00")."""
    model = default(300)
    assert not model.learned and model.model.prior == pytest.approx(2 * DUPLICATES_PER_RECORD / 299)
    (pair,) = score(model, list(ISSUE_EXAMPLE), [(0, 1)], blind)
    assert pair.score > 0.99
    assert {k: pair.agreements.get(k) for k in ("name", "birth_date", "service_number", "phone")} == dict.fromkeys(
        ("name", "birth_date", "service_number", "phone"), "same"
    )
    other = Record("3", name="Kyaw Min", birth_date="1971", phone="09 790 000 111")
    (unlike,) = score(model, [ISSUE_EXAMPLE[0], other], [(0, 1)], blind)
    assert unlike.score < 0.01
