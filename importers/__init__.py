"""Importers: one plugin per source format, registered by name. Importing this package loads them all."""

from importers import template  # noqa: F401  (registers the plugin)
from importers.base import Importer, ImportOptions, detect, get, register, registered

__all__ = ["ImportOptions", "Importer", "detect", "get", "register", "registered"]
