"""Training certificates: signed by the organisation, checkable by anyone, safe to lose.

**The statement** a certificate makes is canonical JSON (keys sorted, no spaces, UTF-8):

    {"v":1,"code":"7KQ2-…","name":"Ko Thiha","trade":{"en":…,"my":…,"th":…},"hours":216,
     "from":"2026-01-05","to":"2026-02-14","issuer":"Community Skills Centre",
     "issued":"2026-02-20","kid":"1a2b3c4d5e6f7a8b"}

``name`` is the name as printed (the alias unless the person chose another, or asked for
their true name); ``trade`` is the course's name in Burmese, English and Thai, as the
organisation wrote it, so every reader (the holder, a Thai employer) reads it in their language
and the signature covers all three; ``hours`` is the held sessions times the course's hours a
session; ``kid`` names the signing key (the first 16 hex digits of the SHA-256 of its raw public
key). Nothing else: no case code, no unit, rank or place, nothing that says who the
organisation helps.

**The QR text** is ``SC1.<base64url(statement)>.<base64url(signature)>`` without padding; the
signature is Ed25519 over the statement's bytes exactly. The newest :class:`CertificateKey`
signs; older keys still verify what they signed, and all are published at ``/c/key.pem``.

**The code** is 20 Crockford base32 characters (100 random bits), printed in groups of four
(``7KQ2-M9XD-…``) and read back whatever the case, dashes and spaces, with O read as 0 and I,
L as 1. The database keeps ``lookup`` (SHA-256 of the code) and ``sealed`` (AES-256-GCM of
the QR text under a key derived from the code by HKDF-SHA256): the public page opens a
certificate with nothing but its code, while the vault is sealed, and a seized database alone
does not say who holds one. The code itself is also kept under the vault for staff.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from sanctuary.accounts.policy import ON_HOLD, require_settled
from sanctuary.audit.log import record
from sanctuary.audit.models import Action
from sanctuary.lib.pdf import render_pdf
from sanctuary.lib.refusal import Refusal
from sanctuary.lib.text import ascii_digits, normalise
from sanctuary.people import timeline
from sanctuary.people.models import IdentityRequest, PersonEvent
from sanctuary.training.actions import TIMELINE
from sanctuary.training.models import (
    Application,
    AppState,
    Certificate,
    CertificateKey,
    NameChoice,
    Session,
    TrainingSettings,
)
from sanctuary.vault import crypto, state
from sanctuary.vault.fields import is_placeholder

if TYPE_CHECKING:
    from sanctuary.accounts.models import User
    from sanctuary.training.models import Course

log = logging.getLogger(__name__)

PREFIX = "SC1"
VERSION = 1
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
CODE_LENGTH = 20  # 100 bits
CODE_GROUP = 4
SEAL_INFO = b"sanctuary certificate sealed v1"
ATTACHMENT_NAME = "certificate.txt"  # the QR text, embedded in the PDF
LANGUAGES = ("my", "en", "th")
CHOSEN_NAME_MAX = 120
STATEMENT_FIELDS = {"v", "code", "name", "trade", "hours", "from", "to", "issuer", "issued", "kid"}

_CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.·]+")
_B64 = re.compile(r"[A-Za-z0-9_-]+")
_QR_TEXT = re.compile(r"SC\d+\.")


class CertificateError(Refusal):
    messages = {
        "on_hold": ON_HOLD,
        "not_graduated": _("Only a person who graduated from the course gets a certificate."),
        "live": _("This person already has a certificate for this course: revoke it first to issue another."),
        "name_choice": _("Choose which name the certificate shows."),
        "chosen_empty": _("Type the name the person chose."),
        "chosen_long": ngettext_lazy(
            "A name on a certificate has at most %(n)s character.",
            "A name on a certificate has at most %(n)s characters.",
            "n",
        ),
        "chosen_true_name": _(
            "This is the person's true name: choose “The true name” instead (it needs a true-name grant)."
        ),
        "no_grant": _(
            "Printing the true name needs your own approved true-name request for this person: ask for one first."
        ),
        "no_true_name": _("This person's record has no true name."),
        "reason": _("Say why the certificate is revoked."),
        "revoked": _("This certificate was revoked already."),
        "proposed": _("Revoking this certificate was proposed already: a second person must confirm it."),
        "not_proposed": _("Nobody proposed revoking this certificate."),
        "own_revoke": _("You proposed revoking this certificate: a second person must confirm it."),
        "revoked_pdf": _("This certificate was revoked: it is not printed again."),
        "unreadable": _("This certificate's record was altered and cannot be read."),
    }


# Why a text or code does not check out, for the command and the pages.
REASONS = {
    "format": _("This is neither a certificate's code nor the text of its QR code."),
    "version": _("This certificate was made by a version of the software this one does not know."),
    "unknown_key": _("This certificate was signed with a key that is not ours."),
    "signature": _("The signature does not match: the certificate was changed, or it is not ours."),
    "not_found": _("No certificate has this code."),
    "offline_code": _("A code is looked up in the register: without it, check the text of the QR code."),
}


# --- Codes ---------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The code as stored, from what a person typed or pasted (a whole address ending in
    ``/c/<code>`` too); None when it cannot be a code."""
    text = text.strip().rsplit("/", 1)[-1].split("?", 1)[0]
    text = unicodedata.normalize("NFKC", ascii_digits(text)).upper()
    text = _SEPARATORS.sub("", text).translate(_CONFUSED)
    if len(text) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        return None
    return text


