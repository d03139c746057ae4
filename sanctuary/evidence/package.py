"""Referral packages: a BagIt bag (RFC 8493) in a tar stream, encrypted to the investigator.

Layout of the bag (``referral-<case>-<package>/``)::

    bagit.txt  bag-info.txt
    data/originals/001.pdf …          the items, bit for bit (working copies in data/copies/)
    data/items.json                   what each file is, how and when it was received
    data/screening-summary.my.txt     the screening record, in Burmese
    data/screening-summary.en.txt     and in English
    data/consent.json  consent.txt    the consent record this package went out under
    data/custody.json  custody.txt    every custody entry of every item (the audit chain's)
    manifest-sha256.txt  manifest-sha512.txt
    tagmanifest-sha512.txt            checksums of the tag files above
    tagmanifest-sha512.txt.sig        Ed25519 signature of the tag manifest (organisation key)
    tagmanifest-sha512.txt.tsr        RFC 3161 timestamp over the tag manifest (if configured)
    signer.pub                        the signing public key (hex), for the record only

Why the bag is written by hand and not with ``bagit.make_bag``: ``make_bag`` hashes a folder
already on disk, and that folder would hold the plaintext originals, on our disk, for as long
as packaging takes (and on the disk's free blocks after). Here each original goes from its
encrypted file, through the hashes, into the tar stream and into age encryption, and never
exists in plaintext outside a few buffers; memory stays flat whatever the size. The tag
files follow RFC 8493 exactly, and ``verify_package`` checks the result with the ``bagit``
library itself (full checksums, not "fast" mode), as the recipient would.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from sanctuary.audit.models import AuditEntry
from sanctuary.evidence import keys, store, timestamps
from sanctuary.lib.refusal import Refusal
from sanctuary.vault import streams

SIGNED = "tagmanifest-sha512.txt"
SIGNATURE = SIGNED + ".sig"
TOKEN = SIGNED + ".tsr"
SIGNER = "signer.pub"
AGENT = "Sanctuary evidence packaging"


class PackageRefused(Refusal):
    messages = {
        "hash_mismatch": _(
            "An item no longer matches the hashes taken when it was received: the package was stopped. "
            "The item is marked; do not send it, and tell the other evidence officer."
        ),
        "no_consent": _("The person's consent for this recipient is not in force: nothing was packaged."),
        "not_released": _("Only a package released by two evidence officers can be built."),
    }


class HashMismatch(Exception):
    def __init__(self, item: Any) -> None:
        super().__init__(f"item {item.pk}")
        self.item = item


# --- Building ------------------------------------------------------------------------------


def safe_suffix(filename: str) -> str:
    """The file's extension if it is short and plain (``.pdf``), else ``.bin``: names in the
    bag and in download headers are ours, never the sender's (which may name a person)."""
    suffix = Path(filename).suffix.lower()
    if not (1 < len(suffix) <= 8 and suffix[1:].isascii() and suffix[1:].isalnum()):
        return ".bin"
    return suffix


def _payload_path(item: Any, number: int) -> str:
    suffix = safe_suffix(str(item.filename))
    folder = "originals" if item.is_original else "copies"
    return f"data/{folder}/{number:03d}{suffix}"


def _manifest(digests: dict[str, str]) -> bytes:
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(digests.items())).encode()


def screening_text(testimony: Any, language: str) -> str:
    from sanctuary.evidence.models import Testimony

    with translation.override(language):
        label: Callable[[str], str] = lambda name: str(Testimony._meta.get_field(name).verbose_name)  # type: ignore[union-attr]  # noqa: E731
        summary = testimony.summary_my if language == "my" else testimony.summary_en
        lines = [
            gettext("Screening record for referral (a summary, not a statement)"),
            f"{gettext('Case')}: {testimony.person.case_code}",
            "",
            f"{label('involvement')}: {testimony.get_involvement_display()}",
            f"{label('order_kinds')}: {', '.join(testimony.order_kind_labels())}",
            f"{label('region')}: {testimony.get_region_display() if testimony.region else '—'}",
        ]
        for name in ("when", "place", "unit", "commanders"):
            lines.append(f"{label(name)}: {getattr(testimony, name) or '—'}")
        lines.append(f"{label('documents_exist')}: {gettext('yes') if testimony.documents_exist else gettext('no')}")
        lines.append(f"{label('media_exist')}: {gettext('yes') if testimony.media_exist else gettext('no')}")
        lines += ["", gettext("Summary"), str(summary or "—"), "", gettext("Linkage evidence")]
        for name in ("orders_received", "reports", "policies", "radio_logs", "documents_held"):
            lines.append(f"{label(name)}: {getattr(testimony, name) or '—'}")
    return "\n".join(lines) + "\n"


