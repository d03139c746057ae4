"""The unsealed keys, in this process's memory only.

Every process starts sealed. Key holders submit shares (on the unseal page, or with
``manage.py vault_unseal`` which posts them to the running server); once ``threshold``
valid shares are in, the unseal key is rebuilt with Shamir, checked against the stored
verifier, used to unwrap the data keys, and forgotten. Only the data keys stay, in this
module, until ``seal()``.

Each share is checked on its own first, against the verifier stored for its index at
``vault_init`` (``crypto.share_verifier``): a junk share is refused at once and never
counted, so a stranger cannot fill the attempt or end it. A vault made before verifiers
existed gets them at its next unseal (``_fill_share_verifiers``).

The production server (``sanctuary/gunicorn.conf.py``) runs ONE worker process with
threads, so there is exactly one copy of the keys and one unseal state: nothing is ever
written to disk, the database, a cache or another process. Scaling out means more
threads, or more servers each unsealed by its key holders.

Python cannot guarantee that freed memory is overwritten; ``seal()`` drops every reference
and zeroes the mutable copies it controls. The threat it answers is a seized, powered-off
machine, where memory is gone anyway.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from Crypto.Protocol.SecretSharing import Shamir
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from sanctuary.lib.refusal import Refusal
from sanctuary.vault import crypto
from sanctuary.vault.models import DataKey, KeyPurpose, VaultConfig
from sanctuary.vault.shares import Share, ShareError, decode_share

PARTIAL_UNSEAL_SECONDS = 10 * 60
MAX_PENDING_SHARES = 24


class VaultSealed(Exception):
    """Protected data was needed while the vault is sealed."""


class UnsealError(Refusal):
    """A share was refused; ``code`` names why, for a message in the user's language."""

    messages = {
        "checksum": _("This share has a typing mistake: check each group of four and type it again."),
        "length": _("This share is too short or too long: it has nine groups of four letters and digits."),
        "bad_character": _("This share contains a character that cannot be in a share."),
        "version": _("This share was made by another version of Sanctuary."),
        "foreign": _("This share belongs to another vault, or to keys that were replaced. Use a current share."),
        "duplicate": _("This share has already been entered. The next key holder should enter theirs."),
        "wrong_key": _("The shares did not open the vault: one of them is not right. Start again with all shares."),
        "wrong_share": _(
            "This share is not one of this vault's shares: it was not counted. Check it and type it again."
        ),
        "not_initialised": _("This server has no vault yet: run manage.py vault_init."),
        "too_many": _("Too many shares were entered. Start again with all key holders."),
        "too_few": _("Not enough shares to open the vault."),
    }

    def __init__(self, code: str, *, index: int | None = None, number: int | None = None) -> None:
        super().__init__(code)
        self.index = index  # the refused share's index, when it is one of this vault's
        self.number = number  # its position in a list of shares (``unseal_with_shares``)


@dataclass
class Keyring:
    cipher: crypto.Cipher
    index_key: bytearray
    data_versions: list[int]
    kek: bytearray  # kept to wrap new data keys (rotation) and reload them
    epoch: int = 0  # VaultConfig.key_epoch when these keys were loaded
    scope_root: bytearray = field(default_factory=bytearray)  # empty until the first scoped key is made
    signing_seed: bytearray = field(default_factory=bytearray)  # the audit signing key (vault.signing)

    def decrypt(self, stored: str, aad: bytes) -> bytes:
        """Decrypt; a value under a key version this process has not loaded yet (rotated by
        another process) triggers one reload of the wrapped keys."""
        try:
            return self.cipher.decrypt(stored, aad)
        except crypto.DecryptError:
            if crypto.stored_version(stored) in self.data_versions:
                raise
        return reload_keys().cipher.decrypt(stored, aad)


@dataclass
class _Progress:
    # Shares that matched the verifier of their index: junk never gets in here.
    verified: dict[int, bytes] = field(default_factory=dict)
    # Shares of indexes with no verifier (a vault made before verifiers): every distinct one
    # is kept, two values for one index too, so a junk share does not push out a real one.
    shares: list[tuple[int, bytes]] = field(default_factory=list)
    started: float = 0.0

    def indexes(self) -> set[int]:
        return set(self.verified) | {index for index, _value in self.shares}

    def pool(self) -> list[tuple[int, bytes]]:
        return [*self.verified.items(), *self.shares]


