"""What a procedure code looks like (CPT: five digits, or four and F/T/U; HCPCS: a letter and four
digits), without the schema's pydantic: a no-change library build checks thousands of manifest
entries with it and renders nothing, so it should not pay for pydantic (~85 ms)."""

from __future__ import annotations

import re

CODE_PATTERN = re.compile(r"^(\d{4}[0-9FTU]|[A-Z]\d{4})$")
