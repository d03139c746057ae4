"""The databases a backup is taken from and restored into: SQLite and PostgreSQL.

Taking a backup (:func:`snapshot`) gives one consistent view of the database, read through
the same view for the manifest (counts, the vault's key state, migrations, the files the
rows name) and for the dump itself:

* SQLite: the sqlite3 backup API copies the live file (WAL included) into a database in
  *memory*, in one step, so it is consistent; the copy is serialised and streamed. Memory
  is about the database's size (SQLite deployments are the small ones; PostgreSQL is the
  scaling path). No copy touches the disk.
* PostgreSQL: a REPEATABLE READ transaction exports its snapshot, and ``pg_dump
  --snapshot`` dumps exactly that view in its custom format to a pipe, read in chunks.

Sessions are left out of every backup (the table's rows are bearer tokens of the live
server); the table itself is kept, empty.

Restoring (:class:`Loader`) writes into a database that has no tables: SQLite writes the
file beside its place and renames it in; PostgreSQL feeds ``pg_restore --single-transaction``,
so a failure leaves nothing. Connection details for the PostgreSQL programs go in their
environment (PGPASSWORD and so on), never on a command line that ``ps`` shows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps

from sanctuary.backup.refusals import BackupRefused

CHUNK = 8 * 1024 * 1024  # one tar member of the dump: memory stays a few of these
SESSIONS = "django_session"
SQLITE, POSTGRESQL = "sqlite", "postgresql"
FORMATS = {SQLITE: "sqlite3", POSTGRESQL: "pg_dump-custom"}


@dataclass(frozen=True)
class Database:
    vendor: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Database:
        engine = str(settings_dict.get("ENGINE", ""))
        if engine.endswith("sqlite3"):
            vendor = SQLITE
        elif engine.endswith("postgresql"):
            vendor = POSTGRESQL
        else:
            raise BackupRefused("unsupported_database")
        return cls(
            vendor=vendor,
            name=str(settings_dict.get("NAME") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        import dj_database_url

        try:
            parsed = dj_database_url.parse(url)
        except Exception:  # noqa: BLE001 - any unparsable URL gets the same answer
            raise BackupRefused("unsupported_database") from None
        return cls.from_settings(dict(parsed))

    def url(self) -> str:
        """A ``DATABASE_URL`` for this database (for a child process's environment)."""
        if self.vendor == SQLITE:
            return f"sqlite:///{self.name}"
        user = urllib.parse.quote(self.user, safe="")
        password = (":" + urllib.parse.quote(self.password, safe="")) if self.password else ""
        at = f"{user}{password}@" if user else ""
        port = f":{self.port}" if self.port else ""
        return f"postgres://{at}{self.host or '127.0.0.1'}{port}/{urllib.parse.quote(self.name, safe='')}"

    def same_place(self, other: Database) -> bool:
        if self.vendor != other.vendor:
            return False
        if self.vendor == SQLITE:
            return Path(self.name).resolve() == Path(other.name).resolve()
        return (self.name, self.host or "127.0.0.1", str(self.port or 5432)) == (
            other.name,
            other.host or "127.0.0.1",
            str(other.port or 5432),
        )

    def pg_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"PGDATABASE": self.name, "PGHOST": self.host or "127.0.0.1", "PGPORT": str(self.port or 5432)})
        if self.user:
            env["PGUSER"] = self.user
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect_pg(self, *, autocommit: bool = False) -> Any:
        import psycopg

        params: dict[str, Any] = {"dbname": self.name, "host": self.host or "127.0.0.1", "port": str(self.port or 5432)}
        if self.user:
            params["user"] = self.user
        if self.password:
            params["password"] = self.password
        return psycopg.connect(**params, autocommit=autocommit, connect_timeout=10)


def _quote(name: str) -> str:
    """An SQL identifier, quoted. Every name put into SQL here comes from the database's own
    catalogue or from Django's models, and is quoted: hence the ``noqa: S608`` below."""
    return '"' + name.replace('"', '""') + '"'


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # Django stores UTC (USE_TZ)
    return value.astimezone(UTC)


# --- taking a backup ------------------------------------------------------------------------


@dataclass
class VaultRow:
    created_at: datetime
    tag: bytes
    holders: int
    threshold: int
    generation: int
    key_epoch: int
    rekeyed_at: datetime | None


