"""Escaping CSV cells so a spreadsheet never runs them as formulas (CSV/formula injection)."""

from __future__ import annotations

import re

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def escape_cell(value: object) -> str:
    """Text that starts with = + - @ tab or CR gets a leading apostrophe; a plain signed number stays.

    Text that already starts with an apostrophe before one of those (or before another apostrophe)
    gets one more, so the template importer, which removes exactly one, gives back the original.
    """
    if value is None:
        return ""
    text = str(value)
    if text.startswith(DANGEROUS_FIRST) and not PLAIN_NUMBER.match(text):
        return "'" + text
    if text.startswith("'") and len(text) > 1 and (text[1] in DANGEROUS_FIRST or text[1] == "'"):
        return "'" + text
    return text
