"""A FHIR R4 Bundle (JSON) of Appointments -> schedule rows.

Each Appointment is validated on its own with the R4B models of `fhir.resources` (R4B is the
library's model set for R4 servers), so one malformed resource fails only its own row. Patients,
practitioners and locations are found contained in the Appointment, elsewhere in the Bundle (by
`Type/id` or `fullUrl`), or left as a bare reference (the handout then has a line for the name).
The library costs ~0.4 s to import, so this module is imported only when a FHIR file is read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

from handouts.errors import HandoutsError
from handouts.feeds.rows import FeedRow, Rows, Source, failed, language_tag, local_fields, read_bounded

CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = (
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "urn:oid:2.16.840.1.113883.6.285",
    "urn:oid:2.16.840.1.113883.6.14",
)
CODE_SYSTEMS = (CPT, "urn:oid:2.16.840.1.113883.6.12", *HCPCS)
STATUSES = {
    "proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow", "entered-in-error",
    "checked-in", "waitlist",
}
SKIPPED = ("cancelled", "noshow", "entered-in-error")
EXAMPLES = {
    "instant": " (a time with its offset, e.g. 2026-12-03T07:45:00-05:00)",
    "datetime": " (e.g. 2026-12-03T07:45:00-05:00)",
    "date": " (e.g. 2026-12-03)",
}


def read_bundle(path: Path, clinic_zone: Callable[[], str]) -> Rows:
    data = _load(path)
    entries = _entries(path, data)
    index = _index(entries)
    rows = Rows()
    appointments = [(n, e["resource"]) for n, e in entries if e["resource"].get("resourceType") == "Appointment"]
    if not appointments:
        raise HandoutsError(f"{path}: the Bundle holds no Appointment resources; nothing to print")
    for number, raw in appointments:
        source = Source("fhir", appointment_ref=_own_reference(raw, number))
        status = raw.get("status")
        if status in SKIPPED:
            rows.skipped.append(f"{source.appointment_ref} ({status})")
            continue
        try:
            rows.add(number, _row(raw, source, index, clinic_zone))
        except ValueError as exc:
            rows.add(*failed(number, source, source.appointment_ref, str(exc)))
    return rows


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_bounded(path, "FHIR Bundle").decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise HandoutsError(f"{path}: not UTF-8 text; FHIR JSON is UTF-8") from None
    except json.JSONDecodeError as exc:
        raise HandoutsError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); export the Bundle again"
        ) from None
    except RecursionError:
        raise HandoutsError(f"{path}: JSON nested too deeply to be a FHIR Bundle") from None
    if not isinstance(data, dict) or data.get("resourceType") not in ("Bundle", "Appointment"):
        raise HandoutsError(f"{path}: not a FHIR Bundle (resourceType must be Bundle, or one Appointment)")
    return data


def _entries(path: Path, data: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The Bundle's entries, numbered from 1; the Bundle itself is checked without its resources."""
    if data["resourceType"] == "Appointment":
        return [(1, {"resource": data})]
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    entries = data.get("entry") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise HandoutsError(f"{path}: Bundle.entry must be a list of entries")
    shell = {**data, "entry": [{k: v for k, v in e.items() if k != "resource"} for e in entries]}
    try:
        Bundle.model_validate(shell)
    except ValidationError as exc:
        raise HandoutsError(f"{path}: Bundle: {first_problem(exc)}") from None
    return [(n, e) for n, e in enumerate(entries, start=1) if isinstance(e.get("resource"), dict)]