class Snapshot:
    """One consistent view of a database: queries first, then the dump (``chunks``)."""

    vendor: str

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def tables(self) -> list[str]:
        raise NotImplementedError

    def chunks(self) -> Iterator[bytes | memoryview]:
        raise NotImplementedError

    def counts(self) -> dict[str, int]:
        return {table: int(self.query(f"SELECT count(*) FROM {_quote(table)}")[0][0]) for table in self.tables()}  # noqa: S608 - names from the catalogue, quoted

    def vault(self) -> VaultRow | None:
        if "vault_vaultconfig" not in self.tables():
            return None
        rows = self.query(
            "SELECT created_at, tag, holders, threshold, generation, key_epoch, rekeyed_at "
            "FROM vault_vaultconfig ORDER BY id LIMIT 1"
        )
        if not rows:
            return None
        created, tag, holders, threshold, generation, epoch, rekeyed = rows[0]
        return VaultRow(
            created_at=_utc(created),
            tag=bytes(tag),
            holders=int(holders),
            threshold=int(threshold),
            generation=int(generation),
            key_epoch=int(epoch),
            rekeyed_at=_utc(rekeyed) if rekeyed else None,
        )

    def data_key_versions(self) -> list[int]:
        rows = self.query("SELECT version FROM vault_datakey WHERE purpose = 'data' ORDER BY version")
        return [int(row[0]) for row in rows]

    def rotation_running(self) -> bool:
        return bool(self.query("SELECT count(*) FROM vault_rotationjob WHERE finished_at IS NULL")[0][0])

    def migrations(self) -> dict[str, list[str]]:
        applied: dict[str, list[str]] = {}
        for app, name in self.query("SELECT app, name FROM django_migrations ORDER BY app, name"):
            applied.setdefault(str(app), []).append(str(name))
        return applied

    def referenced_files(self) -> set[str]:
        """Names of the files in the media folder's ``vault/`` that rows of this view name."""
        tables = set(self.tables())
        names: set[str] = set()
        for table, column in file_columns():
            if table in tables:
                rows = self.query(f"SELECT {_quote(column)} FROM {_quote(table)} WHERE {_quote(column)} <> ''")  # noqa: S608 - names from the catalogue, quoted
                names.update(str(row[0]) for row in rows)
        return names


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every column that names a vault file: ``stored_name`` fields (the
    rule ``vault.keys`` rotates files by) and the fields a model lists in ``VAULT_FILES``."""
    found = []
    for model in apps.get_models():
        declared = set(getattr(model, "VAULT_FILES", {}))
        for field in model._meta.concrete_fields:
            if field.name == "stored_name" or field.name in declared:
                found.append((model._meta.db_table, str(field.column)))
    return found


class _SqliteSnapshot(Snapshot):
    vendor = SQLITE

    def __init__(self, path: str) -> None:
        if not Path(path).is_file():
            raise BackupRefused("no_database", detail=path)
        source = sqlite3.connect(path, timeout=30)
        self._memory: sqlite3.Connection | None = sqlite3.connect(":memory:")
        try:
            source.backup(self._memory)  # one step: a consistent copy, in memory only
        finally:
            source.close()
        self._memory.execute("PRAGMA secure_delete = ON")  # deleted sessions leave no bytes behind
        if SESSIONS in self.tables():
            self._memory.execute(f"DELETE FROM {SESSIONS}")  # noqa: S608 - names from the catalogue, quoted
            self._memory.commit()
        self._memory.execute("VACUUM")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self._memory is None:
            raise RuntimeError("queries come before the dump")
        return list(self._memory.execute(sql).fetchall())

    def tables(self) -> list[str]:
        rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
        return [str(row[0]) for row in rows]

    def chunks(self) -> Iterator[memoryview]:
        if self._memory is None:
            raise RuntimeError("one dump per snapshot")
        data = self._memory.serialize()
        self._memory.close()
        self._memory = None  # one copy in memory from here on
        view = memoryview(data)
        for start in range(0, len(view), CHUNK):
            yield view[start : start + CHUNK]

    def close(self) -> None:
        if self._memory is not None:
            self._memory.close()
            self._memory = None


class _PgSnapshot(Snapshot):
    vendor = POSTGRESQL

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pg_dump = shutil.which("pg_dump")
        if self._pg_dump is None:
            raise BackupRefused("pg_dump_missing")
        try:
            self._conn = db.connect_pg()
        except Exception as error:  # noqa: BLE001 - psycopg's errors name no personal data
            raise BackupRefused("no_database", detail=_first_line(str(error))) from None
        self._conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self._snapshot = str(self._conn.execute("SELECT pg_export_snapshot()").fetchone()[0])
        self._process: subprocess.Popen[bytes] | None = None

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(sql).fetchall())  # type: ignore[arg-type]

    def tables(self) -> list[str]:
        rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
        return [str(row[0]) for row in rows]

    def counts(self) -> dict[str, int]:
        found = super().counts()
        if SESSIONS in found:
            found[SESSIONS] = 0  # dumped without its rows (--exclude-table-data)
        return found

    def chunks(self) -> Iterator[bytes]:
        if self._pg_dump is None:
            raise BackupRefused("pg_dump_missing")
        self._process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            [
                self._pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={self._snapshot}",
                f"--exclude-table-data={SESSIONS}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self._db.pg_env(),
        )
        errors = _drain(self._process.stderr)
        stdout = self._process.stdout
        if stdout is None:
            raise RuntimeError("pg_dump has no output pipe")
        while True:
            block = _read_full(stdout, CHUNK)
            if not block:
                break
            yield block
        if self._process.wait() != 0:
            raise BackupRefused("pg_dump_failed", detail=_first_line(errors.text()))

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        with contextlib.suppress(Exception):
            self._conn.rollback()
        self._conn.close()


@contextlib.contextmanager
def snapshot(db: Database) -> Iterator[Snapshot]:
    taken: _SqliteSnapshot | _PgSnapshot = _SqliteSnapshot(db.name) if db.vendor == SQLITE else _PgSnapshot(db)
    try:
        yield taken
    finally:
        taken.close()


def _read_full(stream: IO[bytes], size: int) -> bytes:
    parts, got = [], 0
    while got < size:
        block = stream.read(size - got)
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts)


class _Drained:
    def __init__(self) -> None:
        self.data = bytearray()
        self.thread: threading.Thread | None = None

    def text(self) -> str:
        if self.thread is not None:
            self.thread.join(timeout=30)
        return self.data.decode("utf-8", "replace")


def _drain(stream: IO[bytes] | None) -> _Drained:
    """Read a child's stderr in a thread, so a chatty child never blocks on a full pipe."""
    drained = _Drained()

    def work() -> None:
        if stream is None:
            return
        for block in iter(lambda: stream.read(65536), b""):
            if len(drained.data) < 65536:
                drained.data.extend(block)

    drained.thread = threading.Thread(target=work, daemon=True)
    drained.thread.start()
    return drained


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0][:300] if lines else "?"


