"""Normaliser tables: both scripts, Zawgyi and Unicode, all spellings land on one form."""

from __future__ import annotations

import icu
import pytest
from rapidfuzz.distance import Levenshtein

from sanctuary.lib.dates import PartialDate
from sanctuary.lib.dates import read_partial_date as parse_birth_date
from sanctuary.lib.phones import read_phone as e164
from sanctuary.linkage.normalise import (
    MAX_FIELD_CHARS,
    canonical_force,
    canonical_nrc,
    canonical_service_number,
    canonical_town,
    canonical_unit,
    clean_text,
    name_parts,
    nrc_number,
)
from sanctuary.linkage.phonetic import burmese_syllables, coarse_key, phonetic_key


def test_icu_burmese_ipa_transform_is_available() -> None:
    """The phonetic key depends on ICU's my-my_FONIPA transform (CLDR)."""
    ipa = icu.Transliterator.createInstance("my-my_FONIPA").transliterate("ကျော်")
    assert ipa.startswith("t͡ɕ")


@pytest.mark.parametrize(
    "spellings",
    [
        ("ကျော်", "Kyaw", "Kyau", "Chaw", "KYAWE", "kyaw"),
        ("ထက်", "Htet", "Het", "Thett", "HTETT"),
        ("ဖြိုး", "Phyo", "Pyo", "Phyoe"),
        ("သိန်း", "Thein", "Thane", "Thain"),
        ("လှိုင်", "Hlaing", "Hlain", "Laing"),
        ("ဝင်း", "Win", "Wynn", "Winn"),
        ("မြင့်", "Myint", "Myintt"),
        ("စည်သူ", "Sithu", "Sitthu", "Si Thu"),
        ("Wunna Zaw", "Wun Nazaw", "Wunnazaw", "WUNNA ZAWW"),  # typed spaces do not matter
        ("ဇေယျ", "Zeya", "Zeyya", "Zayya"),
        ("မင်းအောင်", "Min Aung", "Minn Aoung", "Minaung", "MinAong"),
        ("ရတနာ", "Yadanar", "Yadana"),
    ],
)
def test_spellings_share_one_phonetic_key(spellings: tuple[str, ...]) -> None:
    keys = {phonetic_key(s) for s in spellings}
    assert len(keys) == 1, dict(zip(spellings, map(phonetic_key, spellings), strict=True))


def test_burmese_and_latin_differ_by_at_most_a_vowel_where_icu_reads_otherwise() -> None:
    """ICU reads ဝဏ္ဏ "wan-na", customary spelling is "Wunna": one symbol apart, "similar"."""
    assert Levenshtein.distance(phonetic_key("ဝဏ္ဏဇော်"), phonetic_key("Wunna Zaw")) == 1


def test_phonetic_key_keeps_different_names_apart() -> None:
    assert phonetic_key("Kyaw Aung") != phonetic_key("Kyaung")
    assert phonetic_key("Myo") != phonetic_key("Mo")
    assert phonetic_key("Aye Aye") != phonetic_key("Aye")


def test_coarse_key_forgives_dropped_finals() -> None:
    assert coarse_key(phonetic_key("Khaing Pyae")) == coarse_key(phonetic_key("Khai Pye"))


@pytest.mark.parametrize(
    ("zawgyi", "unicode"),
    [
        ("ေက်ာ္ေအာင္", "ကျော်အောင်"),
        ("ေမာင္ေမာင္ေက်ာ္", "မောင်မောင်ကျော်"),
        ("ဦးေအာင္ႏိုင္", "ဦးအောင်နိုင်"),
        ("ၿငိမ္း", "ငြိမ်း"),
        ("ေဒၚေအးေအး", "ဒေါ်အေးအေး"),
        ("ဦးေဇယ်ရဲညီ", "ဦးဇေယျရဲညီ"),  # the detector is unsure (0.45): Unicode order decides
        ("ပုသိမ္", "ပုသိမ်"),
        ("မုံ႐ြာ", "မုံရွာ"),
    ],
)
def test_zawgyi_and_unicode_give_the_same_name(zawgyi: str, unicode: str) -> None:
    assert clean_text(zawgyi) == unicode
    assert name_parts(zawgyi).key == name_parts(unicode).key