_lock = threading.RLock()
_keyring: Keyring | None = None
# Called after every successful unseal (e.g. to create the intake key pair on first unseal).
_unseal_hooks: list[Callable[[], None]] = []
log = logging.getLogger(__name__)
_progress = _Progress()
_wrong_shares = 0


def is_sealed() -> bool:
    return _keyring is None


def index_key() -> bytes:
    """A copy of the blind-index key, taken under the lock so a concurrent seal (which
    zeroes the key) can never hand out a zeroed key."""
    with _lock:
        ring = _keyring
        if ring is None:
            raise VaultSealed
        return bytes(ring.index_key)


def keyring() -> Keyring:
    ring = _keyring
    if ring is None:
        raise VaultSealed
    return ring


def config() -> VaultConfig | None:
    return VaultConfig.objects.first()


def is_initialised() -> bool:
    return VaultConfig.objects.exists()


@dataclass(frozen=True)
class Status:
    initialised: bool
    sealed: bool
    threshold: int
    holders: int
    progress: int  # shares accepted so far in the current attempt
    wrong_shares: int  # shares refused since the process started


def status() -> Status:
    cfg = config()
    with _lock:
        _expire_partial()
        return Status(
            initialised=cfg is not None,
            sealed=is_sealed(),
            threshold=cfg.threshold if cfg else 0,
            holders=cfg.holders if cfg else 0,
            progress=len(_progress.indexes()),
            wrong_shares=_wrong_shares,
        )


def _expire_partial() -> None:
    if _progress.pool() and time.monotonic() - _progress.started > PARTIAL_UNSEAL_SECONDS:
        reset_progress()


def reset_progress() -> None:
    with _lock:
        _progress.verified.clear()
        _progress.shares.clear()
        _progress.started = 0.0


def _zero(value: bytes | bytearray) -> None:
    if isinstance(value, bytearray):
        value[:] = b"\x00" * len(value)


def _decode(text: str, cfg: VaultConfig, number: int | None = None) -> Share:
    """A typed share of this vault, checked against its index's verifier when there is one."""
    global _wrong_shares
    try:
        share = decode_share(text)
    except ShareError as error:
        with _lock:
            _wrong_shares += 1
        raise UnsealError(error.code, number=number) from None
    if share.vault_tag != bytes(cfg.tag):
        with _lock:
            _wrong_shares += 1
        raise UnsealError("foreign", number=number)
    known = (cfg.share_verifiers or {}).get(str(share.index))
    if known is not None and not _constant_eq(crypto.share_verifier(bytes(cfg.salt), share.index, share.value), known):
        with _lock:
            _wrong_shares += 1
        raise UnsealError("wrong_share", index=share.index, number=number)
    return share


def _is_verified(cfg: VaultConfig, share: Share) -> bool:
    return str(share.index) in (cfg.share_verifiers or {})


def submit_share(text: str) -> Status:
    """Add one typed share. Returns the new status; raises UnsealError for a refused share.

    A share that does not match its index's verifier is refused at once and leaves the
    attempt as it was: junk never counts, never pushes out a real share and never locks
    anyone out. (For a vault without verifiers yet, a wrong share can only end the current
    attempt, so honest holders start again.)
    """
    global _wrong_shares
    cfg = config()
    if cfg is None:
        raise UnsealError("not_initialised")
    share = _decode(text, cfg)
    with _lock:
        if not is_sealed():
            return status()
        _expire_partial()
        candidate = (share.index, share.value)
        if not _progress.pool():
            _progress.started = time.monotonic()
        if _is_verified(cfg, share):
            if share.index in _progress.verified:
                raise UnsealError("duplicate")
            _progress.verified[share.index] = share.value
        else:
            if candidate in _progress.shares:
                raise UnsealError("duplicate")
            if len(_progress.shares) >= MAX_PENDING_SHARES:
                # Someone is flooding the page with shares: start over rather than grow.
                reset_progress()
                _wrong_shares += 1
                raise UnsealError("too_many")
            _progress.shares.append(candidate)
        if len(_progress.indexes()) < cfg.threshold:
            return status()
        for combination in _combinations(_progress.pool(), candidate, cfg.threshold):
            unseal_key = Shamir.combine(list(combination))
            try:
                unseal_with_key(unseal_key, cfg)
            except UnsealError:
                continue
            _fill_share_verifiers(cfg, list(combination), unseal_key)
            reset_progress()
            return status()
        # No combination opens the vault: at least one share is wrong. Keep them all (a
        # further share may complete a right set) until the attempt expires.
        _wrong_shares += 1
        raise UnsealError("wrong_key")