def group_code(code: str) -> str:
    """``7KQ2-M9XD-…``: groups of four, for printing and reading aloud."""
    plain = normalise_code(code) or code
    return "-".join(plain[i : i + CODE_GROUP] for i in range(0, len(plain), CODE_GROUP))


def lookup_for(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _box(code: str) -> AESGCM:
    return AESGCM(crypto.hkdf(code.encode("ascii"), b"", SEAL_INFO))


def seal_text(code: str, text: str) -> bytes:
    """The QR text encrypted under the code (nonce | ciphertext | tag), bound to its lookup."""
    nonce = os.urandom(crypto.NONCE_BYTES)
    return nonce + _box(code).encrypt(nonce, text.encode("utf-8"), lookup_for(code).encode("ascii"))


def open_text(code: str, sealed: bytes) -> str | None:
    """The QR text, or None when ``sealed`` does not open with this code."""
    sealed = bytes(sealed)
    try:
        plain = _box(code).decrypt(
            sealed[: crypto.NONCE_BYTES], sealed[crypto.NONCE_BYTES :], lookup_for(code).encode("ascii")
        )
    except (InvalidTag, ValueError):
        return None
    return plain.decode("utf-8")


# --- Keys ----------------------------------------------------------------------------------


def key_id_for(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


def _private_of(key: CertificateKey) -> Ed25519PrivateKey | None:
    """The key's private half, when it opens and matches the public half and the key id."""
    private_hex = key.private_key
    if is_placeholder(private_hex):
        return None
    try:
        private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(str(private_hex)))
    except ValueError:
        return None
    public = private.public_key().public_bytes_raw()
    if public != bytes(key.public_key) or key.key_id != key_id_for(public):
        return None
    return private


def signing_key(user: User | None = None) -> tuple[CertificateKey, Ed25519PrivateKey]:
    """The newest key, made (the vault must be unsealed) when there is none, or when the newest
    one does not match its private half: a public key row written while the server was off
    (seized and returned) must not sign, and its certificates would not verify anyway."""
    state.keyring()  # VaultSealed while sealed
    key = CertificateKey.objects.first()
    if key is not None:
        private = _private_of(key)
        if private is not None:
            return key, private
        log.warning("certificate key %s does not match its private key: replaced", key.pk)
        record(None, Action.UPDATE, key, fields=["replaced_unverified_key"], username="vault")
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    key = CertificateKey(key_id=key_id_for(public), public_key=public, private_key=private.private_bytes_raw().hex())
    key.save()
    record(user, Action.CREATE, key, fields=["public_key", "private_key"])
    log.info("certificate key %s created", key.key_id)
    return key, private


def stored_public_keys() -> dict[str, bytes]:
    """Key id → raw public key of every key in the register (works while sealed). The id is
    computed from the key, never taken from its column."""
    raw = (bytes(public) for public in CertificateKey.objects.values_list("public_key", flat=True))
    return {key_id_for(public): public for public in raw if len(public) == 32}


def public_key_pem(public_raw: bytes) -> str:
    public = Ed25519PublicKey.from_public_bytes(public_raw)
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def keys_pem() -> str:
    """Every certificate key, newest first, as PEM blocks each after a line naming it."""
    parts = []
    for key in CertificateKey.objects.defer("private_key"):
        public = bytes(key.public_key)
        parts.append(f"Certificate key {key_id_for(public)}, from {key.created_at:%Y-%m-%d}\n{public_key_pem(public)}")
    return "\n".join(parts)


_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.S)


