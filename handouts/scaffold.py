"""`handouts layout new`: a commented layout.yaml that extends another layout."""

from __future__ import annotations

from pathlib import Path

from handouts.errors import HandoutsError
from handouts.output import write_atomic
from handouts.project import LAYOUT_NAME, Project

TEMPLATE = """\
# {title}: a handouts layout. It extends '{parent}': anything not set here comes from there,
# so write only what differs. See what it gives and what to fix with:
#   handouts layout check {name}
#   handouts preview {name}
extends: {parent}
description: {title}

clinic:
  name: {title}
  phone: "______________________"        # shown on every page and in "When to call us"
  # address: 1 Main Street, Springfield
  # after_hours_phone: "(555) 555-0199"
  # website: clinic.example
  # emergency_number: "911"

# logo:
#   path: logo.png                       # PNG, JPEG or SVG, in this folder
#   width_in: 1.0                        # printed width; a PNG needs 150 pixels per inch of it

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

# qr:                                    # a QR code, with its address printed beside it
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


def new_layout(project: Project, name: str, parent: str) -> Path:
    if not LAYOUT_NAME.match(name):
        raise HandoutsError(f"layout name {name!r}: use lower-case letters, digits and dashes, e.g. lakeside-ortho")
    folder = project.layouts_dir / name
    if folder.exists():
        raise HandoutsError(f"{project.display(folder)} already exists; choose another name or edit it")
    project.layout(parent)  # the parent must exist and be valid
    title = " ".join(part.capitalize() for part in name.replace("_", "-").split("-"))
    path = folder / "layout.yaml"
    write_atomic(path, TEMPLATE.format(name=name, parent=parent, title=title).encode(), shown=project.display(path))
    return path
