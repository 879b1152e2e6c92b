"""The DfE SSDA903 code lists (``config/codes/ssda903.toml``), for every importer that meets them.

The 903 importer reads every list; Annex A reads the CIN need codes (N1-N8) for their themes.
A support module, so one plugin never imports another's internals.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chronology.settings import load_config


@cache
def _codes() -> dict[str, dict[str, dict[str, Any]]]:
    return load_config("codes/ssda903")


def code_info(table: str, code: str) -> dict[str, Any] | None:
    """The code list entry (label, themes, flags) for a code, or None when the DfE list lacks it."""
    entry = _codes().get(table, {}).get(code)
    return dict(entry) if entry is not None else None