def keys_from_pem(text: str) -> dict[str, bytes]:
    """Key id → raw public key of every Ed25519 key in a PEM text (ValueError when none)."""
    found: dict[str, bytes] = {}
    for block in _PEM_BLOCK.findall(text):
        public = serialization.load_pem_public_key(block.encode("ascii"))
        if not isinstance(public, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        raw = public.public_bytes_raw()
        found[key_id_for(raw)] = raw
    if not found:
        raise ValueError("no public key in the file")
    return found


# --- The statement and its QR text ---------------------------------------------------------


def canonical(statement: Mapping[str, Any]) -> bytes:
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict: only the one encoding of the bytes is accepted, so a changed character never
    decodes to the same bytes."""
    if not _B64.fullmatch(text):
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == text else None


def sign(statement: Mapping[str, Any], private: Ed25519PrivateKey) -> str:
    raw = canonical(statement)
    return f"{PREFIX}.{_b64(raw)}.{_b64(private.sign(raw))}"


def _hours(course: Course, held: int) -> int | float:
    total = Decimal(held) * Decimal(course.hours_per_session)
    return int(total) if total == total.to_integral_value() else float(round(total, 1))


@dataclass(frozen=True)
class Verified:
    """What a certificate's text or code says, and whether it checks out. ``ok``: the format,
    key and signature are right (the certificate is ours, unchanged); ``revoked`` comes from
    the register, which an offline check (``revocation_checked`` False) cannot read."""

    ok: bool
    reason: str = ""  # a key of REASONS when not ok
    code: str = ""
    name: str = ""
    trade: Mapping[str, str] = field(default_factory=dict)
    hours: int | float | None = None
    start: date | None = None  # "from"
    end: date | None = None  # "to"
    issuer: str = ""
    issued: date | None = None
    kid: str = ""
    revoked: bool = False
    revoked_at: datetime | None = None
    revocation_checked: bool = False

    @property
    def valid(self) -> bool:
        return self.ok and not self.revoked

    @property
    def status(self) -> str:
        """OK, REVOKED or INVALID (for the command's output and scripts)."""
        if not self.ok:
            return "INVALID"
        return "REVOKED" if self.revoked else "OK"

    @property
    def message(self) -> str:
        return str(REASONS.get(self.reason, "")) if self.reason else ""

    def trade_in(self, language: str | None = None) -> str:
        lang = (language or translation.get_language() or "my")[:2]
        return str(self.trade.get(lang) or self.trade.get("en") or next(iter(self.trade.values()), ""))

    @property
    def grouped_code(self) -> str:
        return group_code(self.code) if self.code else ""


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _read_statement(raw: bytes) -> dict[str, Any] | None:
    try:
        statement = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return statement if isinstance(statement, dict) else None


def verify_text(text: str, public_keys: Mapping[str, bytes]) -> Verified:
    """Check a QR text against ``public_keys`` (key id → raw public key): format, version,
    key and signature. Reads no register."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return Verified(ok=False, reason="version" if len(parts) == 3 and parts[0].startswith("SC") else "format")
    raw, signature = _unb64(parts[1]), _unb64(parts[2])
    if raw is None or signature is None or len(signature) != 64:
        return Verified(ok=False, reason="format")
    statement = _read_statement(raw)
    if statement is None:
        return Verified(ok=False, reason="format")
    public = public_keys.get(str(statement.get("kid", "")))
    if public is None:
        return Verified(ok=False, reason="unknown_key")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, raw)
    except (InvalidSignature, ValueError):
        return Verified(ok=False, reason="signature")
    if statement.get("v") != VERSION:
        return Verified(ok=False, reason="version")
    trade = statement.get("trade")
    hours = statement.get("hours")
    if (
        set(statement) != STATEMENT_FIELDS
        or not isinstance(trade, dict)
        or not all(isinstance(v, str) for v in trade.values())
        or not isinstance(hours, int | float)
        or isinstance(hours, bool)
        or normalise_code(str(statement["code"])) is None
        or None in (_day(statement["from"]), _day(statement["to"]), _day(statement["issued"]))
    ):
        return Verified(ok=False, reason="format")
    return Verified(
        ok=True,
        code=normalise_code(str(statement["code"])) or "",
        name=str(statement["name"]),
        trade={str(k): str(v) for k, v in trade.items()},
        hours=hours,
        start=_day(statement["from"]),
        end=_day(statement["to"]),
        issuer=str(statement["issuer"]),
        issued=_day(statement["issued"]),
        kid=str(statement["kid"]),
    )


# The same work for a code that is unknown as for one that is known: a lookup, a failed
# opening, then a real signature check of a certificate signed by a key of its own.
_NO_LOOKUP = "-" * 64  # never a SHA-256 in hex: matches no row
_DUMMY_CODE = "0" * CODE_LENGTH
_DUMMY_SEALED = os.urandom(crypto.NONCE_BYTES + 600 + 16)
_dummy_private = Ed25519PrivateKey.generate()
_DUMMY_KEYS = {"0" * 16: _dummy_private.public_key().public_bytes_raw()}
_DUMMY_TEXT = sign(
    {
        "v": VERSION,
        "code": group_code(_DUMMY_CODE),
        "name": "x" * 24,
        "trade": {lang: "x" * 40 for lang in LANGUAGES},
        "hours": 0,
        "from": "2000-01-01",
        "to": "2000-01-01",
        "issuer": "x" * 24,
        "issued": "2000-01-01",
        "kid": "0" * 16,
    },
    _dummy_private,
)


def check_code(text: str, public_keys: Mapping[str, bytes] | None = None) -> Verified:
    """Look a typed code up in the register, open its certificate and check it, with the
    revocation. An unknown code costs the same work as a known one."""
    code = normalise_code(text)
    lookup = lookup_for(code) if code else _NO_LOOKUP
    row = Certificate.objects.filter(lookup=lookup).only("id", "lookup", "sealed", "revoked_at").first()
    keys = stored_public_keys() if public_keys is None else public_keys
    opened = open_text(code or _DUMMY_CODE, bytes(row.sealed) if row is not None else _DUMMY_SEALED)
    if row is None or code is None or opened is None:
        verify_text(_DUMMY_TEXT, _DUMMY_KEYS)
        if row is not None:
            log.warning("certificate %s does not open with its code", row.pk)
        return Verified(ok=False, reason="not_found")
    result = verify_text(opened, keys)
    if result.ok and result.code != code:
        result = Verified(ok=False, reason="signature")
    if not result.ok:
        log.warning("certificate %s does not verify: %s", row.pk, result.reason)
        return result
    return replace(result, revoked=row.revoked_at is not None, revoked_at=row.revoked_at, revocation_checked=True)


def verify(text_or_code: str, public_keys: Mapping[str, bytes] | None = None) -> Verified:
    """Check a QR text or a code. With ``public_keys`` a QR text is checked offline (no
    database query; revocation unknown); without, against the register's keys, and the
    register says whether it was revoked. A code always needs the register."""
    text = text_or_code.strip()
    if _QR_TEXT.match(text):
        if public_keys is not None:
            return verify_text(text, public_keys)
        result = verify_text(text, stored_public_keys())
        if not result.ok:
            return result
        registered = check_code(result.code)
        if not registered.ok:
            return Verified(ok=False, reason="not_found")
        return replace(result, revoked=registered.revoked, revoked_at=registered.revoked_at, revocation_checked=True)
    if public_keys is not None:
        return Verified(ok=False, reason="offline_code" if normalise_code(text) else "format")
    if normalise_code(text) is None:
        return Verified(ok=False, reason="format")
    return check_code(text)


def qr_text_from_pdf(data: bytes) -> str | None:
    """The QR text a certificate PDF carries as its attachment (None when it has none)."""
    import io

    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            attached = document.attachments.get(ATTACHMENT_NAME)
            if attached is None:
                return None
            return bytes(attached.get_file().read_bytes()).decode("utf-8").strip()
    except (pikepdf.PdfError, UnicodeDecodeError, ValueError):
        return None


# --- Issuing and revoking ------------------------------------------------------------------


def _name_key(name: str) -> str:
    """Two spellings of one name compare equal: Zawgyi read as Unicode, NFC, case, spaces."""
    return " ".join(unicodedata.normalize("NFC", normalise(name).text).casefold().split())


def _printed_name(user: User, application: Application, name_choice: str, chosen_name: str) -> str:
    person = application.person
    true_name = person.true_name
    if is_placeholder(true_name) or is_placeholder(person.alias):
        raise CertificateError("unreadable")
    if name_choice == NameChoice.ALIAS:
        return str(person.alias)
    if name_choice == NameChoice.CHOSEN:
        chosen = " ".join(normalise(chosen_name).text.split())
        if not chosen:
            raise CertificateError("chosen_empty")
        if len(chosen) > CHOSEN_NAME_MAX:
            raise CertificateError("chosen_long", n=CHOSEN_NAME_MAX)
        if true_name and _name_key(chosen) == _name_key(str(true_name)):
            raise CertificateError("chosen_true_name")
        return chosen
    if name_choice == NameChoice.TRUE_NAME:
        if IdentityRequest.objects.active_grant(user, person) is None:
            raise CertificateError("no_grant")
        if not str(true_name or "").strip():
            raise CertificateError("no_true_name")
        record(user, Action.IDENTITY_VIEWED, person, fields=["true_name", "certificate"])
        return str(true_name).strip()
    raise CertificateError("name_choice")


@transaction.atomic
def do_issue_certificate(
    user: User, application: Application, *, name_choice: str, chosen_name: str = ""
) -> Certificate:
    """Sign a graduate's certificate (one live certificate per application), seal it under its
    code and keep the code under the vault. Needs the vault unsealed."""
    state.keyring()  # VaultSealed while sealed, before anything is decided
    application = (
        Application.objects.select_for_update().select_related("person", "cohort__course").get(pk=application.pk)
    )
    if application.state != AppState.GRADUATED:
        raise CertificateError("not_graduated")
    if Certificate.objects.filter(application=application, revoked_at__isnull=True).exists():
        raise CertificateError("live")
    if name_choice not in NameChoice.values:
        raise CertificateError("name_choice")
    name = _printed_name(user, application, name_choice, chosen_name)
    cohort, course = application.cohort, application.cohort.course
    # Hours taught, not planned: a cohort graduated before its last day claims no more.
    held = Session.objects.filter(cohort=cohort, cancelled=False, day__lte=timezone.localdate()).count()
    key, private = signing_key(user)
    code = new_code()
    statement = {
        "v": VERSION,
        "code": group_code(code),
        "name": name,
        "trade": {"en": course.name_en, "my": course.name_my or course.name_en, "th": course.name_th or course.name_en},
        "hours": _hours(course, held),
        "from": cohort.start.isoformat(),
        "to": cohort.end.isoformat(),
        "issuer": TrainingSettings.current().issuer_name,
        "issued": timezone.localdate().isoformat(),
        "kid": key.key_id,
    }
    text = sign(statement, private)
    certificate = Certificate(
        application=application,
        key=key,
        lookup=lookup_for(code),
        sealed=seal_text(code, text),
        code=code,
        name_choice=name_choice,
        issued_by=user,
    )
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        raise CertificateError("live") from None  # issued at the same moment by someone else
    record(user, Action.CREATE, certificate, fields=["code", "sealed", "name_choice"])
    said = timeline.message(
        "training.certificate", trade=application.cohort.course.trade, start=application.cohort.start
    )
    PersonEvent.objects.create(person=application.person, kind=TIMELINE, message=said, actor=user)
    return certificate


def _lock(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().select_related("application").get(pk=certificate.pk)


@transaction.atomic
def do_propose_revoke(user: User, certificate: Certificate, reason: str) -> Certificate:
    """The first person's half of a revocation: why (kept encrypted). A second person confirms."""
    certificate = _lock(certificate)
    if certificate.revoked_at is not None:
        raise CertificateError("revoked")
    if certificate.revoke_proposed_by_id is not None:
        raise CertificateError("proposed")
    reason = normalise(reason).text[:500]
    if not reason:
        raise CertificateError("reason")
    certificate.revoke_reason = reason
    certificate.revoke_proposed_by = user
    certificate.revoke_proposed_at = timezone.now()
    certificate.save(update_fields=["revoke_reason", "revoke_proposed_by", "revoke_proposed_at"])
    record(user, Action.UPDATE, certificate, fields=["revoke_reason", "revoke_proposed_by"])
    return certificate


@transaction.atomic
def do_confirm_revoke(user: User, certificate: Certificate) -> Certificate:
    """The second person's half: from now on the public check says "revoked" (the database
    refuses the proposer as confirmer too)."""
    certificate = _lock(certificate)
    if certificate.revoked_at is not None:
        raise CertificateError("revoked")
    if certificate.revoke_proposed_by_id is None:
        raise CertificateError("not_proposed")
    if certificate.revoke_proposed_by_id == user.pk:
        raise CertificateError("own_revoke")
    require_settled(user, CertificateError)
    certificate.revoked_by = user
    certificate.revoked_at = timezone.now()
    certificate.save(update_fields=["revoked_by", "revoked_at"])
    record(user, Action.UPDATE, certificate, fields=["revoked_by", "revoked_at"])
    return certificate


# --- The PDF -------------------------------------------------------------------------------


def ensure_may_print(user: User, certificate: Certificate) -> None:
    """A revoked certificate is not printed again; one in the true name only for a user with
    their own true-name grant for the person."""
    if certificate.revoked_at is not None:
        raise CertificateError("revoked_pdf")
    person = certificate.application.person
    if certificate.name_choice == NameChoice.TRUE_NAME and IdentityRequest.objects.active_grant(user, person) is None:
        raise CertificateError("no_grant")


def record_printed(user: User, certificate: Certificate) -> None:
    """The audit of a download: the export, and the true name's use when it is printed."""
    if certificate.name_choice == NameChoice.TRUE_NAME:
        record(user, Action.IDENTITY_VIEWED, certificate.application.person, fields=["true_name", "certificate"])
    record(user, Action.EXPORT, certificate, fields=["certificate_pdf"])


def qr_text(certificate: Certificate) -> str:
    """The certificate's QR text, opened with its code from the vault."""
    code = certificate.code
    if is_placeholder(code):
        if state.is_sealed():
            raise state.VaultSealed
        raise CertificateError("unreadable")
    opened = open_text(normalise_code(str(code)) or str(code), bytes(certificate.sealed))
    if opened is None:
        raise CertificateError("unreadable")
    return opened


def verify_url(code: str) -> str:
    """Where the public checks a certificate: ``CERTIFICATE_VERIFY_BASE`` and ``/c/<code>``,
    or the path alone when the public address is not configured."""
    path = reverse("certificates:certificate", args=[group_code(code)])
    return f"{settings.CERTIFICATE_VERIFY_BASE}{path}"


def qr_svg(text: str) -> str:
    import segno

    svg = segno.make(text, error="m", micro=False).svg_inline(scale=1, border=4, omitsize=True, light="#fff")
    return str(svg)


def certificate_pdf(certificate: Certificate, *, language: str | None = None) -> bytes:
    """The certificate to print, in ``language`` (my, en, th; the active one by default), in our
    bundled fonts, with its QR code; the QR text is also attached to the PDF, for
    ``verify_certificate``. Refuses a revoked certificate."""
    if certificate.revoked_at is not None:
        raise CertificateError("revoked_pdf")
    text = qr_text(certificate)
    shown = verify_text(text, stored_public_keys())
    if not shown.ok:
        log.warning("certificate %s does not verify: %s", certificate.pk, shown.reason)
        raise CertificateError("unreadable")
    lang = language if language in LANGUAGES else (translation.get_language() or "my")[:2]
    if lang not in LANGUAGES:
        lang = "my"
    with translation.override(lang):
        html = render_to_string(
            "training/certificate_pdf.html",
            {
                "certificate": shown,
                "trade": shown.trade_in(lang),
                "code": shown.grouped_code,
                "verify_url": verify_url(shown.code),
                "qr": mark_safe(qr_svg(text)),  # segno's own markup: paths, no text of ours
                "LANGUAGE_CODE": lang,
            },
        )
    return render_pdf(html, attachments={ATTACHMENT_NAME: text.encode("utf-8")})
