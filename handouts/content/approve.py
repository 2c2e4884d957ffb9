"""`handouts approve`: a clinician's sign-off, recorded with a hash of what they approved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from handouts.errors import HandoutsError


def approve(project, code: str, reviewer: str, date: str | None) -> Path:
    from handouts.appointment import parse_date
    from handouts.content.lint import content_hash, lint_procedure, page_hashes
    from handouts.output import write_atomic
    from handouts.yamlio import dump_yaml

    procedure = project.procedure(code, enforce_approval=False)
    path = project.procedure_files()[procedure.code]
    shown = project.display(path)
    report = lint_procedure(procedure, shown)
    blocking = [f for f in report.findings if f.check not in ("draft", "governance")]
    if blocking:
        raise HandoutsError(
            f"{shown}: not approved: lint finds {len(blocking)} problems (first: {blocking[0].key}: "
            f"{blocking[0].message}); run 'handouts lint {procedure.code}' and fix them first"
        )
    if not reviewer.strip():
        raise HandoutsError("--reviewer: give the reviewing clinician's name")
    review = procedure.review.model_copy(update={
        "status": "approved",
        "reviewer": reviewer.strip(),
        "date": parse_date(date, "--date") if date else dt.date.today(),
        "content_hash": content_hash(procedure),
        "page_hashes": page_hashes(procedure),
    })
    approved = procedure.model_copy(update={"review": review})
    write_atomic(path, dump_yaml(approved.to_data()).encode("utf-8"), shown=shown)
    return path
