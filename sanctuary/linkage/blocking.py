"""Blocking: which pairs of records are worth comparing at all.

Every record gets a few blocking keys — strings computed from that record alone, so that they
can later be stored as keyed HMACs of the value (the rule name and role stay in clear) and
matched without keeping the clear values. Two records become a candidate pair when they share
a key. A name key alone would pair every "Aung" with every other "Aung" (96 M pairs at a
million records), so names are always combined with a second field:

============== ================================== =============================================
rule           key                                catches
============== ================================== =============================================
nrc            NRC state and serial number        same card, township letters spelt differently
svc            service number                     same soldier or police officer
tel            phone number (E.164)               same phone
name+year      name key, birth year               same name in any script or spelling
name+father    name key, father's name key        same name, birth date missing
name+unit      name key, unit                     same name, birth date missing
father+date    father's name key, birth date      aliases: another name, same father and birthday
father+unit    father's name key, unit            aliases without a birth date
father+t+y     father's name key, town, year      aliases with a partial birth date
date+town      birth date, home town              aliases without a father's name
unit+year      unit, birth year                   aliases without father or full birth date
name+town  (p) name key, home town                same name, no birth year
father+town(p) father's name key, home town       aliases without a birth year
unit+town  (p) unit, home town                    aliases without a full birth date
============== ================================== =============================================

Name keys here are :func:`coarse_key` forms, so that a dropped final consonant still blocks.
Birth dates ignore the order of day and month, which intake officers swap.

Rules marked (p) are *probe* rules, for records that lack the field that normally narrows the
name or unit down: every record files an index key, but only records missing a birth year (or
full birth date) probe the index. This avoids the quadratic cost of pairing every record of a
common name in a big town with every other, while still reaching the records that need it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from sanctuary.lib.dates import PartialDate
from sanctuary.linkage.phonetic import coarse_key
from sanctuary.linkage.records import Prepared

# A key shared by more records than this says little (a placeholder phone, the commonest name in
# the biggest town); its pairs are left to the other rules. A block of 1,000 costs 500,000 pairs.
MAX_BLOCK_SIZE = 1000
IntArray = npt.NDArray[np.int64]

SYMMETRIC = ":"  # every two records holding the key are a candidate pair
INDEX = "@"  # filed for probes only
PROBE = "?"  # paired with every record holding the same key as INDEX


def _date_key(date: PartialDate) -> str:
    """Full birth date with day and month in a fixed order, or "" when only partly known."""
    if not (date.year and date.month and date.day):
        return ""
    low, high = sorted((date.month, date.day))
    return f"{date.year}-{low}-{high}"


def _name_keys(record: Prepared) -> list[str]:
    return sorted({coarse_key(k) for k in (record.name.key, record.name.key_with_honorifics) if k} - {""})


def blocking_keys(record: Prepared) -> list[str]:
    """All blocking keys of one record: ``rule`` + role (``:``, ``@`` or ``?``) + value."""
    keys: list[str] = []
    if record.nrc_number:
        keys.append(f"nrc:{record.nrc_number}")
    if record.service_number:
        keys.append(f"svc:{record.service_number}")
    if record.phone:
        keys.append(f"tel:{record.phone}")
    date, year, town, unit = _date_key(record.birth), record.birth.year, record.town, record.unit
    father = coarse_key(record.father.key)
    for name in _name_keys(record):
        if year:
            keys.append(f"name+year:{name}|{year}")
        if father:
            keys.append(f"name+father:{name}|{father}")
        if unit:
            keys.append(f"name+unit:{name}|{unit}")
        if town:
            keys.append(f"name+town@{name}|{town}")
            if not year:
                keys.append(f"name+town?{name}|{town}")
    if father:
        if town:
            keys.append(f"father+town@{father}|{town}")
            if not year:
                keys.append(f"father+town?{father}|{town}")
            if year:
                keys.append(f"father+t+y:{father}|{town}|{year}")
        if date:
            keys.append(f"father+date:{father}|{date}")
        if unit:
            keys.append(f"father+unit:{father}|{unit}")
    if date and town:
        keys.append(f"date+town:{date}|{town}")
    if unit:
        if year:
            keys.append(f"unit+year:{unit}|{year}")
        if town:
            keys.append(f"unit+town@{unit}|{town}")
            if not date:
                keys.append(f"unit+town?{unit}|{town}")
    return keys


PROBE_RULES = ("name+town", "father+town", "unit+town")
_INDEX_PREFIXES = tuple(rule + INDEX for rule in PROBE_RULES)
_PROBE_PREFIXES = tuple(rule + PROBE for rule in PROBE_RULES)


def _role(key: str) -> str:
    """The role of a key: SYMMETRIC, INDEX or PROBE."""
    if key.startswith(_INDEX_PREFIXES):
        return INDEX
    if key.startswith(_PROBE_PREFIXES):
        return PROBE
    return SYMMETRIC


def _group(keys_per_record: Sequence[Iterable[str]]) -> tuple[IntArray, IntArray, dict[str, int]]:
    """Flatten to (key id, record index) arrays, and the key -> key id mapping."""
    ids: dict[str, int] = {}
    key_ids: list[int] = []
    records: list[int] = []
    for index, keys in enumerate(keys_per_record):
        for key in set(keys):
            key_ids.append(ids.setdefault(key, len(ids)))
            records.append(index)
    return np.asarray(key_ids, dtype=np.int64), np.asarray(records, dtype=np.int64), ids


def _ragged_arange(starts: IntArray, lengths: IntArray) -> IntArray:
    """Concatenation of ``arange(s, s + n)`` for each (s, n), without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + np.arange(total, dtype=np.int64) - offsets


