"""Correct Unicode Burmese is left alone; real Zawgyi is still converted (issue 16).

The rule is in ``sanctuary.lib.text``: the structure of Unicode Burmese syllables (UTN #11
storage order) decides first, Google's detector only where both readings are well-formed.
The corpus is ``tests/data/burmese_words.tsv`` (sources in ``tests/data/README.md``).
"""

from __future__ import annotations

import icu
import pytest
from django import forms

from sanctuary.lib.forms import NormalisedTextMixin
from sanctuary.lib.text import Encoding, normalise, well_formed
from tests.bench.zawgyi_bench import corpus, measure


class PlaceForm(NormalisedTextMixin, forms.Form):
    name = forms.CharField(label="Name")
    hometown = forms.CharField(label="Hometown")


@pytest.mark.parametrize("text", ["မြဝတီ", "မမြ", "ဦးမြ", "ဒေါ်မြမြ", "မြ", "ကြ", "မြဝတီမြို့"])
def test_myawaddy_and_ma_mya_are_left_alone_and_not_asked_about(text: str) -> None:
    """The issue's examples: the old rule asked "Did you mean မွဝတီ / မမွ?"."""
    result = normalise(text)
    assert result.encoding is Encoding.UNICODE
    assert result.text == text
    assert result.suggestion == ""


def test_a_form_with_ma_mya_from_myawaddy_is_valid_without_a_question() -> None:
    form = PlaceForm({"name": "မမြ", "hometown": "မြဝတီ"})
    assert form.is_valid(), form.errors
    assert form.zawgyi_questions == {}
    assert form.converted_fields == []
    assert form.cleaned_data == {"name": "မမြ", "hometown": "မြဝတီ"}


SHORT_WITH_MEDIAL_RA = ["မခြ", "မြကို", "ခြကို", "မြ", "ပြ", "ကြ", "ခြ", "ဖြ", "ငြ", "မြမြ", "ကြာ", "ကြား", "အခြား"]


@pytest.mark.parametrize("text", SHORT_WITH_MEDIAL_RA)
def test_short_words_with_medial_ra_are_never_converted_silently(text: str) -> None:
    """ "မခြ", "မြကို" and "ခြကို" were converted without asking by the detector-only rule."""
    assert normalise(text).encoding is not Encoding.CONVERTED


def test_no_short_corpus_word_with_medial_ra_is_converted_silently() -> None:
    short = [p.unicode for p in corpus() if "\u103c" in p.unicode and len(p.unicode) <= 8]
    assert len(short) > 100
    converted = [w for w in short if normalise(w).encoding is Encoding.CONVERTED]
    assert converted == []


SENTENCES = [
    "ကျော်အောင်သည် မြဝတီမြို့တွင် နေထိုင်သည်။",
    "ဒေါ်မြမြ၏ သား မောင်ဖြိုးဝေ",
    "ဦးအောင်နိုင်သည် မော်လမြိုင်မှ ဖြစ်သည်",
    "မမြ နှင့် ကိုကြည်ဖြူ",
    "တပ်ကြပ်ကြီး ဇော်မင်းထွန်း၊ မကွေးတိုင်း ပခုက္ကူ",
    "ဒေါ်ခင်မြင့်ကြည် ရန်ကုန်မှ မဲဆောက်သို့",
]


@pytest.mark.parametrize("unicode", SENTENCES)
def test_real_zawgyi_sentences_with_names_and_places_are_still_converted(unicode: str) -> None:
    zawgyi = icu.Transliterator.createInstance("my-Zawgyi").transliterate(unicode)
    assert zawgyi != unicode
    result = normalise(zawgyi)
    assert result.encoding is Encoding.CONVERTED
    assert result.text == unicode
    assert normalise(unicode).encoding is Encoding.UNICODE


def test_a_form_still_converts_zawgyi_names_and_places() -> None:
    form = PlaceForm({"name": "ေဒၚျမျမ", "hometown": "ေမာ္လၿမိဳင္"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "ဒေါ်မြမြ", "hometown": "မော်လမြိုင်"}
    assert sorted(form.converted_fields) == ["hometown", "name"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ကျော်အောင်", True),
        ("ကျွန်ုပ်", True),  # asat before the vowel: the one allowed case
        ("အင်္ဂလိပ်", True),  # kinzi
        ("မန္တလေး", True),  # nasal over a stop of its row
        ("ပုဂ္ဂိုလ်", True),
        ("ပြည့်", True),  # NFC order: dot below before asat
        ("၁၂ လမ်း၊ ရန်ကုန်။", True),
        ("Aung Kyaw", True),
        ("ေက်ာ္ေအာင္", False),  # Zawgyi: ေ before its consonant
        ("ျမ", False),  # Zawgyi ya-yit (U+103B) before its consonant
        ("ခ်", False),  # a word starting with a killed consonant (Zawgyi's ya-pin)
        ("မင္း", False),  # U+1039 with nothing to stack (Zawgyi's asat)
        ("သက္စိုး", False),  # ka over sa: not a Burmese stack
        ("ႏိုင္", False),  # Zawgyi glyph code point
        ("ကြျ", False),  # medials out of order
    ],
)
def test_well_formed_follows_unicode_storage_order(text: str, expected: bool) -> None:
    assert well_formed(text) is expected


def test_corpus_error_rates_are_within_the_bounds() -> None:
    """On 6,000 real words and names: correct Unicode asked about or changed <= 0.5 %,
    Zawgyi left unconverted <= 1 %, and no Zawgyi converted to anything but its Unicode form."""
    pairs = corpus()
    assert len(pairs) >= 2000
    assert all(p.unicode != p.zawgyi for p in pairs)
    assert {p.kind for p in pairs} >= {"place", "name", "word"}
    rates = measure(pairs=pairs)
    assert rates.unicode_rate <= 0.005, rates
    assert rates.zawgyi_rate <= 0.01, rates
    assert rates.zawgyi_wrong == 0, rates