def test_text_already_in_unicode_is_never_converted() -> None:
    for text in ("ထက်", "ပခုက္ကူ", "မုံရွာ", "သက်စိုး"):  # short texts the detector is unsure about
        assert clean_text(text) == text


def test_mixed_encoding_leftovers_are_repaired() -> None:
    assert clean_text("ခန႔်ခန႔်") == "ခန့်ခန့်"
    assert name_parts("ျမင့်ေအာင္").key == name_parts("မြင့်အောင်").key


def test_burmese_syllables() -> None:
    assert burmese_syllables("မင်းအောင် ကျော်") == ["မင်း", "အောင်", "ကျော်"]
    assert burmese_syllables("မြင့်ဝဏ္ဏ") == ["မြင့်", "ဝဏ္ဏ"]


@pytest.mark.parametrize(
    ("typed", "ranks", "honorifics", "given"),
    [
        ("Police Sgt Mg Pyie Pyay", ("psgt",), ("maung",), "pyie pyay"),
        ("MgAung", (), ("maung",), "aung"),
        ("Mgaung Kyaw", (), ("maung",), "aung kyaw"),
        ("L/Cpl Oo Min Aung", ("lcpl",), ("u",), "min aung"),
        ("Capt. Daw Khin Khin", ("capt",), ("daw",), "khin khin"),
        ("POLICE SGTT NE THAIN", ("psgt",), (), "ne thain"),
        ("Inspecto Zaw Ba", ("pi",), (), "zaw ba"),
        ("PC Saw Ye Soh", ("pc",), ("saw",), "ye soh"),
        ("ကိုအောင်", (), ("ko",), "အောင်"),
        ("ရဲတပ်ကြပ် စောမင်းရိုး", ("pcpl",), ("saw",), "မင်းရိုး"),
        ("အရာခံဗိုလ် ကိုအောင်သက်သူရ", ("wo",), ("ko",), "အောင်သက်သူရ"),
        ("ဗိုလ်ကြီးမောင်ဝဏ္ဏ", ("capt",), ("maung",), "ဝဏ္ဏ"),
        ("ရဲဒုအုပ် နန်းခိုင်", ("psi",), ("nang",), "ခိုင်"),
    ],
)
def test_ranks_and_honorifics_are_stripped(
    typed: str, ranks: tuple[str, ...], honorifics: tuple[str, ...], given: str
) -> None:
    parts = name_parts(typed)
    assert (parts.ranks, parts.honorifics, parts.given) == (ranks, honorifics, given)


@pytest.mark.parametrize("name", ["Maung", "Ma", "Saw", "U", "မောင်", "ကို", "Police"])
def test_a_title_alone_is_kept_as_the_name(name: str) -> None:
    parts = name_parts(name)
    assert parts.key and not parts.honorifics and not parts.ranks


def test_title_that_is_a_real_syllable_is_kept_in_the_second_key() -> None:
    assert name_parts("Nan Dar").key_with_honorifics == name_parts("Nandar").key


def test_same_name_with_and_without_titles_and_scripts() -> None:
    keys = {name_parts(n).key for n in ("Ko Kyaw Zaw", "ကိုကျော်ဇော်", "Sgt Kyau Zaww", "ေက်ာ္ေဇာ္", "MgKyawZaw")}
    assert len(keys) == 1


def test_huge_name_is_truncated_safely() -> None:
    parts = name_parts("Aung " * 20_000)
    assert len(parts.text) <= MAX_FIELD_CHARS


