"""One import of a given file at a time: the second of two concurrent imports of the same bytes is
refused at once with who is importing it, before it writes anything.

Why a lock and not a constraint: importing the same file again later is allowed (it adds nothing,
every record counted as a duplicate) and failed attempts are recorded too, so import_batches may
hold a file's hash many times. What must not happen is two transactions loading it side by side:
on PostgreSQL the second would block on the first's keys and then fail with a unique violation;
on SQLite it would wait for the write lock and fail with "database is locked". The lock is one the
database or the operating system drops by itself when the importing process dies, so an import
killed with SIGKILL never leaves a file that can no longer be imported:

* PostgreSQL: a transaction-level advisory lock keyed on the file's SHA-256, taken with
  ``pg_try_advisory_xact_lock``; the holder puts its actor in ``application_name`` for the
  transaction so the loser can say who holds it.
* SQLite (one machine by its nature): ``flock`` on a small file beside the database, one per file
  hash, held until the import's transaction has committed; the holder writes who and when into it.

SQLite also has one writer at a time for the whole database, so two imports of *different* files
would collide too: the second waits on SQLite's busy timeout and fails with "database is locked"
while the first's long transaction runs. So on SQLite every import (and the analysis refresh after
it) also takes one database-wide ``flock``, waiting for it (``CHRONOLOGY_IMPORT_WAIT_SECONDS``,
default 600) rather than failing: imports of different files run one after the other and both
succeed. Only after that long wait is the import refused, naming the file and who is importing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from chronology.events import ImportFileError

__all__ = ["ImportBusy", "importing_alone", "writing_alone"]

DEFAULT_WAIT_SECONDS = 600.0


class ImportBusy(ImportFileError):
    """The same file is being imported by another session right now (nothing was written)."""


def _pg_key(sha256: str) -> int:
    """The advisory lock key: the hash's first 64 bits as a signed bigint."""
    return int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)


def _busy(file_name: str, sha256: str, holder: str) -> ImportBusy:
    return ImportBusy(
        f"{file_name} is already being imported ({holder}; the same file, SHA-256 {sha256[:12]}…); "
        "nothing was imported from this copy. When that import has finished, importing the file "
        "again would add nothing"
    )


@contextlib.contextmanager
def importing_alone(engine: Engine, file_name: str, sha256: str | None, actor: str) -> Iterator[Connection]:
    """The import's transaction (as ``engine.begin()``), held by this file alone; ImportBusy when
    another session holds the same file. Without a hash (items not read from a file) no lock."""
    if sha256 is None:
        with engine.begin() as conn:
            yield conn
        return
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            _pg_claim(conn, file_name, sha256, actor)
            yield conn
        return
    with _sqlite_claim(engine, file_name, sha256, actor), writing_alone(engine, file_name, actor), engine.begin() as conn:
        yield conn


def _wait_seconds() -> float:
    return float(os.environ.get("CHRONOLOGY_IMPORT_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


@contextlib.contextmanager
def writing_alone(engine: Engine, file_name: str, actor: str, *, wait: bool = True) -> Iterator[bool]:
    """On a SQLite file, the one database-wide writer's turn: wait for any other import (or its
    analysis refresh) to finish, so ours never meets "database is locked". Elsewhere a no-op:
    PostgreSQL lets imports of different files write side by side. Yields whether the turn was
    taken: with ``wait=False`` a busy writer yields False at once instead of waiting."""
    folder = _lock_folder(engine) if engine.dialect.name == "sqlite" else None
    if folder is None:
        yield True
        return
    fd = os.open(folder / "writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + _wait_seconds()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    yield False
                    return
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "another session"
                    raise ImportBusy(
                        f"{file_name}: another import is running into this database ({holder}); "
                        "nothing was imported from this file; try again when it has finished"
                    ) from None
                time.sleep(0.05)
        started = dt.datetime.now(dt.UTC)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{file_name} by {actor}, started {started:%Y-%m-%d %H:%M UTC}".encode(), 0)
        yield True
    finally:
        os.close(fd)  # closing drops the flock


def _pg_claim(conn: Connection, file_name: str, sha256: str, actor: str) -> None:
    key = _pg_key(sha256)
    if conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar():
        conn.execute(text("SELECT set_config('application_name', :name, true)"), {"name": f"import by {actor}"[:63]})
        return
    holder = conn.execute(
        text(
            "SELECT a.application_name, a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low"
        ),
        {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
    ).first()
    who = "by another session"
    if holder is not None and holder[0]:
        who = f"{holder[0].removeprefix('import ')}, started {holder[1].astimezone(dt.UTC):%Y-%m-%d %H:%M UTC}"
    raise _busy(file_name, sha256, who)


def _lock_folder(engine: Engine) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    folder = Path(database).resolve().parent / f".{Path(database).name}.import-locks"
    folder.mkdir(exist_ok=True)
    return folder


@contextlib.contextmanager
def _sqlite_claim(engine: Engine, file_name: str, sha256: str, actor: str) -> Iterator[None]:
    folder = _lock_folder(engine)
    if folder is None:  # an in-memory database has one connection: nothing to race with
        yield
        return
    path = folder / f"{sha256}.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 500, 0).decode("utf-8", "replace").strip() or "by another session"
            os.close(fd)
            raise _busy(file_name, sha256, holder) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a file the last holder removed while this one was opening it
            break
        os.close(fd)
    try:
        started = dt.datetime.now(dt.UTC)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"by {actor}, started {started:%Y-%m-%d %H:%M UTC}".encode(), 0)
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # while still held, so a waiter that opened it sees it was removed
        os.close(fd)
