"""Checking and making the national identifiers used to match a child across agencies.

Records from health, schools, police and social care are joined on the NHS number and the
DfE Unique Pupil Number (UPN). A mistyped identifier would silently join two children's
histories, or split one child's, so every identifier is checked with its check character before
it is trusted for matching, and the reason for a failure is given in words a data officer can
act on. The generators make valid numbers for synthetic data only.

NHS number (modulus 11): ten digits; multiply the first nine by 10, 9, ... 2, add them up and
take 11 minus the remainder on dividing by 11. A result of 11 means check digit 0; a result of 10
means no valid number has those first nine digits. Numbers with all ten digits the same
(0000000000, 1111111111, ...) pass that test but are never issued, so they are refused too.

UPN (DfE "Unique Pupil Numbers" guidance; also the CBDS validation rule 1510): thirteen
characters, a check letter then twelve characters: LA code (3 digits), establishment number
(4 digits), the last two digits of the year of issue, and a 3-character serial whose last
character is a letter for a temporary UPN. Multiply characters 2 to 13 by their positions 2 to 13
(a letter in position 13 counts as its place in the check alphabet below, A=0 ... Z=22), add
them up, take the remainder on dividing by 23 and look it up in ``ABCDEFGHJKLMNPQRTUVWXYZ``
(the alphabet without I, O and S, which are never used).
"""

from __future__ import annotations

import random

__all__ = [
    "UPN_ALPHABET",
    "is_valid_nhs_number",
    "is_valid_upn",
    "make_nhs_number",
    "make_upn",
    "nhs_check_digit",
    "nhs_number_problem",
    "normalise_nhs_number",
    "normalise_upn",
    "upn_check_letter",
    "upn_problem",
    "upn_temporary_letter_value",
]

_DIGITS = "0123456789"  # str.isdigit() would also accept '²' and other scripts' digits
_SEPARATORS = " -"
_NHS_WEIGHTS = range(10, 1, -1)  # 10, 9, ..., 2 for the first nine digits
UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # index = value for the check letter and a final letter


def _is_digits(text: str) -> bool:
    return bool(text) and all(char in _DIGITS for char in text)


