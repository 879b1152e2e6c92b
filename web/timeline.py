"""A child's chronology as a timeline (pages added on this blueprint; each goes through web/access.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("timeline", __name__)