def _combinations(
    pool: list[tuple[int, bytes]], newest: tuple[int, bytes], threshold: int
) -> list[tuple[tuple[int, bytes], ...]]:
    """Sets of ``threshold`` shares with distinct indexes, newest share in each (older sets
    were tried already), at most a few hundred: cheap, as each try is one HKDF."""
    others = [s for s in pool if s[0] != newest[0]]
    found = []
    for rest in itertools.combinations(others, threshold - 1):
        if len({index for index, _v in rest}) == threshold - 1:
            found.append((*rest, newest))
            if len(found) >= 500:
                break
    return found


def unseal_with_shares(texts: list[str]) -> None:
    """Unseal this process from a list of shares (``vault_unseal`` through the server's
    command endpoint, other management commands, tests).

    The shares are combined on their own, with only the shares the unseal page has already
    verified: whatever strangers send to the page cannot stop them. A refused share raises
    UnsealError naming its place in the list (``number``, from 1).
    """
    cfg = config()
    if cfg is None:
        raise UnsealError("not_initialised")
    unique: dict[int, bytes] = {}
    for number, text in enumerate(texts, start=1):
        share = _decode(text, cfg, number)
        unique[share.index] = share.value
    with _lock:
        for index, value in _progress.verified.items():
            unique.setdefault(index, value)
    if len(unique) < cfg.threshold:
        raise UnsealError("too_few")
    shares = sorted(unique.items())
    unseal_key = Shamir.combine(shares)
    unseal_with_key(unseal_key, cfg)
    _fill_share_verifiers(cfg, shares[: cfg.threshold], unseal_key)
    reset_progress()


def _share_at(shares: list[tuple[int, bytes]], index: int) -> bytes:
    """The share at ``index`` of the polynomial that ``threshold`` shares fix.

    pycryptodome's Shamir works in GF(2^128), where adding is XOR: moving every index by
    ``index`` moves the polynomial so that its value at 0 is the old value at ``index``,
    and ``combine`` (which gives the value at 0) then returns that share.
    """
    return Shamir.combine([(known ^ index, value) for known, value in shares])


def _fill_share_verifiers(cfg: VaultConfig, used: list[tuple[int, bytes]], unseal_key: bytes) -> None:
    """A vault made before share verifiers gets them at its first unseal.

    The ``threshold`` shares that just opened it fix the Shamir polynomial, so every other
    holder's share is known here for a moment: each one is checked to open the vault together
    with ``threshold - 1`` of the real ones before its verifier is stored. Nothing is stored
    if any check fails (the old behaviour, no verifiers, stays).
    """
    stored = dict(cfg.share_verifiers or {})
    if all(str(index) in stored for index in range(1, cfg.holders + 1)):
        return
    salt = bytes(cfg.salt)
    values = dict(used)
    for index in range(1, cfg.holders + 1):
        if str(index) in stored:
            continue
        value = values.get(index)
        if value is None:
            value = _share_at(used, index)
            if Shamir.combine([*used[: cfg.threshold - 1], (index, value)]) != unseal_key:
                log.error("share verifiers not stored: a computed share did not check")
                return
        stored[str(index)] = crypto.share_verifier(salt, index, value)
    # Only onto the vault these shares opened (not one rekeyed meanwhile).
    VaultConfig.objects.filter(pk=cfg.pk, salt=salt).update(share_verifiers=stored)
    cfg.share_verifiers = stored
    log.info("share verifiers stored for a vault that had none")