def _index(entries: list[tuple[int, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each resource of the Bundle by `Type/id` and by its fullUrl."""
    index: dict[str, dict[str, Any]] = {}
    for _, entry in entries:
        resource = entry.get("resource") or {}
        if resource.get("id") and resource.get("resourceType"):
            index[f"{resource['resourceType']}/{resource['id']}"] = resource
        if isinstance(entry.get("fullUrl"), str):
            index[entry["fullUrl"]] = resource
    return index


def _own_reference(raw: dict[str, Any], number: int) -> str:
    ident = raw.get("id")
    if isinstance(ident, str) and re.fullmatch(r"[A-Za-z0-9.-]{1,64}", ident):  # FHIR's id: never free text
        return f"Appointment/{ident}"
    return f"Appointment in entry {number}"


def first_problem(exc) -> str:
    """The first validation problem by place and kind, never by value: a value may be a name."""
    from handouts.schema import format_loc

    errors = exc.errors()
    error = errors[0]
    message = error["msg"].removeprefix("Value error, ").rstrip(".")
    kind = re.match(r"(\w+) value string does not match spec regex", message)
    if kind:
        message = f"not a valid FHIR {kind.group(1).lower()}" + EXAMPLES.get(kind.group(1).lower(), "")
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{format_loc(tuple(error['loc']))}: {message[:1].lower()}{message[1:]}{more}"


def _validated(model, raw: dict[str, Any], what: str):
    from pydantic import ValidationError

    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"{what} is malformed: {first_problem(exc)}") from None


def _row(raw: dict[str, Any], source: Source, index: dict, clinic_zone: Callable[[], str]) -> FeedRow:
    from fhir.resources.R4B.appointment import Appointment

    appointment = _validated(Appointment, raw, "the resource")
    if appointment.status not in STATUSES:
        raise ValueError("status is not an Appointment status (booked, arrived, pending, ...)")
    codes = _codes(appointment)
    missing = [what for what, absent in (
        ("no start time (Appointment.start)", appointment.start is None),
        ("no CPT or HCPCS code (a coding of serviceType, appointmentType or reasonCode with system "
         f"{CPT} or HCPCS)", not codes),
    ) if absent]
    if missing:
        raise ValueError(" and ".join(missing) + "; add it in the EHR and export again")
    values: dict[str, str] = {"appointment_id": appointment.id or _identifier(appointment), "codes": " ".join(codes)}
    patient_ref, identifier = None, None
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is None:
            continue
        kind, resource = _resolve(actor.reference, raw, index)
        kind = kind or (actor.type or "")
        if kind == "Patient" and patient_ref is None:
            patient_ref = actor.reference
            if patient_ref and patient_ref.startswith("#"):  # contained: named through its Appointment
                patient_ref = f"{source.appointment_ref}{patient_ref}"
                identifier = _first_identifier(resource)
            values.update(_patient(resource, actor.display, actor.reference))
        elif kind in ("Practitioner", "PractitionerRole") and not values.get("provider"):
            values["provider"] = _practitioner(resource, actor) or ""
        elif kind == "Location" and not values.get("location"):
            values["location"] = _location(resource, actor) or ""
    values.update(local_fields(appointment.start, clinic_zone()))
    minutes = appointment.minutesDuration or (
        int((appointment.end - appointment.start).total_seconds() // 60) if appointment.end else None
    )
    return FeedRow(values, Source("fhir", patient_ref, identifier, source.appointment_ref, minutes), source.appointment_ref)


def _identifier(appointment) -> str:
    for identifier in appointment.identifier or []:
        if identifier.value:
            return identifier.value
    raise ValueError("has no id and no identifier; give it one (it names the handout's file)")


def _first_identifier(raw: dict | None) -> tuple[str, str | None, None] | None:
    for identifier in (raw or {}).get("identifier") or []:
        if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
            system = identifier.get("system")
            return identifier["value"], system if isinstance(system, str) else None, None
    return None


def _codes(appointment) -> list[str]:
    concepts = [*(appointment.serviceType or []), appointment.appointmentType, *(appointment.reasonCode or [])]
    codes: list[str] = []
    for concept in concepts:
        for coding in (concept.coding if concept is not None else None) or []:
            if coding.system in CODE_SYSTEMS and coding.code and coding.code not in codes:
                codes.append(coding.code)
    return codes


def _resolve(reference: str | None, raw: dict[str, Any], index: dict) -> tuple[str | None, dict | None]:
    """(resource type, the raw resource or None) for a reference: contained, in the Bundle, or neither."""
    if not reference:
        return None, None
    if reference.startswith("#"):
        for contained in raw.get("contained") or []:
            if isinstance(contained, dict) and contained.get("id") == reference[1:]:
                return contained.get("resourceType"), contained
        raise ValueError(f"refers to contained resource {reference} that it does not contain")
    resource = index.get(reference)
    if resource is None:  # an absolute URL whose Type/id tail is in the Bundle, or an outside reference
        parts = reference.rstrip("/").split("/")
        tail = "/".join(parts[-2:]) if len(parts) >= 2 else reference
        resource = index.get(tail)
        kind = parts[-2] if len(parts) >= 2 else None
        return (resource or {}).get("resourceType", kind), resource
    return resource.get("resourceType"), resource


def _patient(raw: dict | None, display: str | None, reference: str | None) -> dict[str, str]:
    """Name and preferred language; a Patient known only by reference gives its display, if any."""
    if raw is None:
        return {"patient": display or ""}
    from fhir.resources.R4B.patient import Patient

    patient = _validated(Patient, raw, f"its patient {reference}")
    values = {"patient": _human_name(patient.name) or display or ""}
    communications = patient.communication or []
    chosen = next((c for c in communications if c.preferred), communications[0] if communications else None)
    if chosen is not None:
        concept = chosen.language
        codes = [c.code for c in concept.coding or [] if c.code] + ([concept.text] if concept.text else [])
        tag = next((t for t in map(language_tag, codes) if t), None)
        if tag is None:
            raise ValueError(f"its patient {reference}: communication.language is not a language code (like es or en-US)")
        values["language"] = tag
    return values


def _human_name(names) -> str | None:
    if not names:
        return None
    name = next((n for n in names if n.use == "usual"), None) or next((n for n in names if n.use == "official"), names[0])
    if name.text:
        return name.text
    return " ".join([*(name.given or []), name.family or ""]).strip() or None


def _practitioner(raw: dict | None, actor) -> str | None:
    if raw is None or raw.get("resourceType") != "Practitioner":
        return actor.display
    from fhir.resources.R4B.practitioner import Practitioner

    practitioner = _validated(Practitioner, raw, f"its practitioner {actor.reference}")
    names = practitioner.name or []
    if names and not names[0].text and names[0].prefix and names[0].family:
        return f"{' '.join(names[0].prefix)} {names[0].family}"  # "Dr. Chen", as a schedule writes it
    return _human_name(names) or actor.display


def _location(raw: dict | None, actor) -> str | None:
    if raw is None:
        return actor.display
    from fhir.resources.R4B.location import Location

    return _validated(Location, raw, f"its location {actor.reference}").name or actor.display
