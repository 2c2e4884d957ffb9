"""The education record's SQLite file: opening it safely, and its versioned schema.

- Owner-only: the file is created 0600 before SQLite opens it; SQLite gives its -wal and -shm
  files the database file's permissions.
- Crash-safe: write-ahead log, synchronous=FULL, one transaction per handout. A process killed at
  any moment leaves the last committed handout in place and the file consistent.
- Concurrent: two schedules at once both record; a writer waits for the other (busy_timeout)
  instead of failing, and writers take the lock at BEGIN IMMEDIATE so they never deadlock.
- Versioned: PRAGMA user_version is the number of migrations applied; opening a file applies the
  missing ones in one transaction. A file from a newer handouts is refused, never changed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from handouts.errors import HandoutsError

FILE_NAME = "education-record.sqlite3"
BUSY_TIMEOUT_MS = 30_000

# Each migration is a list of statements; never edit one that has shipped, append a new one.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE handouts (
            id INTEGER PRIMARY KEY,
            made_at TEXT NOT NULL,            -- UTC, ISO 8601
            program TEXT NOT NULL,            -- render | schedule | serve
            source_format TEXT NOT NULL,      -- csv | fhir | hl7 | file | cli
            appointment_id TEXT,
            appointment_ref TEXT,             -- as the source names it: Appointment/apt-1, SCH-2 F1
            patient_ref TEXT,                 -- as the source names it: Patient/p1, MRN100^^^RSH^MR
            patient_name TEXT,                -- only when the layout's record.patient_name is on
            appointment_start TEXT,           -- local time with its offset
            codes TEXT NOT NULL,              -- space-separated
            layout TEXT NOT NULL,
            language TEXT NOT NULL,
            pdf_sha256 TEXT NOT NULL,
            pages INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            tool_version TEXT NOT NULL,
            file TEXT                         -- where it was written, relative to the project
        )""",
        "CREATE INDEX handouts_by_sha256 ON handouts (pdf_sha256)",
        "CREATE INDEX handouts_by_appointment ON handouts (appointment_id)",
        "CREATE INDEX handouts_by_time ON handouts (made_at)",
        """CREATE TABLE handout_procedures (
            handout_id INTEGER NOT NULL REFERENCES handouts (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            code TEXT NOT NULL,
            title TEXT NOT NULL,
            content_version TEXT NOT NULL,
            review_status TEXT NOT NULL,
            review_date TEXT,
            content_sha256 TEXT NOT NULL,
            PRIMARY KEY (handout_id, position)
        )""",
    ],
]


def path_in(output_dir: Path) -> Path:
    return output_dir / FILE_NAME


def connect(path: Path, shown: str | None = None) -> sqlite3.Connection:
    shown = shown or str(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # owner-only before SQLite touches it
        if path.stat().st_mode & 0o077:  # a copy restored with the usual permissions
            os.chmod(path, 0o600)
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    except OSError as exc:
        raise HandoutsError(f"{shown}: cannot open the education record ({exc.strerror})") from None
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        migrate(connection, shown)
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise HandoutsError(
            f"{shown}: not a readable education record ({exc}); restore it from a backup or move it aside"
        ) from None
    return connection


def version(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


def migrate(connection: sqlite3.Connection, shown: str, migrations: list[list[str]] | None = None) -> None:
    migrations = MIGRATIONS if migrations is None else migrations
    if version(connection) == len(migrations):
        return
    connection.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file right now
    try:
        current = version(connection)
        if current > len(migrations):
            raise HandoutsError(
                f"{shown}: made by a newer handouts (schema version {current}, this one knows "
                f"{len(migrations)}); upgrade handouts to read it"
            )
        for statements in migrations[current:]:
            for statement in statements:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {len(migrations)}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
