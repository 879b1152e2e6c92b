"""Escaping CSV cells so a spreadsheet never runs them as formulas (CSV/formula injection)."""

from __future__ import annotations

import re

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def escape_cell(value: object) -> str:
    """Text that starts with = + - @ tab or CR gets a leading apostrophe; a plain signed number stays."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(DANGEROUS_FIRST) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text