def consent_json(consent: Any) -> str:
    """The consent record as it goes into the bag (``data/consent.json``)."""
    return json.dumps(_consent_record(consent), ensure_ascii=False, indent=2)


def _consent_record(consent: Any) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "purpose": consent.purpose,
        "recipient": consent.recipient_label(),
        "state": consent.effective_state,
        "given_on": consent.given_on.isoformat() if consent.given_on else None,
        "expires_on": consent.expires_on.isoformat() if consent.expires_on else None,
        "given_by": consent.given_by,
        "method": consent.method,
        "name_may_be_disclosed_to_a_court": consent.name_disclosure,
        "notice_version": consent.notice_version,
        "notice_language": consent.notice_language,
        "history": [
            {"from": e.from_state, "to": e.to_state, "at": e.at.isoformat()} for e in consent.events.order_by("pk")
        ],
    }


def staff_ref(user_id: int | None) -> str:
    """Staff as a package names them: an id the organisation can resolve, never a username
    (many staff are defectors themselves, and a package may be disclosed to a court)."""
    return f"staff-{user_id}" if user_id else "system"


def custody_entries(item: Any, for_package: int | None = None) -> list[dict[str, Any]]:
    """An item's custody: its audit entries, in chain order, with each entry's chain hash.
    For a package (``for_package``): staff by reference only, and nothing of other packages
    (who else received the item is not this recipient's business)."""
    entries = list(AuditEntry.objects.filter(object_type="evidence.item", object_id=str(item.pk)).order_by("seq"))
    if for_package is not None:
        own = f"package:{for_package}"
        entries = [e for e in entries if not any(f.startswith("package:") and f != own for f in e.fields)]
    return [
        {
            "seq": entry.seq,
            "at": entry.at.isoformat(),
            "by": entry.actor_username if for_package is None else staff_ref(entry.actor_id),
            "action": entry.action,
            "label": str(entry.get_action_display()),
            "what": entry.fields,
            "entry_hash": entry.hash,
        }
        for entry in entries
    ]


def _custody_text(items: list[Any], custody: dict[int, list[dict[str, Any]]], paths: dict[int, str]) -> str:
    lines = [gettext("Chain of custody"), ""]
    for item in items:
        lines.append(f"{paths[item.pk]}  ({pgettext('evidence file', 'item')} {item.pk})")
        lines.append(f"  SHA-256 {item.sha256}")
        lines.append(f"  SHA-512 {item.sha512}")
        for entry in custody[item.pk]:
            lines.append(f"  #{entry['seq']} {entry['at']} {entry['by']} {entry['action']} {','.join(entry['what'])}")
        lines.append("")
    return "\n".join(lines)


@dataclass
class Built:
    size: int
    sha256: str
    timestamped: bool


class _Counting:
    """The encrypted file as it is written: its size and SHA-256 for the hand-over record."""

    def __init__(self, dest: BinaryIO) -> None:
        self._dest, self.size, self.sha256 = dest, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._dest.write(data)
        self.size += len(data)
        self.sha256.update(data)
        return len(data)

    def flush(self) -> None:
        self._dest.flush()


