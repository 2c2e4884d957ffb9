"""The education record as people and programs read it: a table, CSV or JSON; and `verify`."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from pathlib import Path

from handouts.errors import HandoutsError
from handouts.record import Entry

FORMATS = ("text", "csv", "json")
CSV_COLUMNS = (
    "id", "made_at", "program", "source_format", "appointment_id", "appointment_ref", "patient_ref",
    "patient_name", "appointment_start", "codes", "layout", "language", "procedures", "pdf_sha256",
    "pages", "bytes", "tool_version", "file",
)


def since_utc(text: str) -> str:
    """A day (YYYY-MM-DD, this computer's time zone) as the first UTC instant of it, as recorded."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise HandoutsError(f"--since: {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01")
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise HandoutsError(f"--since: {text!r} is not a real date; write it as YYYY-MM-DD") from None
    local = dt.datetime.combine(day, dt.time()).astimezone()
    return local.astimezone(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def contents(entry: Entry) -> str:
    """'01992 v1 draft; 77003 v2 approved'."""
    return "; ".join(f"{p.code} v{p.content_version} {p.review_status}" for p in entry.procedures)


def render(entries: list[Entry], form: str) -> str:
    if form not in FORMATS:
        raise HandoutsError(f"--format: {form!r} is not known; use text, csv or json")
    if form == "json":
        return json.dumps([e.to_json() for e in entries], indent=2, ensure_ascii=False) + "\n"
    if form == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for entry in entries:
            data = entry.to_json()
            data["codes"] = " ".join(entry.codes)
            data["procedures"] = contents(entry)
            writer.writerow(["" if data[c] is None else data[c] for c in CSV_COLUMNS])
        return buffer.getvalue()
    return _table(entries)


def _table(entries: list[Entry]) -> str:
    if not entries:
        return "no handouts on record\n"
    rows = [("made (UTC)", "program", "appointment", "patient", "codes", "layout", "lang", "content", "pages", "sha256")]
    for e in entries:
        rows.append((
            e.made_at[:16].replace("T", " "), e.program, e.appointment_id or "", e.patient_ref or "",
            " ".join(e.codes), e.layout, e.language, contents(e), str(e.pages), e.pdf_sha256[:12],
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n" for row in rows)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise HandoutsError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise HandoutsError(f"{path}: is a folder; give a PDF file") from None
    return digest.hexdigest()


def verified(shown: str, sha256: str, entries: list[Entry]) -> str:
    """What the clinic gave, for a PDF whose bytes match the record."""
    lines = [f"{shown}: recognized: a handout on record, made {len(entries)} time(s) (sha256 {sha256})"]
    for e in entries:
        lines.append(f"  made {e.made_at} by {e.program} (record {e.id}), handouts {e.tool_version}")
        appointment = e.appointment_id or "-"
        if e.appointment_ref:
            appointment += f" ({e.appointment_ref})"
        lines.append(f"  appointment {appointment}, patient {e.patient_ref or '-'}, starting {e.appointment_start}")
        lines.append(f"  codes {' '.join(e.codes)}, layout {e.layout}, language {e.language}, {e.pages} pages")
        for p in e.procedures:
            reviewed = f", reviewed {p.review_date}" if p.review_date else ""
            lines.append(
                f"  {p.code} {p.title}: content version {p.content_version}, {p.review_status}{reviewed}, "
                f"content sha256 {p.content_sha256}"
            )
    return "\n".join(lines)