# --- the place a backup goes back into ------------------------------------------------------

EMPTY, TABLES, DATA = "empty", "tables", "data"
# Rows in these mean a deployment's data; rows elsewhere may be what ``migrate`` itself
# writes (content types, permissions, the stages' default settings).
DATA_TABLES = ("vault_vaultconfig", "audit_auditentry", "accounts_user", "people_person")


def contents(db: Database) -> str:
    """``empty`` (no tables), ``data`` (a vault, audit entries, users or people) or ``tables``
    (anything else: a migrated database, say). A restore accepts only ``empty``."""
    if db.vendor == SQLITE:
        path = Path(db.name)
        if not path.exists() or (path.stat().st_size == 0 and not Path(f"{path}-wal").exists()):
            return EMPTY
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                tables = {
                    str(row[0])
                    for row in conn.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                    )
                }
                rows = any(
                    conn.execute(f"SELECT 1 FROM {_quote(t)} LIMIT 1").fetchone()  # noqa: S608 - names from the catalogue, quoted
                    for t in DATA_TABLES
                    if t in tables
                )
            finally:
                conn.close()
        except sqlite3.DatabaseError as error:
            raise BackupRefused("no_database", detail=f"{path}: {error}") from None
    else:
        try:
            conn_pg = db.connect_pg(autocommit=True)
        except Exception as error:  # noqa: BLE001
            raise BackupRefused("no_database", detail=_first_line(str(error))) from None
        try:
            every = conn_pg.execute(
                "SELECT schemaname, tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchall()
            current = str(conn_pg.execute("SELECT current_schema()").fetchone()[0])
            tables = {str(name) for schema, name in every if schema == current} | {f"{s}.{n}" for s, n in every}
            rows = any(
                conn_pg.execute(f"SELECT 1 FROM {_quote(t)} LIMIT 1").fetchone()  # type: ignore[arg-type]  # noqa: S608
                for t in DATA_TABLES
                if t in tables
            )
        finally:
            conn_pg.close()
    if rows:
        return DATA
    return TABLES if tables else EMPTY


def counts(db: Database) -> dict[str, int]:
    """Rows per table of a restored database (to compare with the manifest)."""
    if db.vendor == SQLITE:
        conn = sqlite3.connect(db.name)
        try:
            tables = [
                str(r[0])
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return {t: int(conn.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0]) for t in tables}  # noqa: S608 - names from the catalogue, quoted
        finally:
            conn.close()
    conn_pg = db.connect_pg(autocommit=True)
    try:
        tables = [
            str(r[0])
            for r in conn_pg.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
        ]
        return {
            t: int(conn_pg.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0])  # type: ignore[arg-type]  # noqa: S608
            for t in tables
        }
    finally:
        conn_pg.close()