@pytest.mark.parametrize(
    "typed",
    [
        "12/MaYaKa(N)123456",
        "12/MAYAKA(N) 123456",
        "12/mayaka(n)123456",
        "12 / Ma Ya Ka (Naing) 123456",
        "၁၂/မရက(နိုင်)၁၂၃၄၅၆",
        "၁၂/မရက (နိုင်) ၁၂၃၄၅၆",
        "၁၂/မရက(ႏိုင္)၁၂၃၄၅၆",  # Zawgyi
    ],
)
def test_nrc_variants_canonicalise_equal(typed: str) -> None:
    assert canonical_nrc(typed) == "12/mayaka(n)123456"
    assert nrc_number(canonical_nrc(typed)) == "12/123456"


def test_nrc_other_citizenship_types_and_garbage() -> None:
    assert canonical_nrc("9/MaKaNa(E)000123") == "9/makana(e)000123"
    assert canonical_nrc("၉/မကန(ဧည့်)၀၀၀၁၂၃") == "9/makana(e)000123"
    assert canonical_nrc("not an nrc") == ""
    assert canonical_nrc("") == ""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+66 87 637 2515", "+66876372515"),
        ("0876372515", "+66876372515"),
        ("087-637-2515", "+66876372515"),
        ("66876372515", "+66876372515"),
        ("09 791 234 567", "+959791234567"),
        ("09-791-234567", "+959791234567"),
        ("+959791234567", "+959791234567"),
        ("959791234567", "+959791234567"),
        ("+95 9 791 234 567", "+959791234567"),
        ("၀၉၇၉၁၂၃၄၅၆၇", "+959791234567"),
        ("09-539-481447", "+959539481447"),  # outside libphonenumber's ranges, still possible
        ("123", ""),
        ("", ""),
        ("call me", ""),
    ],
)
def test_phones_to_e164(typed: str, expected: str) -> None:
    assert e164(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1987-05-02", PartialDate(1987, 5, 2)),
        ("1987", PartialDate(1987)),
        ("1987-05", PartialDate(1987, 5)),
        ("02/05/1987", PartialDate(1987, 5, 2)),  # day first, as written in Myanmar
        ("05/25/1987", PartialDate(1987, 5, 25)),  # impossible day first: month first
        ("25 May 1987", PartialDate(1987, 5, 25)),
        ("May 25, 1987", PartialDate(1987, 5, 25)),
        ("19870525", PartialDate(1987, 5, 25)),
        ("1987-05-25 00:00:00", PartialDate(1987, 5, 25)),
        ("31922", PartialDate(1987, 5, 25)),  # Excel serial day number
        ("၁၉၈၇-၀၅-၂၅", PartialDate(1987, 5, 25)),
        ("1987-02-30", PartialDate(1987, 2)),
        ("unknown", PartialDate()),
        ("", PartialDate()),
    ],
)
def test_birth_dates(typed: str, expected: PartialDate) -> None:
    assert parse_birth_date(typed) == expected


def test_other_fields() -> None:
    assert canonical_service_number("BC-589160") == canonical_service_number("bc 589160") == "BC589160"
    assert canonical_service_number("n/a") == ""
    assert canonical_town("ပခုက္ကူ") == canonical_town("Pakokku") == canonical_town("ပခုကၠဴ") == "pakokku"
    assert canonical_town("မုံ႐ြာ") == canonical_town("Monywa")
    assert canonical_town("Somewhere New").startswith("~")  # outside the gazetteer: phonetic key
    assert canonical_force("Army") == canonical_force("တပ်မတော်") == "army"
    assert canonical_unit("lib  33") == canonical_unit("LIB 33") == "LIB 33"


def test_latin_titles_before_a_burmese_name() -> None:
    parts = name_parts("Police Sgt ဦးကျော်ဇော်")
    assert (parts.ranks, parts.honorifics, parts.key) == (("psgt",), ("u",), name_parts("Kyaw Zaw").key)
    assert name_parts("Capt ကျော်").ranks == ("capt",)
