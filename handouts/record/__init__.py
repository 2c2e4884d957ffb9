"""The education record: one entry per personal handout made, in output/education-record.sqlite3.

Clinics must document the education they give (Joint Commission PC.02.03.01), and years later be
able to say which version of a handout a patient received. Every program that makes a personal
handout (render with an appointment, schedule, the front-desk page) records it through
`pipeline.record_personal`, which calls `add` here. An entry names the appointment and patient as
the source gives them, never the patient's name unless the clinic's layout turns that on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from handouts.errors import HandoutsError
from handouts.record import db

_connections: dict[tuple[int, str], sqlite3.Connection] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class ProcedureEntry:
    code: str
    title: str
    content_version: str
    review_status: str
    review_date: str | None
    content_sha256: str


@dataclass(frozen=True)
class Entry:
    made_at: str
    program: str
    source_format: str
    appointment_id: str | None
    appointment_ref: str | None
    patient_ref: str | None
    patient_name: str | None
    appointment_start: str | None
    codes: tuple[str, ...]
    layout: str
    language: str
    pdf_sha256: str
    pages: int
    bytes: int
    tool_version: str
    file: str | None
    procedures: tuple[ProcedureEntry, ...] = ()
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["codes"] = list(self.codes)
        data["procedures"] = [asdict(p) for p in self.procedures]
        return data


def content_sha256(procedure) -> str:
    """A procedure's content, hashed as validated data: a comment or a re-indented YAML file keeps
    the hash; any change a patient could read changes it."""
    data = procedure.model_dump(mode="json")
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def procedure_entries(procedures) -> tuple[ProcedureEntry, ...]:
    return tuple(
        ProcedureEntry(
            code=p.code,
            title=p.title,
            content_version=p.review.content_version,
            review_status=p.review.status,
            review_date=p.review.date.isoformat() if p.review.date else None,
            content_sha256=content_sha256(p),
        )
        for p in procedures
    )


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def connection(output_dir: Path, shown: str | None = None) -> sqlite3.Connection:
    """One connection per process and file (a schedule records hundreds of handouts through it)."""
    path = db.path_in(output_dir)
    key = (os.getpid(), str(path.resolve()))
    with _lock:
        if key not in _connections or not path.exists():
            _connections[key] = db.connect(path, f"{shown}/{db.FILE_NAME}" if shown else None)
        return _connections[key]


def add(output_dir: Path, entry: Entry, shown: str | None = None) -> int:
    """Record one handout in one transaction; returns its id."""
    conn = connection(output_dir, shown)
    columns = [name for name in Entry.__dataclass_fields__ if name not in ("procedures", "id")]
    values = [" ".join(entry.codes) if name == "codes" else getattr(entry, name) for name in columns]
    with _lock:
        try:
            conn.execute("BEGIN IMMEDIATE")
            cursor = conn.execute(
                f"INSERT INTO handouts ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", values
            )
            handout_id = cursor.lastrowid
            conn.executemany(
                "INSERT INTO handout_procedures VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(handout_id, n, *asdict(p).values()) for n, p in enumerate(entry.procedures)],
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            where = f"{shown}/{db.FILE_NAME}" if shown else db.path_in(output_dir)
            raise HandoutsError(f"{where}: cannot record the handout ({exc})") from None
    return handout_id


def forget(output_dir: Path, handout_id: int) -> None:
    """Take back an entry whose file could not be written (the handout was never given)."""
    conn = connection(output_dir)
    with _lock:
        conn.execute("DELETE FROM handouts WHERE id = ?", (handout_id,))


@dataclass
class Query:
    appointment_id: str | None = None
    since: str | None = None  # UTC ISO 8601
    pdf_sha256: str | None = None


def entries(output_dir: Path, query: Query | None = None, shown: str | None = None) -> list[Entry]:
    """Entries in the order they were made. A project with no record yet has none (no file is made)."""
    if not db.path_in(output_dir).exists():
        return []
    query = query or Query()
    clauses, values = [], []
    for column, value, op in (
        ("appointment_id", query.appointment_id, "="),
        ("made_at", query.since, ">="),
        ("pdf_sha256", query.pdf_sha256, "="),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            values.append(value)
    conn = connection(output_dir, shown)
    with _lock:
        rows = conn.execute(
            "SELECT * FROM handouts" + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY id", values
        ).fetchall()
        names = [d[0] for d in conn.execute("SELECT * FROM handouts LIMIT 0").description]
        procedures: dict[int, list[ProcedureEntry]] = {}
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), 500):  # SQLite limits the number of parameters
            chunk = ids[start : start + 500]
            for row in conn.execute(
                f"SELECT * FROM handout_procedures WHERE handout_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY handout_id, position",
                chunk,
            ):
                procedures.setdefault(row[0], []).append(ProcedureEntry(*row[2:]))
    out = []
    for row in rows:
        data = dict(zip(names, row))
        data["codes"] = tuple(data["codes"].split())
        out.append(Entry(**data, procedures=tuple(procedures.get(data["id"], ()))))
    return out


def integrity(output_dir: Path) -> str:
    conn = connection(output_dir)
    with _lock:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
