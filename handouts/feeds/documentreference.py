"""A personal handout as a FHIR R4 DocumentReference, ready to attach to the patient's chart.

Built as plain JSON, validated with the R4B model of `fhir.resources`, and written from the model,
so what is written is what validated. The PDF travels inside as a base64 attachment; its hash is
base64 SHA-1, as R4 defines `Attachment.hash`. Each procedure's content version, review status and
content hash go in an extension (FHIR's place for data the base resource has no element for).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path
from typing import Any

from handouts.errors import HandoutsError
from handouts.output import write_atomic

# The extension's definition; a clinic publishing a profile would point this at its own server.
EXTENSION_URL = "http://handouts.example.org/fhir/StructureDefinition/procedure-content"
EDUCATION_NOTE = {"system": "http://loinc.org", "code": "34895-3", "display": "Education note"}
CATEGORY = {
    "system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
    "code": "clinical-note",
    "display": "Clinical Note",
}


def document_reference(made):
    """The DocumentReference (an R4B model, validated) of a `pipeline.Made` handout."""
    from handouts.merge import combine

    combined = combine(list(made.procedures))  # titled as the handout is: after the code that leads
    codes = ", ".join(p.code for p in made.procedures)
    title = f"{combined.title} ({combined.lead.code_system} {codes})"
    data: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "extension": [_content_extension(entry) for entry in _procedure_entries(made)],
        "masterIdentifier": {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_OID, 'handouts.pdf.sha256.' + made.sha256)}",
        },
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [EDUCATION_NOTE], "text": "Patient education handout"},
        "category": [{"coding": [CATEGORY]}],
        "date": made.made_at,
        "custodian": {"display": made.layout.layout.clinic.name},
        "description": f"Preparation and recovery handout: {title}",
        "content": [{"attachment": {
            "contentType": "application/pdf",
            "language": made.appointment.language or "en",
            "data": base64.b64encode(made.pdf).decode("ascii"),
            "size": len(made.pdf),
            "hash": base64.b64encode(hashlib.sha1(made.pdf).digest()).decode("ascii"),
            "title": title,
            "creation": made.made_at,
        }}],
        "context": {"related": [_appointment(made)], "period": {"start": _start(made)}},
    }
    subject = _subject(made.source)
    if subject:
        data["subject"] = subject
    return validated(data)


def validated(data: dict[str, Any]):
    from fhir.resources.R4B.documentreference import DocumentReference
    from pydantic import ValidationError

    from handouts.feeds.fhir import first_problem

    try:
        model = DocumentReference.model_validate(data)
    except ValidationError as exc:
        raise HandoutsError(f"--fhir-out: the DocumentReference does not validate: {first_problem(exc)}") from None
    return model


def _procedure_entries(made):
    from handouts.record import procedure_entries

    return procedure_entries(made.procedures)


def _content_extension(entry) -> dict[str, Any]:
    parts = [
        {"url": "code", "valueCode": entry.code},
        {"url": "contentVersion", "valueString": entry.content_version},
        {"url": "reviewStatus", "valueCode": entry.review_status},
        {"url": "contentSha256", "valueString": entry.content_sha256},
    ]
    if entry.review_date:
        parts.append({"url": "reviewDate", "valueDate": entry.review_date})
    return {"url": EXTENSION_URL, "extension": parts}


def _subject(source) -> dict[str, Any] | None:
    if source.format == "fhir" and source.patient_ref and "#" not in source.patient_ref:
        return {"reference": source.patient_ref}
    if source.patient_identifier:  # HL7, or a Patient contained in the Appointment: by identifier
        value, system, assigner = source.patient_identifier
        identifier: dict[str, Any] = {"value": value}
        if system:
            identifier["system"] = system
        if assigner:
            identifier["assigner"] = {"display": assigner}
        return {"type": "Patient", "identifier": identifier}
    return None


def _appointment(made) -> dict[str, Any]:
    ref = made.source.appointment_ref
    if made.source.format == "fhir" and ref and ref.startswith("Appointment/"):
        return {"reference": ref}
    return {"type": "Appointment", "identifier": {"value": made.appointment.appointment_id}}


def _start(made) -> str:
    from handouts.appointment import local_start, zone

    appointment = made.appointment
    tz = zone(appointment.timezone or made.layout.layout.timezone, "timezone")
    return local_start(appointment.date, appointment.time, tz, "the appointment time").isoformat()


class DocumentWriter:
    """--fhir-out DIR: one DocumentReference JSON per handout, owner-only, named like its PDF."""

    what = "DocumentReferences"

    def __init__(self, project, folder: Path):
        self.project = project
        self.folder = folder
        self.written: list[Path] = []

    def __call__(self, made) -> None:
        model = document_reference(made)
        appointment = made.appointment
        when = appointment.appointment_id or appointment.time.strftime("%H%M")
        path = self.folder / f"{appointment.date.isoformat()}-{when}.json"
        text = model.model_dump_json(indent=2)
        write_atomic(path, text.encode("utf-8"), private=True, shown=self.project.display(path))
        self.written.append(path)