class Loader:
    """Writes a dump's chunks into an empty database; ``commit`` makes it the database,
    ``abort`` leaves the place as it was (no tables)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._loaded = False  # PostgreSQL: pg_restore committed
        self._committed = False  # SQLite: the file is in place
        if db.vendor == SQLITE:
            self._path = Path(db.name)
            self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._partial = self._path.with_name(self._path.name + ".restoring")
            self._partial.unlink(missing_ok=True)
            fd = os.open(self._partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._file: IO[bytes] | None = os.fdopen(fd, "wb")
            self._process: subprocess.Popen[bytes] | None = None
        else:
            pg_restore = shutil.which("pg_restore")
            if pg_restore is None:
                raise BackupRefused("pg_dump_missing")
            self._file = None
            self._process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
                [
                    pg_restore,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    f"--dbname={db.name}",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=db.pg_env(),
            )
            self._errors = _drain(self._process.stderr)

    def write(self, data: bytes | memoryview) -> None:
        try:
            if self._file is not None:
                self._file.write(data)
            elif self._process is not None and self._process.stdin is not None:
                self._process.stdin.write(data)
        except BrokenPipeError:
            self.abort()
            raise BackupRefused("load_failed", detail=_first_line(self._errors.text())) from None
        except OSError as error:
            self.abort()
            raise BackupRefused("load_failed", detail=str(error)) from None

    def finish(self) -> None:
        """Everything is written: check it loaded (not yet in place for SQLite)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            try:
                conn = sqlite3.connect(self._partial)
                try:
                    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
                    conn.execute("PRAGMA journal_mode = WAL")
                finally:
                    conn.close()
            except sqlite3.DatabaseError as error:
                self.abort()
                raise BackupRefused("load_failed", detail=str(error)) from None
            if result != "ok":
                self.abort()
                raise BackupRefused("load_failed", detail=str(result))
            return
        if self._process is None or self._process.stdin is None:
            raise RuntimeError("pg_restore was not started")
        with contextlib.suppress(BrokenPipeError):
            self._process.stdin.close()
        if self._process.wait() != 0:
            raise BackupRefused("load_failed", detail=_first_line(self._errors.text()))
        self._loaded = True

    def commit(self) -> None:
        if self.db.vendor == SQLITE:
            for suffix in ("-wal", "-shm", "-journal"):  # of the empty database being replaced
                Path(f"{self._path}{suffix}").unlink(missing_ok=True)
            os.replace(self._partial, self._path)
            for suffix in ("-wal", "-shm"):
                Path(f"{self._partial}{suffix}").unlink(missing_ok=True)
            self._committed = True

    def abort(self) -> None:
        """Leave the place with no tables again (it had none before)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self.db.vendor == SQLITE:
            written = self._path if self._committed else self._partial
            for path in (written, Path(f"{written}-wal"), Path(f"{written}-shm")):
                path.unlink(missing_ok=True)
            return
        if self._process is not None and self._process.poll() is None:
            self._process.kill()  # --single-transaction: nothing of it stays
            self._process.wait()
        elif self._loaded:
            drop_all_tables(self.db)


def drop_all_tables(db: Database) -> None:
    """Empty again a PostgreSQL database that a restore filled (it had no tables before)."""
    conn = db.connect_pg(autocommit=True)
    try:
        tables = [
            str(r[0])
            for r in conn.execute(
                "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        ]
        if tables:
            conn.execute(f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE")  # type: ignore[arg-type]
    finally:
        conn.close()


# --- scratch databases for the drill -------------------------------------------------------


def create_scratch_pg(server: Database, name: str) -> Database:
    """A new, empty database on ``server``'s PostgreSQL (needs the CREATEDB right)."""
    conn = server.connect_pg(autocommit=True)
    try:
        conn.execute(f"CREATE DATABASE {_quote(name)}")  # type: ignore[arg-type]
    finally:
        conn.close()
    return replace(server, name=name)


def drop_scratch_pg(server: Database, scratch: Database) -> None:
    conn = server.connect_pg(autocommit=True)
    try:
        conn.execute(f"DROP DATABASE IF EXISTS {_quote(scratch.name)} WITH (FORCE)")  # type: ignore[arg-type]
    finally:
        conn.close()


def pg_exists(server: Database, name: str) -> bool:
    conn = server.connect_pg(autocommit=True)
    try:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    finally:
        conn.close()
