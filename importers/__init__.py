"""Importers: one plugin per source format, registered by name.

Importing this package imports every module in it, so a plugin registers itself just by living
here with ``@register`` on its class (no list to keep in step).
"""

import importlib
import pkgutil

from importers.base import Importer, ImportOptions, detect, get, nearest_refusal, register, registered

_SUPPORT_MODULES = {"base", "dfe_codes", "project_rows", "refusals", "table_rows", "tabular", "xml_records", "xml_safety"}

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _SUPPORT_MODULES and not _module.name.startswith("_"):
        importlib.import_module(f"importers.{_module.name}")

__all__ = ["ImportOptions", "Importer", "detect", "get", "nearest_refusal", "register", "registered"]