def build(package: Any, dest: BinaryIO, progress: Callable[[int, int], None] | None = None) -> Built:
    """Write the package to ``dest`` as an age stream to the recipient's key. Raises
    :class:`HashMismatch` (the stream is then cut: the caller deletes it)."""
    testimony = package.testimony
    items = list(package.items.order_by("received_at", "pk"))
    paths = {item.pk: _payload_path(item, n) for n, item in enumerate(items, start=1)}
    bag = f"referral-{testimony.person.case_code}-{package.pk}"
    now = time.time()
    sha256: dict[str, str] = {}
    sha512: dict[str, str] = {}
    sizes: dict[str, int] = {}
    counting = _Counting(dest)
    total = sum(item.size for item in items)
    done = 0

    with streams.encrypting(counting, [streams.recipient(package.key.public_key)]) as sink:  # type: ignore[arg-type]
        tar = tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115 - closed below

        def add(path: str, data: bytes) -> None:
            info = tarfile.TarInfo(f"{bag}/{path}")
            info.size, info.mtime, info.mode = len(data), now, 0o644
            tar.addfile(info, io.BytesIO(data))

        def add_payload(path: str, data: bytes) -> None:
            sha256[path] = hashlib.sha256(data).hexdigest()
            sha512[path] = hashlib.sha512(data).hexdigest()
            sizes[path] = len(data)
            add(path, data)

        def fill() -> bool:
            nonlocal done
            for item in items:
                info = tarfile.TarInfo(f"{bag}/{paths[item.pk]}")
                info.size, info.mtime, info.mode = item.size, now, 0o644
                try:
                    with store.reading(item.stored_name) as plain:
                        reader = store.HashingReader(plain, expected=item.size)
                        tar.addfile(info, reader)  # type: ignore[arg-type]
                except (store.ShortFile, streams.StreamError, FileNotFoundError):
                    raise HashMismatch(item) from None
                if not reader.matches(item):
                    raise HashMismatch(item)
                sha256[paths[item.pk]], sha512[paths[item.pk]] = reader.sha256.hexdigest(), reader.sha512.hexdigest()
                sizes[paths[item.pk]] = item.size
                done += item.size
                if progress is not None:
                    progress(done, total)

            custody = {item.pk: custody_entries(item, for_package=package.pk) for item in items}
            listing = [
                {
                    "path": paths[item.pk],
                    "item": item.pk,
                    "kind": item.kind,
                    "what": str(item.title),
                    "content_type": item.content_type,
                    "size": item.size,
                    "sha256": str(item.sha256),
                    "sha512": str(item.sha512),
                    "received_at": item.received_at.isoformat(),
                    "received_how": item.received_how,
                    "received_by": staff_ref(item.received_by_id),
                    "working_copy_of": paths.get(item.original_id) if item.original_id else None,
                    "copy_kind": item.derivative_kind or None,
                }
                for item in items
            ]
            add_payload("data/items.json", json.dumps(listing, ensure_ascii=False, indent=2).encode())
            add_payload("data/screening-summary.my.txt", screening_text(testimony, "my").encode())
            add_payload("data/screening-summary.en.txt", screening_text(testimony, "en").encode())
            add_payload("data/consent.json", consent_json(package.consent).encode())
            add_payload("data/custody.json", json.dumps({str(k): v for k, v in custody.items()}, indent=2).encode())
            add_payload("data/custody.txt", _custody_text(items, custody, paths).encode())

            tags: dict[str, bytes] = {
                "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
                "manifest-sha256.txt": _manifest(sha256),
                "manifest-sha512.txt": _manifest(sha512),
            }
            tags["bag-info.txt"] = (
                f"Source-Organization: {_organisation()}\n"
                f"Bagging-Date: {timezone.localdate().isoformat()}\n"
                f"Bag-Software-Agent: {AGENT}\n"
                f"External-Identifier: package-{package.pk}\n"
                f"Internal-Sender-Identifier: {testimony.person.case_code}\n"
                f"Payload-Oxum: {sum(sizes.values())}.{len(sizes)}\n"
                + (f"Timestamp: RFC 3161, {TOKEN}\n" if timestamps.server_url() else "")
            ).encode()
            for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"):
                add(name, tags[name])
            tagmanifest = _manifest({name: hashlib.sha512(tags[name]).hexdigest() for name in tags})
            add(SIGNED, tagmanifest)
            add(SIGNATURE, keys.sign(tagmanifest))
            add(SIGNER, (keys.signing_public_hex() + "\n").encode())
            token = timestamps.request_token(tagmanifest)
            if token is not None:
                add(TOKEN, token)
            return token is not None

        try:
            timestamped = fill()
        except BaseException:
            # A cut stream must not be finished later by the garbage collector.
            tar.closed = True  # type: ignore[attr-defined]
            tar.fileobj.closed = True  # type: ignore[union-attr,attr-defined]
            raise
        tar.close()
    return Built(counting.size, counting.sha256.hexdigest(), timestamped)


def _organisation() -> str:
    from django.conf import settings

    return str(getattr(settings, "ORGANISATION_NAME", "") or "Sanctuary")