def _pairs_within(members: IntArray, starts: IntArray, sizes: IntArray) -> list[IntArray]:
    """All pairs inside each block, vectorised per block size; blocks are runs of ``members``."""
    chunks: list[IntArray] = []
    for size in np.unique(sizes):
        first, second = np.triu_indices(int(size), k=1)
        block_starts = starts[sizes == size]
        rows = members[block_starts[:, None] + np.arange(size)[None, :]]  # (blocks, size)
        chunks.append(np.stack([rows[:, first].ravel(), rows[:, second].ravel()], axis=1))
    return chunks


def candidate_pairs(keys_per_record: Sequence[Iterable[str]], max_block_size: int = MAX_BLOCK_SIZE) -> IntArray:
    """Unique index pairs ``(i, j)``, ``i < j``, of records that share a blocking key.

    Returns an array of shape ``(n_pairs, 2)`` sorted by ``i`` then ``j``. Probe keys (role
    ``?``) pair their records with every record filing the same key as index (role ``@``).
    """
    key_ids, records, ids = _group(keys_per_record)
    n = len(keys_per_record)
    roles = np.array([_role(k) for k in ids], dtype="<U1")
    # A probe key points at the block of the same key filed as index.
    target = np.full(len(ids), -1, dtype=np.int64)
    probe_ids = np.flatnonzero(roles == PROBE)
    keys = list(ids)
    target[probe_ids] = [ids.get(keys[k].replace(PROBE, INDEX, 1), -1) for k in probe_ids]
    order = np.lexsort((records, key_ids))
    key_ids, records = key_ids[order], records[order]
    starts = np.flatnonzero(np.r_[True, np.diff(key_ids) != 0]) if len(key_ids) else np.empty(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(key_ids)])
    block_key = key_ids[starts]
    block_size = np.zeros(len(ids), dtype=np.int64)
    block_start = np.zeros(len(ids), dtype=np.int64)
    block_size[block_key], block_start[block_key] = sizes, starts
    symmetric = (roles[block_key] == SYMMETRIC) & (sizes >= 2) & (sizes <= max_block_size)
    chunks = _pairs_within(records, starts[symmetric], sizes[symmetric])
    # Probes: every record of the probe block with every record of its index block.
    probes = probe_ids[target[probe_ids] >= 0]
    index = target[probes]
    usable = (block_size[index] >= 2) & (block_size[index] <= max_block_size)
    probes, index = probes[usable], index[usable]
    asker_rows = _ragged_arange(block_start[probes], block_size[probes])
    repeats = np.repeat(block_size[index], block_size[probes])
    member_rows = _ragged_arange(np.repeat(block_start[index], block_size[probes]), repeats)
    chunks.append(np.stack([np.repeat(records[asker_rows], repeats), records[member_rows]], axis=1))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    both = np.concatenate(chunks)
    both = both[both[:, 0] != both[:, 1]]
    codes = np.unique(np.minimum(both[:, 0], both[:, 1]) * n + np.maximum(both[:, 0], both[:, 1]))
    return np.stack([codes // n, codes % n], axis=1)
