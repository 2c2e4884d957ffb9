"""`handouts layout new`: a commented layout.yaml that extends another layout."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from handouts.errors import HandoutsError
from handouts.output import write_atomic
from handouts.project import IMAGE_TYPES, LAYOUT_NAME, Project

BLANK_PHONE = "______________________"

TEMPLATE = """\
# {title}: a handouts layout. It extends '{parent}': anything not set here comes from there,
# so write only what differs. See what it gives and what to fix with:
#   handouts layout check {name}
#   handouts preview {name}
extends: {parent}
description: {title}

# Your clinic's own name and numbers: nothing here comes from '{parent}'. A blank line is printed
# as a line to write on; 'layout check' warns until you fill it in.
clinic:
  name: {clinic_name}
  phone: {phone}        # shown on every page and in "When to call us"
  {after_hours}
  # address: 1 Main Street, Springfield
  # website: clinic.example
  # emergency_number: "911"

{logo}

# header:
#   style: rule                          # rule (a colored line) or band (a full-width colored band)

# colors:                                # #RRGGBB; check them: text needs 4.5:1 contrast, headings 3:1
#   primary: "#1F3A5F"                   # title, clinic name, header band
#   accent: "#1F3A5F"                    # rules, bullets, numbers
#   heading: "#1F3A5F"                   # section headings
#   text: "#1A1A1A"
#   warning_border: "#000000"
#   warning_background: "#FFF6DB"

# fonts:
#   family: Atkinson Hyperlegible        # designed for low vision; or Helvetica, Times
#   base_size: 13                        # body text in points; 12 or more
#   files: {{regular: MyFont.ttf, bold: MyFont-Bold.ttf}}   # your own TrueType font, in this folder

# large_print: false                     # true: 18 pt text and 1-inch margins for every handout

# page:
#   size: Letter                         # or A4
#   margins_in: {{top: 0.7, bottom: 0.95, left: 1.0, right: 1.0}}

# sections: [what_is_it, before, day_of, after, when_to_call]   # also: risks, benefits, alternatives

# extra_sections:                        # your own sections, placed before or after one of the above
#   - heading: Parking
#     text: Park in the garage on Elm Street. Bring your ticket to the front desk.
#     after: day_of

{qr}# qr:                                    # a QR code, with its address printed beside it
#   url: "https://clinic.example/procedures/{{{{ procedure.code }}}}"
#   label: Watch a short video about your procedure

# rules:                                 # your clinic's protocol, replacing the procedures' values
#   fasting_hours: 8
#   arrive_early_minutes: 45

# timezone: America/New_York             # IANA name; appointment times are computed in it

# record: {{patient_name: false}}         # true: the education record keeps patients' names too

# wording:                               # any standard sentence or heading (see handouts/data/wording/en.yaml)
#   heading_before: Getting ready
"""


LOGO_OWN = """logo:                                    # your logo, copied here
  path: {path}
  width_in: 1.0                          # printed width; a PNG needs 150 pixels per inch of it"""
LOGO_NONE = """logo: null                               # not '{parent}'s logo; to add yours:
# logo:
#   path: logo.png                       # PNG, JPEG or SVG, in this folder
#   width_in: 1.0                        # printed width; a PNG needs 150 pixels per inch of it"""
LOGO_COMMENTED = """# logo:
#   path: logo.png                       # PNG, JPEG or SVG, in this folder
#   width_in: 1.0                        # printed width; a PNG needs 150 pixels per inch of it"""


@dataclass(frozen=True)
class Identity:
    """What makes a layout one clinic's: never taken from the parent layout."""

    name: str | None = None
    phone: str | None = None
    after_hours: str | None = None
    logo: Path | None = None

    def asked(self, ask: Callable[[str], str]) -> Identity:
        """Ask for what was not given (on a terminal); an empty answer leaves a blank to fill in later."""
        answers = {}
        for key, question in (
            ("name", "Clinic name"), ("phone", "Phone number for patients"),
            ("after_hours", "After-hours number (empty: none)"), ("logo", "Logo file (empty: none)"),
        ):
            if getattr(self, key) is None:
                answer = ask(question).strip()
                answers[key] = (Path(answer) if key == "logo" else answer) if answer else None
        return replace(self, **answers)


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def new_layout(project: Project, name: str, parent: str, identity: Identity = Identity()) -> list[Path]:
    """Write layouts/NAME/layout.yaml (and copy the logo); the paths written."""
    if not LAYOUT_NAME.match(name):
        raise HandoutsError(f"layout name {name!r}: use lower-case letters, digits and dashes, e.g. lakeside-ortho")
    folder = project.layouts_dir / name
    if folder.exists():
        raise HandoutsError(f"{project.display(folder)} already exists; choose another name or edit it")
    project.check_writable(folder)
    base = project.layout(parent)  # the parent must exist and be valid
    logo_data = _logo_bytes(identity.logo) if identity.logo is not None else None
    title = " ".join(part.capitalize() for part in name.replace("_", "-").split("-"))
    written = []
    if logo_data is not None:
        logo_path = folder / f"logo{identity.logo.suffix.lower()}"
        write_atomic(logo_path, logo_data, shown=project.display(logo_path))
        written.append(logo_path)
        logo = LOGO_OWN.format(path=logo_path.name)
    else:
        logo = LOGO_NONE.format(parent=parent) if base.layout.logo is not None else LOGO_COMMENTED
    qr = f"qr: null                                 # not '{parent}'s QR code\n" if base.layout.qr is not None else ""
    after_hours = (
        f"after_hours_phone: {_quoted(identity.after_hours)}" if identity.after_hours
        else '# after_hours_phone: "(555) 555-0199"'
    )
    text = TEMPLATE.format(
        name=name, parent=parent, title=title, clinic_name=_quoted(identity.name or title),
        phone=_quoted(identity.phone or BLANK_PHONE), after_hours=after_hours, logo=logo, qr=qr,
    )
    path = folder / "layout.yaml"
    write_atomic(path, text.encode(), shown=project.display(path))
    return [path, *written]


def _logo_bytes(path: Path) -> bytes:
    if path.suffix.lower() not in IMAGE_TYPES:
        raise HandoutsError(f"--logo: {path.name!r} is not a PNG, JPEG or SVG file; export the logo as one")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise HandoutsError(f"--logo: {path}: cannot read it ({exc.strerror})") from None
