"""Stable pseudonyms for children in cohort views (audit panels see patterns, not names).

A keyed hash of the child's id with the service's secret key: the same child keeps the same
pseudonym across pages, and nobody without the key can turn it back into the child.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app


def pseudonym(person_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"child:{person_id}".encode(), hashlib.sha256).hexdigest()
    return f"Child-{digest[:8].upper()}"
