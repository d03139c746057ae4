"""Data tables for the record-linkage normaliser.

Everything here is data, not logic, so that a reviewer who reads Burmese can check it line by
line. Sources are cited next to each table. Latin forms are stored lowercase with doubled
letters collapsed ("minn" -> "min"), which is how :mod:`sanctuary.linkage.normalise` compares them.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Honorifics
# ---------------------------------------------------------------------------------------------
# Sources: "Burmese names", Wikipedia, section "Honorifics"
# (https://en.wikipedia.org/wiki/Burmese_names#Honorifics); Karen, Shan, Pa-O and Mon
# honorifics from the same article and "Shan people" / "Karen people" naming notes.
# Each entry: canonical tag -> (Burmese spellings, Latin spellings).
# "Nai" (Mon, male) is deliberately absent: it is indistinguishable from the very common name
# syllable Naing written without its final "g".
HONORIFICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "u": (("ဦး",), ("u", "oo", "ou")),  # adult man; "Oo", "Ou" are common spellings of the title
    "daw": (("ဒေါ်",), ("daw",)),  # adult woman
    "ko": (("ကို",), ("ko", "koh", "koe")),  # young man; "oe" spells ို as in Soe, Moe
    "ma": (("မ",), ("ma",)),  # young woman
    "maung": (("မောင်",), ("maung", "mg", "mung")),  # boy / young man
    "saw": (("စော",), ("saw",)),  # Karen man
    "naw": (("နော်",), ("naw",)),  # Karen woman
    "sai": (("စိုင်း",), ("sai",)),  # Shan man
    "nang": (("နန်း", "နန်"), ("nang", "nan")),  # Shan woman
    "sao": (("စဝ်",), ("sao",)),  # Shan nobility
    "khun": (("ခွန်",), ("khun",)),  # Pa-O man
    "mahn": (("မန်း",), ("mahn",)),  # Karen (Pwo) man
}

# ---------------------------------------------------------------------------------------------
# Military and police ranks
# ---------------------------------------------------------------------------------------------
# Sources: "Military ranks of Myanmar", Wikipedia (https://en.wikipedia.org/wiki/Military_ranks_of_Myanmar);
# Myanmar Police Force rank insignia, "Myanmar Police Force", Wikipedia
# (https://en.wikipedia.org/wiki/Myanmar_Police_Force#Ranks). Burmese forms are the official
# rank titles; Latin forms are English titles and their usual abbreviations.
# Each entry: canonical tag -> (Burmese spellings, Latin spellings as space-separated words).
RANKS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Army, navy and air force share the same rank titles.
    "pvt": (("တပ်သား",), ("pvt", "pte", "private")),
    "lcpl": (("ဒုတပ်ကြပ်",), ("l/cpl", "lcpl", "l cpl", "lance corporal", "lance cpl")),
    "cpl": (("တပ်ကြပ်",), ("cpl", "corporal")),
    "sgt": (("တပ်ကြပ်ကြီး",), ("sgt", "sergeant", "staff sgt", "staff sergeant")),
    "wo": (("အရာခံဗိုလ်", "ဒုအရာခံဗိုလ်"), ("wo", "warant oficer", "warrant officer")),
    "2lt": (("ဒုဗိုလ်",), ("2lt", "2nd lt", "2 lt", "second lieutenant", "2nd lieutenant", "sub lt", "sub lieutenant")),
    "lt": (("ဗိုလ်",), ("lt", "lieut", "lieutenant", "bo")),
    "capt": (("ဗိုလ်ကြီး",), ("capt", "cpt", "captain")),
    "maj": (("ဗိုလ်မှူး",), ("maj", "major")),
    "ltcol": (("ဒုဗိုလ်မှူးကြီး",), ("lt col", "ltcol", "lieutenant colonel")),
    "col": (("ဗိုလ်မှူးကြီး",), ("col", "colonel")),
    "brig": (("ဗိုလ်မှူးချုပ်",), ("brig", "brig gen", "brigadier", "brigadier general")),
    "gen": (("ဗိုလ်ချုပ်", "ဒုဗိုလ်ချုပ်ကြီး", "ဗိုလ်ချုပ်ကြီး"), ("gen", "general", "maj gen", "major general")),
    # Police.
    "pc": (("ရဲတပ်သား",), ("pc", "police constable", "constable", "police private")),
    "plcpl": (("ရဲဒုတပ်ကြပ်",), ("police lance corporal", "police l/cpl")),
    "pcpl": (("ရဲတပ်ကြပ်",), ("police cpl", "police corporal")),
    "psgt": (("ရဲတပ်ကြပ်ကြီး",), ("psgt", "police sgt", "police sergeant", "police staff sgt")),
    "pwo": (("ရဲအရာခံ",), ("police wo", "police warrant officer")),
    "psi": (("ရဲဒုအုပ်",), ("si", "sub inspector", "police sub inspector", "police lt", "police 2lt")),
    "pi": (("ရဲအုပ်",), ("inspector", "police inspector", "police captain", "police capt")),
    "pmaj": (("ရဲမှူး", "ရဲဒုမှူး"), ("police major", "police maj", "police dsp", "dsp")),
    "pcol": (("ရဲမှူးကြီး", "ရဲဒုမှူးကြီး"), ("police colonel", "police col", "police ltcol", "police lt col")),
    "pgen": (("ရဲချုပ်", "ရဲမှူးချုပ်"), ("police general", "police brig", "police brigadier")),
    # "Police" alone as a prefix ("Police Ko Aung") says only which force.
    # Not Burmese ရဲ alone: it is also the name syllable "Ye".
    "police": ((), ("police",)),
}

# Rank words long enough that a one-letter typo cannot turn them into a Burmese name syllable
# (Burmese name syllables are at most ~6 letters); used for forgiving matches ("Inspecto").
FUZZY_RANK_WORDS: frozenset[str] = frozenset(
    {"police", "inspector", "constable", "private", "sergeant", "corporal", "captain", "lieutenant"}
)

# ---------------------------------------------------------------------------------------------
# Phonetic key alphabet shared by both scripts
# ---------------------------------------------------------------------------------------------
# A Burmese syllable is onset + rhyme. The key keeps what romanisations agree on and merges what
# they confuse. Uppercase letters are consonants, lowercase ones vowel classes:
#   K  k kʰ ɡ        (က ခ ဂ;  k kh g)         C  tɕ tɕʰ dʑ   (ကျ ချ ဂျ ကြ; ky ch gy j)
#   T  t tʰ d θ h    (တ ထ ဒ သ ဟ; t ht d th h) P  p pʰ b      (ပ ဖ ဗ ဘ; p ph b)
#   S  s sʰ          (စ ဆ; s hs)              Z  z           (ဇ; z)
#   X  ʃ             (ရှ လျှ; sh)             M N J G        (m, n, ɲ "ny", ŋ "ng")
#   Y  j             (ယ ရ; y r)               L W            (l, w)
#   a  a ə   i  i ɪ   u  u ʊ   e  e ɛ eɪ aɪ   o  o oʊ   v  ɔ aʊ
#   coda: N for any nasal final (ɴ; n ng m), T for any stop final (ʔ; t k)
# Aspiration and voicing are merged because romanisers drop or swap them (Htet/Het, Thoo/Htoo);
# "h" joins the t-class because ထ (tʰ) is written "Ht", "Th" or just "H" (Het), which costs
# the distinction of the rarer ဟ (Hein and Thein share a key; the model weighs how common keys are);
# eɪ and aɪ are merged because Latin spellings ("ain", "ai", "ane") do not separate them.
# Source for the sound inventory: "Burmese phonology", Wikipedia
# (https://en.wikipedia.org/wiki/Burmese_phonology), and the IPA output of ICU's my-my_FONIPA
# transform (CLDR, https://github.com/unicode-org/cldr/blob/main/common/transforms/my-my_FONIPA.xml).

# IPA onsets (combining marks removed) -> key. Longest match wins; medials j/w follow.
IPA_ONSETS: dict[str, str] = {
    "": "",
    "ʔ": "",
    "k": "K",
    "kʰ": "K",
    "ɡ": "K",
    "g": "K",
    "tɕ": "C",
    "tɕʰ": "C",
    "dʑ": "C",
    "t": "T",
    "tʰ": "T",
    "d": "T",
    "θ": "T",
    "ð": "T",
    "p": "P",
    "pʰ": "P",
    "b": "P",
    "s": "S",
    "sʰ": "S",
    "z": "Z",
    "ʃ": "X",
    "m": "M",
    "n": "N",
    "ɲ": "J",
    "ŋj": "J",  # ငြ is pronounced ɲ and romanised "ny" (Nyein)
    "ŋ": "G",
    "j": "Y",
    "l": "L",
    "w": "W",
    "ʍ": "W",
    "h": "T",
}
IPA_MEDIALS: dict[str, str] = {"j": "Y", "w": "W"}
IPA_NUCLEI: dict[str, str] = {
    "a": "a",
    "ə": "a",
    "i": "i",
    "ɪ": "i",
    "u": "u",
    "ʊ": "u",
    "e": "e",
    "ɛ": "e",
    "eɪ": "e",
    "aɪ": "e",
    "o": "o",
    "oʊ": "o",
    "ɔ": "v",
    "aʊ": "v",
}
IPA_CODAS: dict[str, str] = {"": "", "ɴ": "N", "n": "N", "ŋ": "N", "m": "N", "ʔ": "T"}

# Latin onsets -> key (after lowercasing and collapsing doubled consonants).
# Sources: MLC Transcription System (Myanmar Language Commission, 1980), summarised in
# "MLC Transcription System", Wikipedia (https://en.wikipedia.org/wiki/MLC_Transcription_System),
# and the customary spellings in "Romanization of Burmese", Wikipedia
# (https://en.wikipedia.org/wiki/Romanization_of_Burmese).
LATIN_ONSETS: dict[str, str] = {
    "k": "K",
    "kh": "K",
    "hk": "K",
    "g": "K",
    "gh": "K",
    "q": "K",
    "ky": "C",
    "kyh": "C",
    "gy": "C",
    "ch": "C",
    "chy": "C",
    "c": "C",
    "j": "C",
    "jy": "C",
    "t": "T",
    "ht": "T",
    "th": "T",
    "d": "T",
    "dh": "T",
    "p": "P",
    "ph": "P",
    "hp": "P",
    "b": "P",
    "bh": "P",
    "f": "P",
    "v": "P",
    "s": "S",
    "hs": "S",
    "x": "S",
    "sh": "X",
    "hsh": "X",
    "z": "Z",
    "m": "M",
    "hm": "M",
    "mh": "M",
    "n": "N",
    "hn": "N",
    "nh": "N",  # transposed "hn" (Nhin for Hnin), likewise mh and lh
    "ny": "J",
    "hny": "J",
    "ng": "G",
    "y": "Y",
    "r": "Y",
    "l": "L",
    "hl": "L",
    "lh": "L",
    "w": "W",
    "hw": "W",
    "wh": "W",
    "h": "T",
}
# Medials written after a Latin onset: "y"/"r" for ျ ြ (Myo, Pyae; old "Prue"), "w" for ွ (Lwin).
LATIN_MEDIALS: dict[str, str] = {"y": "Y", "r": "Y", "w": "W"}

# Latin vowel spellings -> key nucleus; a letter cluster not listed falls back to its first letter.
LATIN_NUCLEI: dict[str, str] = {
    "a": "a",
    "aa": "a",
    "ar": "a",
    "ah": "a",
    "u": "u",
    "uu": "u",
    "oo": "u",
    "ou": "u",
    "i": "i",
    "ii": "i",
    "ee": "i",
    "ie": "i",
    "y": "i",
    "iy": "i",
    "yi": "i",
    "e": "e",
    "eh": "e",
    "ay": "e",
    "ae": "e",
    "ai": "e",
    "aye": "e",
    "ei": "e",
    "ey": "e",
    "ea": "e",
    "aei": "e",
    "o": "o",
    "oe": "o",
    "oh": "o",
    "ow": "o",
    "aw": "v",
    "au": "v",
    "awe": "v",
    "ao": "v",
    "aou": "v",
    "auw": "v",
    "aow": "v",
    "oa": "v",
}
# Before a nasal final some spellings mean another rhyme: "oung"/"oun" is aʊɴ (Oung), "oon" is ʊɴ.
LATIN_NUCLEI_BEFORE_NASAL: dict[str, str] = {"ou": "v", "oo": "u", "o": "o"}
# Latin finals -> key coda. "nt" is how romanisers write the creaky nasal (Myint, Thant).
LATIN_CODAS: dict[str, str] = {
    "": "",
    "n": "N",
    "ng": "N",
    "m": "N",
    "nt": "N",
    "nd": "N",
    "ngk": "N",
    "t": "T",
    "k": "T",
    "p": "T",
    "tt": "T",
    "kt": "T",
}
# Silent final "e" after n/t/k (English spelling habit): Thane = Thein, Khine = Khaing, Hone = Hon.
LATIN_MAGIC_E: dict[str, str] = {"a": "e", "i": "e", "o": "o", "u": "u", "e": "e"}

# Burmese rhymes whose customary romanisation disagrees with ICU's IPA: the final ည် is read
# ɛ by ICU but written "i" in names (Sithu, Kyi, Pyi). Its creaky form ည့် stays ɛ (Pyae).
# Source: "Burmese alphabet", Wikipedia, rhymes table (https://en.wikipedia.org/wiki/Burmese_alphabet#Rhymes).
BURMESE_RHYME_OVERRIDES: dict[str, str] = {"ည်": "i"}
# Whole syllables with a fixed customary spelling: အိ is ʔḭ but always written "Ei" (Ei Ei Khine).
BURMESE_SYLLABLE_OVERRIDES: dict[str, str] = {"အိ": "e"}

# ---------------------------------------------------------------------------------------------
# National Registration Card (NRC)
# ---------------------------------------------------------------------------------------------
# Format "12/MaYaKa(N)123456": state or region number 1-14 / township code (one Burmese letter
# per township syllable) / citizenship type / six digits, as issued by the Ministry of Labour,
# Immigration and Population (the card is described in "Identity documents of Myanmar",
# https://en.wikipedia.org/wiki/Identity_document#Myanmar). Romanised township codes spell each
# letter with its inherent vowel, following the letter names of the MLC Transcription System
# (https://en.wikipedia.org/wiki/MLC_Transcription_System); ရ is written "ya" like ယ, as on cards.
# Burmese consonant -> the Latin syllable used in romanised township codes.
NRC_LETTERS: dict[str, str] = {
    "က": "ka",
    "ခ": "kha",
    "ဂ": "ga",
    "ဃ": "gha",
    "င": "nga",
    "စ": "sa",
    "ဆ": "hsa",
    "ဇ": "za",
    "ဈ": "zza",
    "ည": "nya",
    "ဋ": "ta",
    "ဌ": "hta",
    "ဍ": "da",
    "ဎ": "dha",
    "ဏ": "na",
    "တ": "ta",
    "ထ": "hta",
    "ဒ": "da",
    "ဓ": "dha",
    "န": "na",
    "ပ": "pa",
    "ဖ": "pha",
    "ဗ": "ba",
    "ဘ": "bha",
    "မ": "ma",
    "ယ": "ya",
    "ရ": "ya",
    "လ": "la",
    "ဝ": "wa",
    "သ": "tha",
    "ဟ": "ha",
    "ဠ": "la",
    "အ": "a",
    # Zawgyi-only code points for the same letters (Zawgyi text is not converted for NRCs).
    "ႏ": "na",
    "ၫ": "nya",
    "႐": "ya",
}
# Citizenship type in brackets -> one canonical letter.
NRC_TYPES: dict[str, str] = {
    "n": "n",
    "naing": "n",
    "နိုင်": "n",
    "ႏိုင္": "n",  # Zawgyi
    "နိုင္": "n",  # Zawgyi with a plain na
    "e": "e",
    "ei": "e",
    "ဧည့်": "e",
    "ဧည့္": "e",  # Zawgyi
    "p": "p",
    "pyu": "p",
    "ပြု": "p",
    "ျပဳ": "p",  # Zawgyi
    "th": "t",
    "tha": "t",
    "thaa": "t",
    "t": "t",
    "သ": "t",
    "s": "s",
    "sa": "s",
    "စ": "s",
}

# ---------------------------------------------------------------------------------------------
# Towns
# ---------------------------------------------------------------------------------------------
# Major towns: canonical name -> other spellings (Burmese and older English names).
# Source: Myanmar Information Management Unit (MIMU) place codes, township names
# (https://themimu.info/place-codes). Unknown towns fall back to the phonetic key, which still
# brings most spellings together.
TOWNS: dict[str, tuple[str, ...]] = {
    "yangon": ("ရန်ကုန်", "rangoon"),
    "mandalay": ("မန္တလေး",),
    "naypyitaw": ("နေပြည်တော်", "nay pyi taw", "naypyidaw"),
    "bago": ("ပဲခူး", "pegu"),
    "pathein": ("ပုသိမ်", "bassein"),
    "mawlamyine": ("မော်လမြိုင်", "moulmein", "mawlamyaing"),
    "sittwe": ("စစ်တွေ", "akyab"),
    "taunggyi": ("တောင်ကြီး",),
    "lashio": ("လားရှိုး",),
    "myitkyina": ("မြစ်ကြီးနား",),
    "dawei": ("ထားဝယ်", "tavoy"),
    "myeik": ("မြိတ်", "mergui"),
    "hpa-an": ("ဘားအံ", "hpaan", "pa-an"),
    "loikaw": ("လွိုင်ကော်",),
    "hakha": ("ဟားခါး", "haka"),
    "magway": ("မကွေး", "magwe"),
    "monywa": ("မုံရွာ",),
    "sagaing": ("စစ်ကိုင်း",),
    "pakokku": ("ပခုက္ကူ", "ပုဂ္ဂိုလ်", "pakkoku"),
    "myingyan": ("မြင်းခြံ",),
    "pyay": ("ပြည်", "prome", "pyi"),
    "hinthada": ("ဟင်္သာတ", "henzada"),
    "taungoo": ("တောင်ငူ", "toungoo"),
    "meiktila": ("မိတ္ထီလာ",),
    "pyin-oo-lwin": ("ပြင်ဦးလွင်", "pyin oo lwin", "maymyo"),
    "kalay": ("ကလေး", "kale", "kalemyo"),
    "myawaddy": ("မြဝတီ",),
    "tachileik": ("တာချီလိတ်",),
    "kawthaung": ("ကော့သောင်း",),
    "thaton": ("သထုံ",),
    "pyapon": ("ဖျာပုံ",),
    "maubin": ("မအူပင်",),
    "shwebo": ("ရွှေဘို",),
    "katha": ("ကသာ",),
    "bhamo": ("ဗန်းမော်",),
    "kyaukse": ("ကျောက်ဆည်",),
    "thayet": ("သရက်",),
    "minbu": ("မင်းဘူး",),
    "bagan": ("ပုဂံ", "pagan", "nyaung-u", "nyaung u"),
    "mae sot": ("မဲဆောက်", "maesot"),
}

# ---------------------------------------------------------------------------------------------
# Forces
# ---------------------------------------------------------------------------------------------
FORCES: dict[str, tuple[str, ...]] = {
    "army": ("army", "tatmadaw", "တပ်မတော်", "ကြည်းတပ်"),
    "navy": ("navy", "ရေတပ်"),
    "airforce": ("airforce", "air force", "လေတပ်"),
    "police": ("police", "mpf", "ရဲ", "ရဲတပ်ဖွဲ့"),
}