# --- Verifying -------------------------------------------------------------------------------


class VerifyFailed(Exception):
    """Verification failed; ``str()`` says why and names the file."""


@dataclass
class Verified:
    bag: Path
    files: int
    signer: str
    timestamp: str  # ISO time of the token, "" without one
    timestamp_checked: bool
    custody: dict[str, list[dict[str, Any]]]
    items: list[dict[str, Any]]
    identifier: str = ""
    bagged_on: str = ""
    file_sha256: str = ""


# What a package may hold, by name under its one bag folder: nothing else is written out.
_BAG_NAME = re.compile(r"^referral-[0-9A-Za-z-]{1,40}-[0-9]{1,12}$")
_MEMBER = re.compile(
    r"^(data/(originals|copies)/[0-9]{3,6}\.[0-9a-z]{1,7}"
    r"|data/(items\.json|screening-summary\.(my|en)\.txt|consent\.json|custody\.(json|txt))"
    r"|bagit\.txt|bag-info\.txt|manifest-sha(256|512)\.txt|tagmanifest-sha512\.txt(\.sig|\.tsr)?|signer\.pub)$"
)
_FOLDERS = frozenset({"data", "data/originals", "data/copies"})


def _unpack(tar: tarfile.TarFile, folder: Path, label: str) -> Path:
    """Write out a package's tar stream, member by member, refusing anything but regular files
    and folders with the names a package has, under one bag folder: no links, devices, absolute
    or ``..`` paths, no second bag, no file twice. Each file is created new (``O_EXCL``,
    ``O_NOFOLLOW``), so nothing outside ``folder`` is ever written, whatever the tar says and
    whatever this Python's own ``extractall`` filters would let through."""
    root = ""
    for member in tar:
        parts = member.name.split("/")
        if not parts or not _BAG_NAME.match(parts[0]) or (root and parts[0] != root):
            raise VerifyFailed(f"{label}: unexpected entry {member.name[:80]!r}: not a package")
        root = parts[0]
        inner = "/".join(parts[1:])
        if member.isdir() and (not inner or inner in _FOLDERS):
            (folder / root / inner).mkdir(mode=0o700, parents=True, exist_ok=True)
            continue
        if not member.isreg() or not _MEMBER.match(inner):
            raise VerifyFailed(f"{label}: unexpected entry {member.name[:80]!r}: not a package")
        target = folder / root / inner
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        source = tar.extractfile(member)
        if source is None:
            raise VerifyFailed(f"{label}: unreadable entry {member.name[:80]!r}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(target, flags, 0o600)
        except FileExistsError:
            raise VerifyFailed(f"{label}: {inner} appears twice") from None
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, store.CHUNK)
    if not root:
        raise VerifyFailed(f"{label}: empty: not a package")
    return folder / root


def decrypt_to(package_file: Path, identity_text: str, folder: Path) -> Path:
    """Decrypt and unpack an encrypted package into ``folder`` (new or empty); returns the bag's
    folder. Nothing is trusted yet: the signature and the checksums are checked afterwards."""
    lines = [line.strip() for line in identity_text.splitlines() if line.strip().startswith("AGE-SECRET-KEY-")]
    try:
        who = streams.identity(lines[0] if lines else identity_text)
    except ValueError:
        raise VerifyFailed("the identity is not an age X25519 key (AGE-SECRET-KEY-1…)") from None
    if any(folder.iterdir()):
        raise VerifyFailed(f"{folder}: not empty: unpack into a new folder")
    try:
        with (
            package_file.open("rb") as source,
            streams.decrypting(source, [who]) as plain,
            tarfile.open(fileobj=plain, mode="r|") as tar,
        ):
            return _unpack(tar, folder, package_file.name)
    except streams.StreamError as error:
        if "No matching keys" in str(error):
            raise VerifyFailed("this package was not encrypted to this key (unknown recipient key)") from None
        raise VerifyFailed(f"{package_file.name}: the file was altered or cut, it does not decrypt") from None
    except (tarfile.TarError, OSError) as error:
        raise VerifyFailed(f"{package_file.name}: not a package ({type(error).__name__})") from None


