"""Deliberate typing errors in identifiers, so importers meet the invalid numbers real files carry."""

from __future__ import annotations

import random

from chronology.identifiers import UPN_ALPHABET, is_valid_nhs_number, is_valid_upn


def mistype_nhs_number(number: str, rng: random.Random) -> str:
    """Swap two neighbouring digits (the commonest keying error); the result always fails modulus 11."""
    while True:
        i = rng.randrange(3, 9)
        digits = list(number)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        written = "".join(digits)
        if written != number and not is_valid_nhs_number(written):
            return written


def mistype_upn(upn: str, rng: random.Random) -> str:
    """Write the wrong check letter, as when a UPN is copied by hand."""
    while True:
        written = rng.choice(UPN_ALPHABET) + upn[1:]
        if not is_valid_upn(written):
            return written
