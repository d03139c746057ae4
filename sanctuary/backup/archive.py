"""The backup file: one age stream (to the organisation's backup recipients) of one tar stream.

Inside, in this order::

    manifest.json        format, software version and migrations, the vault's key state
                         (id, generation, key_epoch, data key versions), rows per table
    database/000001 …    the dump, in chunks of at most 8 MiB (databases.CHUNK): a SQLite
                         file, or pg_dump's custom format
    media/…              every file of the media folder (the vault's ciphertext files)
    checksums.json       SHA-256 of the manifest, of the whole dump and of each media file

The checksums come last because a stream knows a part's hash only once it has written it.
A tar member must state its size before its bytes, which a pipe from pg_dump cannot: hence
the chunks, each one held in memory while it is written (never on disk).

Nothing is written in clear: the tar stream goes straight into the age encryptor
(``vault.streams.encrypting``, a pipe and a thread; age authenticates every 64 KiB chunk),
and the encryptor into the output file. A failure midway leaves a stream without age's last
chunk, which never decrypts as if whole; the command then deletes it.

Anyone can check a backup by hand with ``age -d -i IDENTITY FILE | tar -tv``. The values
in it are still vault ciphertext: reading anyone's name also takes a threshold of shares.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from sanctuary.backup import databases
from sanctuary.backup.keystate import KeyState, share_prefix, vault_id
from sanctuary.backup.refusals import BackupRefused
from sanctuary.vault import streams

FORMAT, FORMAT_VERSION = "sanctuary-backup", 1
MANIFEST, CHECKSUMS = "manifest.json", "checksums.json"
DB_PREFIX, MEDIA_PREFIX = "database/", "media/"
_DB_CHUNK = re.compile(r"database/\d{6}")
MAX_JSON = 64 * 1024 * 1024
AGE_MAGIC = b"age-encryption.org/v1\n"


def software_version() -> str:
    import tomllib

    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, ValueError):
        return "unknown"


@dataclass
class Backup:
    """What a backup holds, as its manifest and checksums say."""

    manifest: dict[str, Any]
    checksums: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.manifest["backup_id"])

    @property
    def keys(self) -> KeyState:
        return KeyState.from_manifest(self.manifest["vault"])

    @property
    def vendor(self) -> str:
        return str(self.manifest["database"]["vendor"])

    @property
    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.manifest["counts"].items()}

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(str(self.manifest["created_at"]))


# --- writing ---------------------------------------------------------------------------------


class _Hashing:
    def __init__(self, source: IO[bytes]) -> None:
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        block = self.source.read(size)
        self.digest.update(block)
        self.size += len(block)
        return block


def _member(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def _media_files(root: Path) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found.append((path.relative_to(root).as_posix(), path))
    return found


def write(
    sink: BinaryIO,
    recipients: list[Any],
    db: databases.Database,
    media_root: Path,
    *,
    allow_missing_files: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Backup:
    """Write one backup of ``db`` and ``media_root`` into ``sink``, encrypted as it goes."""
    now = timezone.now()
    with databases.snapshot(db) as snap:
        row = snap.vault()
        if row is None:
            raise BackupRefused("no_vault")
        keys = KeyState(
            vault_id=vault_id(row.created_at),
            created_at=row.created_at,
            generation=row.generation,
            key_epoch=row.key_epoch,
            data_key_versions=tuple(snap.data_key_versions()),
            share_prefix=share_prefix(row.tag),
        )
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "backup_id": uuid.uuid4().hex,
            "created_at": now.astimezone(UTC).isoformat(),
            "software": {"version": software_version(), "migrations": snap.migrations()},
            "database": {"vendor": snap.vendor, "format": databases.FORMATS[snap.vendor]},
            "vault": {
                **keys.as_manifest(),
                "threshold": row.threshold,
                "holders": row.holders,
                "rotation_running": snap.rotation_running(),
            },
            "counts": snap.counts(),
        }
        referenced = snap.referenced_files()
        manifest_bytes = json.dumps(manifest, sort_keys=True, indent=1).encode()
        checksums: dict[str, Any] = {"manifest": hashlib.sha256(manifest_bytes).hexdigest()}
        mtime = now.timestamp()
        with (
            streams.encrypting(sink, recipients) as plain,
            tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as tar,
        ):
            tar.addfile(_member(MANIFEST, len(manifest_bytes), mtime), io.BytesIO(manifest_bytes))
            digest, size, number = hashlib.sha256(), 0, 0
            for chunk in snap.chunks():
                number += 1
                digest.update(chunk)
                size += len(chunk)
                tar.addfile(_member(f"{DB_PREFIX}{number:06d}", len(chunk), mtime), io.BytesIO(chunk))
            checksums["database"] = {"sha256": digest.hexdigest(), "bytes": size, "chunks": number}
            if progress:
                progress("database")
            media: dict[str, str] = {}
            for relative, path in _media_files(media_root):
                with open(path, "rb") as handle:
                    reader = _Hashing(handle)
                    size_now = Path(handle.name).stat().st_size
                    tar.addfile(_member(MEDIA_PREFIX + relative, size_now, mtime), reader)  # type: ignore[arg-type]
                media[relative] = reader.digest.hexdigest()
            missing = sorted(name for name in referenced if f"vault/{name}" not in media)
            if missing and not allow_missing_files:
                raise BackupRefused("missing_files", count=len(missing))
            checksums["media"] = media
            checksums["missing_files"] = len(missing)
            body = json.dumps(checksums, sort_keys=True, indent=1).encode()
            tar.addfile(_member(CHECKSUMS, len(body), mtime), io.BytesIO(body))
    return Backup(manifest=manifest, checksums=checksums)


# --- reading ---------------------------------------------------------------------------------


def _refusal_for(error: BaseException) -> BackupRefused:
    text = " ".join(str(e) for e in (error, error.__cause__) if e is not None).lower()
    if "no matching keys" in text:
        return BackupRefused("wrong_identity")
    if "fill whole buffer" in text:  # shorter than an age header: not an age file at all
        return BackupRefused("not_a_backup")
    return BackupRefused("corrupted")


def _safe_media_name(name: str) -> str:
    relative = name[len(MEDIA_PREFIX) :]
    parts = PurePosixPath(relative).parts
    if not relative or relative.startswith("/") or any(part in ("", ".", "..") for part in parts) or "\\" in relative:
        raise BackupRefused("corrupted")
    return relative


class Reader:
    """One pass over a backup. ``on_manifest`` runs as soon as the manifest is read (to refuse
    early); ``on_database`` gets each dump chunk, ``on_media`` each file's chunks. Every part is
    hashed on the way and compared with the checksums at the end."""

    def __init__(
        self,
        on_manifest: Callable[[Backup], None] | None = None,
        on_database: Callable[[bytes], None] | None = None,
        on_media: Callable[[str, Iterator[bytes]], None] | None = None,
    ) -> None:
        self.on_manifest, self.on_database, self.on_media = on_manifest, on_database, on_media

    def run(self, path: Path, identities: list[Any]) -> Backup:
        refusal: BackupRefused | None = None
        backup: Backup | None = None
        try:
            with open(path, "rb") as source:
                if source.read(len(AGE_MAGIC)) != AGE_MAGIC:
                    raise BackupRefused("not_a_backup")
                source.seek(0)
                with streams.decrypting(source, identities) as plain:
                    # A refusal is kept, not raised through the decryptor: it would report the
                    # reader's stopping early as a failed decryption.
                    try:
                        backup = self._walk(plain)
                        plain.read()  # to the end: age checks its last chunk there
                    except BackupRefused as early:
                        refusal = early
        except (streams.StreamError, tarfile.TarError, EOFError, ValueError, OSError) as error:
            raise _refusal_for(error) from None
        if refusal is not None:
            raise refusal
        if backup is None:
            raise BackupRefused("not_a_backup")
        return backup

    def _walk(self, plain: BinaryIO) -> Backup:
        with tarfile.open(fileobj=plain, mode="r|") as tar:
            return self._members(tar)

    def _members(self, tar: tarfile.TarFile) -> Backup:
        backup: Backup | None = None
        seen_db = hashlib.sha256()
        db_bytes = db_chunks = 0
        media: dict[str, str] = {}
        checksums: dict[str, Any] | None = None
        manifest_sha = ""
        for member in tar:
            if checksums is not None or not member.isfile():
                raise BackupRefused("corrupted")
            handle = tar.extractfile(member)
            if handle is None:
                raise BackupRefused("corrupted")
            name = member.name
            if backup is None:
                if name != MANIFEST or member.size > MAX_JSON:
                    raise BackupRefused("not_a_backup")
                data = handle.read()
                manifest_sha = hashlib.sha256(data).hexdigest()
                backup = Backup(manifest=_manifest(data))
                if self.on_manifest:
                    self.on_manifest(backup)
            elif _DB_CHUNK.fullmatch(name):
                if media or int(name[len(DB_PREFIX) :]) != db_chunks + 1:
                    raise BackupRefused("corrupted")
                block = handle.read()
                seen_db.update(block)
                db_bytes += len(block)
                db_chunks += 1
                if self.on_database:
                    self.on_database(block)
            elif name.startswith(MEDIA_PREFIX):
                relative = _safe_media_name(name)
                if relative in media:
                    raise BackupRefused("corrupted")
                digest = hashlib.sha256()

                def chunks(source: IO[bytes] = handle, digest: Any = digest) -> Iterator[bytes]:
                    for block in iter(lambda: source.read(1024 * 1024), b""):
                        digest.update(block)
                        yield block

                if self.on_media:
                    self.on_media(relative, chunks())
                for _rest in chunks():  # whatever the handler did not read
                    pass
                media[relative] = digest.hexdigest()
            elif name == CHECKSUMS and member.size <= MAX_JSON:
                checksums = _json(handle.read())
            else:
                raise BackupRefused("corrupted")
        if backup is None:
            raise BackupRefused("not_a_backup")
        if checksums is None:
            raise BackupRefused("corrupted")
        expected_db = checksums.get("database") or {}
        if (
            checksums.get("manifest") != manifest_sha
            or expected_db.get("sha256") != seen_db.hexdigest()
            or expected_db.get("bytes") != db_bytes
            or expected_db.get("chunks") != db_chunks
            or checksums.get("media") != media
        ):
            raise BackupRefused("corrupted")
        backup.checksums = checksums
        return backup


def _json(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise BackupRefused("corrupted") from None
    if not isinstance(value, dict):
        raise BackupRefused("corrupted")
    return value


def _manifest(data: bytes) -> dict[str, Any]:
    manifest = _json(data)
    if manifest.get("format") != FORMAT:
        raise BackupRefused("not_a_backup")
    if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
        raise BackupRefused("newer_format")
    for key in ("backup_id", "created_at", "software", "database", "vault", "counts"):
        if key not in manifest:
            raise BackupRefused("corrupted")
    return manifest


def check_software(backup: Backup) -> None:
    """Refuse a backup with migrations this code does not have (a newer Sanctuary made it)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for app, names in backup.manifest["software"].get("migrations", {}).items():
        for name in names:
            if (app, name) not in known:
                raise BackupRefused("newer_software")


class _Peeked(BackupRefused):
    def __init__(self, backup: Backup) -> None:
        super().__init__("peeked")
        self.backup = backup


def peek(path: Path, identities: list[Any]) -> Backup:
    """The manifest alone (its checksums are not known yet): decrypts only the file's start."""

    def stop(backup: Backup) -> None:
        raise _Peeked(backup)

    try:
        Reader(on_manifest=stop).run(path, identities)
    except _Peeked as peeked:
        return peeked.backup
    raise BackupRefused("not_a_backup")