def unseal_with_key(unseal_key: bytes, cfg: VaultConfig) -> None:
    global _keyring
    salt = bytes(cfg.salt)
    if not _constant_eq(crypto.verifier(unseal_key, salt), cfg.verifier):
        raise UnsealError("wrong_key")
    kek = crypto.derive_kek(unseal_key, salt)
    ring = _load_keyring(kek)
    with _lock:
        _keyring = ring
    _start_signing(ring)
    for hook in _unseal_hooks:
        try:
            hook()
        except Exception:  # a hook must never undo an unseal; the traceback holds no values
            log.exception("unseal hook %s failed", getattr(hook, "__name__", hook))


def _start_signing(ring: Keyring) -> None:
    """The audit log is signed while unsealed; a vault made before that gets its key now."""
    from sanctuary.vault import signing

    try:
        if not ring.signing_seed:
            seed = signing.create_signing_key(bytes(ring.kek))
            with _lock:
                ring.signing_seed[:] = seed
        signing.start(signing_seed())
    except Exception:  # never undo an unseal; the traceback holds no values
        log.exception("audit signing did not start")


def signing_seed() -> bytes:
    """A copy of the audit signing key, taken under the lock (a seal zeroes it)."""
    with _lock:
        ring = _keyring
        if ring is None or not any(ring.signing_seed):
            raise VaultSealed
        return bytes(ring.signing_seed)


def on_unseal(hook: Callable[[], None]) -> None:
    if hook not in _unseal_hooks:
        _unseal_hooks.append(hook)


_seal_hooks: list[Callable[[], None]] = []


def on_seal(hook: Callable[[], None]) -> None:
    """Run ``hook`` whenever the vault is sealed (others that hold secrets in memory forget them)."""
    if hook not in _seal_hooks:
        _seal_hooks.append(hook)


def _load_keyring(kek: bytes) -> Keyring:
    data: dict[int, bytes] = {}
    index_key = scope_root = signing_seed = b""
    for key in DataKey.objects.all():
        plain = crypto.unwrap(kek, bytes(key.wrapped), key.aad())
        if key.purpose == KeyPurpose.INDEX:
            index_key = plain
        elif key.purpose == KeyPurpose.SCOPE:
            scope_root = plain
        elif key.purpose == KeyPurpose.SIGNING:
            signing_seed = plain
        else:
            data[key.version] = plain
    current = max(v for v in data)
    identity = bool(getattr(settings, "VAULT_IDENTITY_CIPHER", False))
    if identity and (settings.HTTPS or (not settings.DEBUG and "sanctuary-bench-" not in str(settings.VAR_DIR))):
        raise UnsealError("identity_cipher_outside_bench")
    cipher_class = crypto.IdentityCipher if identity else crypto.Cipher
    epoch = VaultConfig.objects.values_list("key_epoch", flat=True).first() or 0
    return Keyring(
        cipher=cipher_class(data, current),
        index_key=bytearray(index_key),
        data_versions=sorted(data),
        kek=bytearray(kek),
        epoch=epoch,
        scope_root=bytearray(scope_root),
        signing_seed=bytearray(signing_seed),
    )


def reload_keys() -> Keyring:
    """Unwrap the stored data keys again (after a rotation added or removed one)."""
    global _keyring
    ring = keyring()
    fresh = _load_keyring(bytes(ring.kek))
    with _lock:
        if _keyring is not None:
            _keyring = fresh
    return fresh


def refresh_if_keys_changed() -> None:
    """Called at the start of each request: follow a rotation or rekey done by another
    process. Keys that no longer unwrap (after a rekey) mean the server must be unsealed
    again with the new shares: it seals itself rather than write under a stale key."""
    ring = _keyring
    if ring is None:
        return
    epoch = VaultConfig.objects.values_list("key_epoch", flat=True).first()
    if epoch is None or epoch == ring.epoch:
        return
    try:
        reload_keys()
    except crypto.DecryptError:
        seal()
        from sanctuary.audit.log import record
        from sanctuary.audit.models import Action

        record(None, Action.SEALED, object_type="vault", object_id="rekeyed", username="vault")