def _clean(value: str) -> str:
    """Drop surrounding and separating whitespace and hyphens, the way people write numbers."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return "".join(char for char in text if not char.isspace() and char not in _SEPARATORS)


# --- NHS number -------------------------------------------------------------------------------


def normalise_nhs_number(value: str) -> str:
    """The number with its spaces and hyphens removed ("943 476 5919" -> "9434765919").

    Only separators are removed: any other character is kept, so nhs_number_problem can report
    it instead of a stray letter being quietly dropped.
    """
    return _clean(value)


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit the first nine digits require, or None when no valid number starts so.

    Raises ValueError unless given exactly nine digits (separators allowed).
    """
    digits = _clean(first_nine)
    if len(digits) != 9 or not _is_digits(digits):
        raise ValueError(f"expected the first nine digits of an NHS number, got {first_nine!r}")
    total = sum(int(digit) * weight for digit, weight in zip(digits, _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_problem(value: str) -> str | None:
    """None for a valid NHS number, otherwise why it is not one, in words."""
    digits = normalise_nhs_number(value)
    if not digits:
        return "no NHS number given"
    bad = [char for char in digits if char not in _DIGITS]
    if bad:
        return f"must be digits only, found '{bad[0]}'"
    if len(digits) != 10:
        return f"must be 10 digits, got {len(digits)}"
    if len(set(digits)) == 1:
        return f"{digits} is not an issued NHS number (all ten digits are the same)"
    expected = nhs_check_digit(digits[:9])
    if expected is None:
        return (
            "cannot be an NHS number: its first nine digits give a check value of 10, which is never issued"
        )
    if expected != int(digits[9]):
        return f"check digit should be {expected}, not {digits[9]}"
    return None


def is_valid_nhs_number(value: str) -> bool:
    """True when the value is a well-formed NHS number with the right check digit."""
    return nhs_number_problem(value) is None


def make_nhs_number(rng: random.Random) -> str:
    """A random valid NHS number in 999 000 0000 to 999 999 9999, the range kept for test data.

    Real numbers are never issued in that range, so synthetic records cannot collide with a real
    child's.
    """
    # Step on from a random start rather than redrawing, so even a degenerate rng finishes:
    # at most one in eleven prefixes has no check digit, and only 9999999999 is all one digit.
    start = rng.randrange(1_000_000)
    for step in range(1_000_000):
        first_nine = f"999{(start + step) % 1_000_000:06d}"
        check = nhs_check_digit(first_nine)
        if check is not None and nhs_number_problem(f"{first_nine}{check}") is None:
            return f"{first_nine}{check}"
    raise AssertionError("unreachable: the 999 range holds valid numbers")  # pragma: no cover


# --- Unique Pupil Number ----------------------------------------------------------------------


def normalise_upn(value: str) -> str:
    """The UPN in upper case with spaces and hyphens removed (input is case-insensitive)."""
    return _clean(value).upper()


def upn_temporary_letter_value(letter: str) -> int:
    """The value a letter in position 13 (a temporary UPN) takes in the check-letter sum."""
    index = UPN_ALPHABET.find(letter.upper()) if len(letter) == 1 else -1
    if index < 0:
        raise ValueError(f"{letter!r} is not a letter used in UPNs (A to Z without I, O and S)")
    return index


def upn_check_letter(last_twelve: str) -> str:
    """The check letter for the twelve characters after it (11 digits, then a digit or letter).

    Raises ValueError if the twelve characters are not of that form.
    """
    body = normalise_upn(last_twelve)
    if len(body) != 12 or not _is_digits(body[:11]):
        raise ValueError(f"expected 11 digits and a digit or letter, got {last_twelve!r}")
    last = body[11]
    values = [int(char) for char in body[:11]]
    values.append(int(last) if last in _DIGITS else upn_temporary_letter_value(last))
    total = sum(value * weight for value, weight in zip(values, range(2, 14), strict=True))
    return UPN_ALPHABET[total % 23]


def upn_problem(value: str) -> str | None:
    """None for a valid UPN (permanent or temporary), otherwise why it is not one, in words."""
    upn = normalise_upn(value)
    if not upn:
        return "no UPN given"
    if len(upn) != 13:
        return f"must be 13 characters, got {len(upn)}"
    first = upn[0]
    if not ("A" <= first <= "Z"):
        return f"must start with a check letter, found '{first}'"
    if first not in UPN_ALPHABET:
        return f"'{first}' is never used as a check letter (I, O and S are left out)"
    for position, char in enumerate(upn[1:12], start=2):
        if char not in _DIGITS:
            return f"characters 2 to 12 must be digits, found '{char}' at character {position}"
    last = upn[12]
    if last not in _DIGITS and last not in UPN_ALPHABET:
        return f"character 13 must be a digit or a letter other than I, O and S, found '{last}'"
    expected = upn_check_letter(upn[1:])
    if expected != first:
        return f"check letter should be {expected}, not {first}"
    return None


def is_valid_upn(value: str) -> bool:
    """True when the value is a well-formed UPN with the right check letter."""
    return upn_problem(value) is None


def make_upn(rng: random.Random, la_code: str = "999", year: int = 21) -> str:
    """A valid permanent UPN for synthetic data: the LA code, a random establishment, the year
    of issue (two digits) and a random serial, with its check letter.

    The default LA code 999 is not a real authority's, so synthetic UPNs stand out.
    """
    if len(la_code) != 3 or not _is_digits(la_code):
        raise ValueError(f"LA code must be 3 digits, got {la_code!r}")
    if year >= 1900:
        year %= 100  # a full year of issue: the UPN keeps only its last two digits
    if not 0 <= year <= 99:
        raise ValueError(f"year must be the last two digits of a year (0 to 99) or a full year, got {year}")
    establishment = "".join(rng.choice(_DIGITS) for _ in range(4))
    serial = "".join(rng.choice(_DIGITS) for _ in range(3))
    body = f"{la_code}{establishment}{year:02d}{serial}"
    return upn_check_letter(body) + body