def _only_known_files(bag_dir: Path) -> None:
    """A bag folder given as it is (already unpacked) holds the package's files and no others."""
    for path in sorted(bag_dir.rglob("*")):
        inner = path.relative_to(bag_dir).as_posix()
        if path.is_symlink() or not (
            (path.is_dir() and inner in _FOLDERS) or (path.is_file() and _MEMBER.match(inner))
        ):
            raise VerifyFailed(f"{inner}: not a file a package holds")


def verify_bag(bag_dir: Path, signer_hex: str, tsa_roots: list[Any]) -> Verified:
    """Check, in this order, so the first failure names the file that was changed: the
    signing key named in the bag against the trusted one, the signature of the tag manifest,
    then the whole bag with the ``bagit`` library (every checksum, not "fast" mode: the tag
    manifest covers the manifests, which cover the payload), then the timestamp."""
    import logging

    import bagit

    from sanctuary.evidence import keys as org_keys

    logging.getLogger("bagit").setLevel(logging.ERROR)  # we report the outcome ourselves
    _only_known_files(bag_dir)
    if not (bag_dir / SIGNED).is_file():
        raise VerifyFailed(f"{SIGNED}: missing")
    signed = (bag_dir / SIGNED).read_bytes()
    if (bag_dir / SIGNER).exists() and (bag_dir / SIGNER).read_text(errors="replace").strip() != signer_hex.strip():
        raise VerifyFailed(f"{SIGNER}: the package names another signing key than the one trusted")
    try:
        signature = (bag_dir / SIGNATURE).read_bytes()
    except OSError:
        raise VerifyFailed(f"{SIGNATURE}: missing or unreadable") from None
    try:
        org_keys.public_key(signer_hex).verify(signature, signed)
    except Exception:  # noqa: BLE001 - cryptography's InvalidSignature
        raise VerifyFailed(f"{SIGNED} or {SIGNATURE}: the signature does not verify") from None
    try:
        bag = bagit.Bag(str(bag_dir))
        bag.validate(fast=False)
    except bagit.BagValidationError as error:
        names = sorted({Path(str(getattr(d, "path", ""))).name for d in getattr(error, "details", []) or []} - {""})
        raise VerifyFailed(f"{', '.join(names) or bag_dir.name}: {error.message}") from None
    except bagit.BagError as error:
        raise VerifyFailed(f"{bag_dir.name}: {error}") from None
    info = _bag_info(bag_dir)
    when, checked = "", False
    if info.get("Timestamp") and not (bag_dir / TOKEN).exists():
        raise VerifyFailed(f"{TOKEN}: missing, though bag-info.txt says the package was timestamped")
    if (bag_dir / TOKEN).exists():
        if not tsa_roots:
            raise VerifyFailed(f"{TOKEN}: give the timestamp server's roots (--tsa-roots) to check the timestamp")
        try:
            response = timestamps.verify((bag_dir / TOKEN).read_bytes(), signed, tsa_roots)
        except Exception:  # noqa: BLE001 - a parse or verification error of the token
            raise VerifyFailed(f"{TOKEN}: the timestamp does not verify over {SIGNED}") from None
        when, checked = response.tst_info.gen_time.isoformat(), True
    custody = json.loads((bag_dir / "data" / "custody.json").read_text())
    items = json.loads((bag_dir / "data" / "items.json").read_text())
    return Verified(
        bag_dir,
        len(list(bag.payload_entries())),
        signer_hex,
        when,
        checked,
        custody,
        items,
        identifier=info.get("External-Identifier", ""),
        bagged_on=info.get("Bagging-Date", ""),
    )


def _bag_info(bag_dir: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (bag_dir / "bag-info.txt").read_text(encoding="utf-8").splitlines():
        name, _sep, value = line.partition(":")
        found[name.strip()] = value.strip()
    return found


def verify_file(
    package_file: Path, identity_text: str, signer_hex: str, tsa_roots: list[Any], keep: Path | None = None
) -> Verified:
    digest = hashlib.sha256()
    with package_file.open("rb") as whole:
        while chunk := whole.read(store.CHUNK):
            digest.update(chunk)
    if keep is not None:
        keep.mkdir(mode=0o700, parents=True, exist_ok=True)
        result = verify_bag(decrypt_to(package_file, identity_text, keep), signer_hex, tsa_roots)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = verify_bag(decrypt_to(package_file, identity_text, Path(tmp)), signer_hex, tsa_roots)
    result.file_sha256 = digest.hexdigest()
    return result
