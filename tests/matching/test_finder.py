"""The finder on hand-made cases inside a small synthetic register."""

from __future__ import annotations

import numpy as np
import pytest

from sanctuary.linkage.blocking import blocking_keys, candidate_pairs
from sanctuary.linkage.finder import Options, Pair, find_duplicates, run
from sanctuary.linkage.records import Record, prepare
from tests.matching.synthetic import register, truth_pairs

ALIAS = (
    Record(
        "A1",
        name="Kyaw Zaw Min",
        father_name="U Aung Myint Thein",
        birth_date="1985-03-12",
        hometown="Monywa",
        force="army",
    ),
    # A new name, nothing in common but the father, the birthday (day and month swapped) and the town.
    Record("A2", name="ဝေလင်းသူ", father_name="ဦးအောင်မြင့်သိန်း", birth_date="1985-12-03", hometown="မုံရွာ"),
)
COMMON_NAME = (
    Record("C1", name="Aung Aung", father_name="U Tun Win", birth_date="1970-01-05", hometown="Pakokku", force="army"),
    Record("C2", name="အောင်အောင်", father_name="ဦးဇော်မင်း", birth_date="1991-07-20", hometown="Pakokku", force="army"),
)
CROSS_SCRIPT = (
    Record("X1", name="ေက်ာ္ေဇာ္ထက္", father_name="ဦးစိုးႏိုင္", birth_date="1979", hometown="Dawei"),  # Zawgyi
    Record(
        "X2",
        name="Sgt Kyau Zaww Htett",
        father_name="U Soe Naing",
        birth_date="1979-08-30",
        hometown="Dawei",
        phone="+959 7812 34567",
    ),
    Record("X3", name="Ko Chaw Zaw Het", birth_date="1979-08-30", phone="09781234567", hometown="Dawei"),
)


@pytest.fixture(scope="module")
def matches() -> dict[frozenset[str], Pair]:
    records = register() + list(ALIAS + COMMON_NAME + CROSS_SCRIPT)
    return {frozenset((p.a, p.b)): p for p in find_duplicates(records)}


def test_alias_with_same_father_and_birth_date_matches(matches: dict[frozenset[str], Pair]) -> None:
    pair = matches[frozenset(("A1", "A2"))]
    assert pair.score >= 0.5
    assert {"father_name", "birth_date", "hometown"} <= set(pair.agreements)
    assert pair.agreements["birth_date"] == "day and month swapped"
    assert "name" not in pair.agreements


def test_common_name_different_father_and_year_does_not_match(matches: dict[frozenset[str], Pair]) -> None:
    assert frozenset(("C1", "C2")) not in matches


def test_same_person_across_scripts_zawgyi_and_spellings(matches: dict[frozenset[str], Pair]) -> None:
    assert frozenset(("X1", "X2")) in matches
    assert frozenset(("X2", "X3")) in matches
    assert matches[frozenset(("X2", "X3"))].agreements["phone"] == "same"
    assert frozenset(("X1", "X3")) in matches  # directly or through X2


def test_synthetic_register_is_matched_well() -> None:
    records = register(people=400, seed=2)
    truth = truth_pairs(records)
    found = {tuple(sorted((p.a, p.b))) for p in find_duplicates(records)}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert precision > 0.97
    assert recall > 0.9


def test_blocking_keys_are_plain_strings_and_cover_identifiers() -> None:
    keys = blocking_keys(prepare(CROSS_SCRIPT[1]))
    assert all(isinstance(k, str) for k in keys)
    assert "tel:+959781234567" in keys
    assert any(k.startswith("name+year:") for k in keys)


def test_candidate_pairs_probe_rules_do_not_pair_index_entries() -> None:
    pairs = candidate_pairs([["name+town@x"], ["name+town@x"], ["name+town?x", "name+town@x"], ["s:y"], ["s:y"]])
    assert sorted(map(tuple, pairs.tolist())) == [(0, 2), (1, 2), (3, 4)]


def test_candidate_pairs_skip_oversized_blocks() -> None:
    pairs = candidate_pairs([["k:v"]] * 5, max_block_size=4)
    assert len(pairs) == 0


def test_tiny_inputs_do_not_crash() -> None:
    assert find_duplicates([]) == []
    assert find_duplicates([ALIAS[0]]) == []
    result = run(list(ALIAS), Options(random_pairs=10))
    assert isinstance(result.weights, np.ndarray)