def bump_epoch() -> None:
    VaultConfig.objects.update(key_epoch=models.F("key_epoch") + 1)


def current_kek() -> bytes:
    return bytes(keyring().kek)


SCOPE_LABELS = frozenset({"counselling", "evidence"})


def scope_cipher(label: str) -> crypto.Cipher:
    """The cipher of one scope (``"counselling"``): its key is derived from the scope root
    with the scope's own label, so neither the general data keys nor another scope's key
    opens its values. The caller checks the reader's role first; this only needs the vault
    unsealed. A vault made before scopes existed gets its root on first use (wrapped under
    the key-encryption key like every data key, so rekeying carries it over)."""
    if label not in SCOPE_LABELS:
        raise ValueError(f"unknown key scope {label!r}")
    with _lock:  # a seal zeroes the keys in place: copy them while holding the lock
        ring = _keyring
        if ring is None:
            raise VaultSealed
        if not ring.scope_root:
            ring.scope_root[:] = _make_scope_root(bytes(ring.kek))
        root = bytes(ring.scope_root)
    if not any(root):
        raise VaultSealed
    key = crypto.hkdf(root, b"sanctuary scope", f"sanctuary scope key v1|{label}".encode())
    return crypto.Cipher({1: key}, 1)


def _make_scope_root(kek: bytes) -> bytes:
    with transaction.atomic():
        existing = DataKey.objects.select_for_update().filter(purpose=KeyPurpose.SCOPE, version=1).first()
        if existing is not None:  # made by another process meanwhile
            return crypto.unwrap(kek, bytes(existing.wrapped), existing.aad())
        key = DataKey(purpose=KeyPurpose.SCOPE, version=1)
        root = crypto.random_key()
        key.wrapped = crypto.wrap(kek, root, key.aad())
        key.save()
        return root


def seal() -> None:
    """Forget every key at once. Partial unseal progress is dropped too. Just before, the
    audit chain's head is signed (a failure there never stops the seal)."""
    global _keyring
    from sanctuary.vault import signing

    try:
        signing.stop()
    except Exception:  # noqa: BLE001 - the keys go whatever happens to the checkpoint
        log.error("audit checkpoint at seal failed")
    with _lock:
        ring = _keyring
        _keyring = None
        reset_progress()
        if ring is not None:
            _zero(ring.index_key)
            _zero(ring.kek)
            _zero(ring.scope_root)
            _zero(ring.signing_seed)
    for hook in _seal_hooks:
        try:
            hook()
        except Exception:  # noqa: BLE001 - the keys are gone whatever a hook does
            log.error("seal hook %s failed", getattr(hook, "__name__", hook))


def _constant_eq(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


@transaction.atomic
def initialise(holders: int, threshold: int) -> list[str]:
    """Create the vault: returns the shares, once. Only verifiers (of the unseal key and of
    each share) and wrapped keys are stored."""
    import os

    from sanctuary.vault.shares import SHARE_BYTES, encode_share

    if VaultConfig.objects.exists():
        raise UnsealError("already_initialised")
    if not 1 <= threshold <= holders <= 255:
        raise UnsealError("bad_threshold")
    unseal_key = os.urandom(SHARE_BYTES)
    salt = os.urandom(32)
    tag = os.urandom(2)
    shares = Shamir.split(threshold, holders, unseal_key)
    cfg = VaultConfig.objects.create(
        tag=tag,
        holders=holders,
        threshold=threshold,
        salt=salt,
        verifier=crypto.verifier(unseal_key, salt),
        share_verifiers={str(index): crypto.share_verifier(salt, index, value) for index, value in shares},
    )
    kek = crypto.derive_kek(unseal_key, salt)
    for purpose in (KeyPurpose.DATA, KeyPurpose.INDEX, KeyPurpose.SCOPE):
        key = DataKey(purpose=purpose, version=1)
        key.wrapped = crypto.wrap(kek, crypto.random_key(), key.aad())
        key.save()
    del cfg
    from sanctuary.vault import signing

    signing.create_signing_key(kek)
    return [encode_share(tag, index, value) for index, value in shares]
