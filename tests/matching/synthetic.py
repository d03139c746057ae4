"""A small deterministic register of invented people, as background for finder tests.

The finder learns its parameters from the records it is given, so a test of a few hand-made
cases needs a crowd around them. Every name here is invented from common syllables.
"""

from __future__ import annotations

import random

from sanctuary.linkage.records import Record

# (Latin spellings, Burmese) for common name syllables; the first spelling is the usual one.
SYLLABLES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Aung", "Aoung", "Aong"), "အောင်"),
    (("Kyaw", "Kyau", "Chaw"), "ကျော်"),
    (("Min", "Minn"), "မင်း"),
    (("Zaw", "Zaww"), "ဇော်"),
    (("Htet", "Htett"), "ထက်"),
    (("Thet", "Thett"), "သက်"),
    (("Soe", "Soh"), "စိုး"),
    (("Win", "Wynn"), "ဝင်း"),
    (("Naing",), "နိုင်"),
    (("Myo", "Myoe"), "မျိုး"),
    (("Tun", "Htun"), "ထွန်း"),
    (("Hla", "Hlah"), "လှ"),
    (("Thein", "Thane"), "သိန်း"),
    (("Khaing", "Khine"), "ခိုင်"),
    (("Phyo", "Pyo"), "ဖြိုး"),
    (("Lin", "Linn"), "လင်း"),
    (("Myint",), "မြင့်"),
    (("Thu",), "သူ"),
    (("Wai", "Wei"), "ဝေ"),
    (("Nyein",), "ငြိမ်း"),
)
TOWNS = ("Pakokku", "Monywa", "Dawei", "Lashio", "Taunggyi", "Magway", "Sagaing", "Pyay")
FORCES = ("army", "police", "navy", "airforce")


def _name(rng: random.Random, size: int) -> list[int]:
    return [rng.randrange(len(SYLLABLES)) for _ in range(size)]


def spell(syllables: list[int], rng: random.Random, burmese: bool) -> str:
    """One way of writing a name given as syllable indices."""
    if burmese:
        return "".join(SYLLABLES[i][1] for i in syllables)
    return " ".join(rng.choice(SYLLABLES[i][0]) for i in syllables)


def register(people: int = 400, seed: int = 1) -> list[Record]:
    """About 1.6 records per person, in both scripts, with fields missing at random."""
    rng = random.Random(seed)
    records: list[Record] = []
    for person in range(people):
        name, father = _name(rng, rng.choice((2, 3))), _name(rng, rng.choice((2, 3)))
        born = f"{rng.randint(1965, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        nrc = f"{rng.randint(1, 14)}/MaYaKa(N){rng.randint(100000, 999999)}"
        phone = f"09{rng.randint(400000000, 799999999)}"
        service = f"BC-{rng.randint(100000, 999999)}"
        town, force = rng.choice(TOWNS), rng.choice(FORCES)
        unit = f"LIB {rng.randint(1, 400)}"
        for copy in range(rng.choice((1, 1, 2, 3))):
            burmese = rng.random() < 0.4

            def maybe(value: str, keep: float = 0.6) -> str:
                return value if rng.random() < keep else ""

            records.append(
                Record(
                    record_id=f"S{person:04d}-{copy}",
                    name=spell(name, rng, burmese),
                    father_name=maybe(("ဦး" if burmese else "U ") + spell(father, rng, burmese)),
                    birth_date=maybe(born if rng.random() < 0.7 else born[:4], 0.8),
                    nrc=maybe(nrc, 0.4),
                    service_number=maybe(service, 0.4),
                    force=maybe(force, 0.8),
                    unit=maybe(unit, 0.5),
                    hometown=town,
                    phone=maybe(phone, 0.4),
                )
            )
    return records


def truth_pairs(records: list[Record]) -> set[tuple[str, str]]:
    """Pairs of records of the same invented person (same id before the dash)."""
    people: dict[str, list[str]] = {}
    for record in records:
        people.setdefault(record.record_id.split("-")[0], []).append(record.record_id)
    return {(a, b) for ids in people.values() for i, a in enumerate(ids) for b in ids[i + 1 :]}
