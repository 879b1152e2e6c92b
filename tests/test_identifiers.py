"""Tests for chronology.identifiers: NHS number modulus 11 and the DfE UPN check letter.

Worked by hand (so the tests do not only agree with the code that they test):

NHS numbers, weights 10..2 on the first nine digits, check = 11 - (sum mod 11), 11 -> 0:
  943 476 5919: 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2
              = 90 + 36 + 24 + 28 + 42 + 30 + 20 + 27 + 2 = 299; 299 mod 11 = 2; 11 - 2 = 9  (ends 9)
  943 476 5870: 90 + 36 + 24 + 28 + 42 + 30 + 20 + 8*3 + 7*2 = 308; 308 mod 11 = 0; 11 -> 0  (ends 0)
  401 023 2137: 4*10 + 0 + 1*8 + 0 + 2*6 + 3*5 + 2*4 + 1*3 + 3*2 = 92; 92 mod 11 = 4; 11 - 4 = 7
  100 000 001x: 1*10 + 1*2 = 12; 12 mod 11 = 1; 11 - 1 = 10 -> no valid number starts 100000001
  943 476 596x: 299 - 1*2 + 6*2 = 309; 309 mod 11 = 1; 11 - 1 = 10 -> none starts 943476596 either
  dddddddddd:   d * (10 + 9 + ... + 2) = 54d = 11*5d - d, so sum mod 11 = 11 - d and the check is
                d: every all-same-digit number passes modulus 11, hence the explicit rule.

UPNs, characters 2..13 times weights 2..13, sum mod 23, 0..22 -> ABCDEFGHJKLMNPQRTUVWXYZ:
  B801200005001 (python-stdnum's documented example):
      8*2 + 0*3 + 1*4 + 2*5 + 0*6 + 0*7 + 0*8 + 0*9 + 5*10 + 0*11 + 0*12 + 1*13
      = 16 + 4 + 10 + 50 + 13 = 93; 93 = 4*23 + 1 -> B
  P207000016049 (the school-census "error 1510" help pages' example):
      2*2 + 7*4 + 1*9 + 6*10 + 4*12 + 9*13 = 4 + 28 + 9 + 60 + 48 + 117 = 266; 266 = 11*23 + 13 -> P
      Those pages give the sum as 267 and the letter as Q; both are arithmetic slips, so Q207000016049
      is tested here as invalid.
  X00180001701A (a temporary UPN quoted in a school MIS help page; final A counts 0):
      1*4 + 8*5 + 1*9 + 7*10 + 1*12 + 0*13 = 4 + 40 + 9 + 70 + 12 = 135; 135 = 5*23 + 20 -> X
  Z80120000501H (temporary, final H counts 7):
      16 + 4 + 10 + 50 + 1*12 + 7*13 = 16 + 4 + 10 + 50 + 12 + 91 = 183; 183 = 7*23 + 22 -> Z
  B93620000123Z (temporary, final Z counts 22):
      9*2 + 3*3 + 6*4 + 2*5 + 1*10 + 2*11 + 3*12 + 22*13 = 18 + 9 + 24 + 10 + 10 + 22 + 36 + 286
      = 415; 415 = 18*23 + 1 -> B
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronology.identifiers import (
    UPN_ALPHABET,
    is_valid_nhs_number,
    is_valid_upn,
    make_nhs_number,
    make_upn,
    nhs_check_digit,
    nhs_number_problem,
    normalise_nhs_number,
    normalise_upn,
    upn_check_letter,
    upn_problem,
    upn_temporary_letter_value,
)

VALID_NHS = ["9434765919", "9434765870", "4010232137"]
VALID_UPNS = ["B801200005001", "P207000016049"]
VALID_TEMPORARY_UPNS = ["X00180001701A", "Z80120000501H", "B93620000123Z"]


# --- NHS numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", VALID_NHS)
def test_known_valid_nhs_numbers(number: str) -> None:
    assert is_valid_nhs_number(number)
    assert nhs_number_problem(number) is None


@pytest.mark.parametrize(("first_nine", "check"), [("943476591", 9), ("943476587", 0), ("401023213", 7)])
def test_check_digit_worked_by_hand(first_nine: str, check: int) -> None:
    assert nhs_check_digit(first_nine) == check


@pytest.mark.parametrize("first_nine", ["100000001", "943476596"])
def test_remainder_ten_means_no_valid_number(first_nine: str) -> None:
    # 943476596: 943476591's sum 299 plus (6 - 1) * 2 = 309; 309 mod 11 = 1; 11 - 1 = 10
    assert nhs_check_digit(first_nine) is None


def test_remainder_ten_number_is_invalid_with_a_reason() -> None:
    assert nhs_check_digit("100000001") is None
    for last in "0123456789":
        problem = nhs_number_problem("943 476 596" + last)
        assert problem is not None
        assert "check value of 10" in problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("9434765918", "check digit should be 9, not 8"),
        ("9434765871", "check digit should be 0, not 1"),
        ("4010232130", "check digit should be 7, not 0"),
        ("943476591", "must be 10 digits, got 9"),
        ("94347659190", "must be 10 digits, got 11"),
        ("94347659A9", "must be digits only, found 'A'"),
        ("943476591O", "must be digits only, found 'O'"),  # letter O for zero
        ("943.476.5919", "must be digits only, found '.'"),
        ("", "no NHS number given"),
        ("   ", "no NHS number given"),
    ],
)
def test_invalid_nhs_numbers_say_why(value: str, problem: str) -> None:
    assert nhs_number_problem(value) == problem
    assert not is_valid_nhs_number(value)


@pytest.mark.parametrize("digit", "0123456789")
def test_all_same_digit_numbers_are_refused_though_they_pass_modulus_11(digit: str) -> None:
    number = digit * 10
    assert nhs_check_digit(number[:9]) == int(digit)  # the checksum alone would accept it
    problem = nhs_number_problem(number)
    assert problem is not None
    assert "not an issued NHS number" in problem


@pytest.mark.parametrize(
    "value", ["943 476 5919", "943-476-5919", " 9434765919 ", "943 476 5919\n", "94 34 76 59 19"]
)
def test_spaces_and_hyphens_are_allowed(value: str) -> None:
    assert normalise_nhs_number(value) == "9434765919"
    assert is_valid_nhs_number(value)


def test_normalise_keeps_other_characters_so_they_are_reported() -> None:
    assert normalise_nhs_number("943 476 591x") == "943476591x"


def test_digits_from_other_scripts_are_not_digits() -> None:
    assert not is_valid_nhs_number("943476591\u0669")  # Arabic-Indic nine
    assert not is_valid_nhs_number("943476591\u00b9")  # superscript one


def test_integer_input_is_tolerated() -> None:
    assert is_valid_nhs_number(9434765919)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["12345678", "1234567890", "12345678x", ""])
def test_check_digit_needs_nine_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        nhs_check_digit(bad)


class _StuckRandom(random.Random):
    """Always the same answer: make_nhs_number must still finish."""

    def randrange(self, *args: object, **kwargs: object) -> int:  # type: ignore[override]
        return 999_999  # 999999999 needs check digit 9, giving the refused 9999999999

    def choice(self, seq):  # type: ignore[no-untyped-def, override]
        return seq[0]


def test_make_nhs_number_finishes_with_a_degenerate_rng() -> None:
    assert is_valid_nhs_number(make_nhs_number(_StuckRandom()))
    assert is_valid_upn(make_upn(_StuckRandom()))


def test_make_nhs_number_is_in_the_test_range_and_repeatable() -> None:
    first = [make_nhs_number(random.Random(7)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = random.Random(1)
    for _ in range(500):
        number = make_nhs_number(rng)
        assert len(number) == 10
        assert 9990000000 <= int(number) <= 9999999999
        assert is_valid_nhs_number(number)
        assert number != "9999999999"


@given(st.integers(min_value=0, max_value=2**64))
def test_every_generated_nhs_number_validates(seed: int) -> None:
    number = make_nhs_number(random.Random(seed))
    assert is_valid_nhs_number(number)
    assert number.startswith("999")


def _single_digit_changes(number: str) -> list[str]:
    return [
        number[:position] + digit + number[position + 1 :]
        for position in range(10)
        for digit in "0123456789"
        if digit != number[position]
    ]


@pytest.mark.parametrize("number", VALID_NHS)
def test_changing_any_digit_of_a_known_number_invalidates_it(number: str) -> None:
    for changed in _single_digit_changes(number):
        assert not is_valid_nhs_number(changed), changed


@given(st.integers(min_value=0, max_value=2**64))
def test_changing_any_single_digit_makes_a_valid_number_invalid(seed: int) -> None:
    number = make_nhs_number(random.Random(seed))
    for changed in _single_digit_changes(number):
        assert not is_valid_nhs_number(changed), changed


@given(st.text())
def test_nhs_checks_never_crash_on_text(text: str) -> None:
    problem = nhs_number_problem(text)
    assert problem is None or isinstance(problem, str)
    assert is_valid_nhs_number(text) == (problem is None)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_nhs_validity_matches_the_definition(number: str) -> None:
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    expected = check != 10 and check == int(number[9]) and len(set(number)) > 1
    assert is_valid_nhs_number(number) == expected


# --- UPNs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("upn", VALID_UPNS + VALID_TEMPORARY_UPNS)
def test_known_valid_upns(upn: str) -> None:
    assert upn_problem(upn) is None
    assert is_valid_upn(upn)
    assert upn_check_letter(upn[1:]) == upn[0]


@pytest.mark.parametrize("upn", VALID_UPNS + VALID_TEMPORARY_UPNS)
def test_lowercase_and_spaced_upns_are_accepted_and_normalised(upn: str) -> None:
    assert is_valid_upn(upn.lower())
    assert normalise_upn(f"  {upn.lower()} ") == upn
    assert normalise_upn(upn.lower()) == upn


def test_check_letter_alphabet() -> None:
    assert UPN_ALPHABET == "ABCDEFGHJKLMNPQRTUVWXYZ"
    assert len(UPN_ALPHABET) == 23
    assert not set("IOS") & set(UPN_ALPHABET)


@pytest.mark.parametrize(("letter", "value"), [("A", 0), ("H", 7), ("J", 8), ("P", 13), ("T", 16), ("Z", 22)])
def test_temporary_letter_values(letter: str, value: int) -> None:
    assert upn_temporary_letter_value(letter) == value
    assert upn_temporary_letter_value(letter.lower()) == value


@pytest.mark.parametrize("letter", ["I", "O", "S", "1", "", "AB"])
def test_letters_never_used_in_upns(letter: str) -> None:
    with pytest.raises(ValueError):
        upn_temporary_letter_value(letter)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("A801200005001", "check letter should be B, not A"),
        ("Q207000016049", "check letter should be P, not Q"),  # the help pages' slip
        ("A00180001701A", "check letter should be X, not A"),
        ("X00180001701B", "check letter should be L, not X"),  # B counts 1: 135 + 13 = 148 -> 10 -> L
        ("B80120000500", "must be 13 characters, got 12"),
        ("B8012000050011", "must be 13 characters, got 14"),
        ("801200005001", "must be 13 characters, got 12"),
        ("9801200005001", "must start with a check letter, found '9'"),
        ("I801200005001", "'I' is never used as a check letter (I, O and S are left out)"),
        ("O801200005001", "'O' is never used as a check letter (I, O and S are left out)"),
        ("S801200005001", "'S' is never used as a check letter (I, O and S are left out)"),
        ("X80120000A001", "characters 2 to 12 must be digits, found 'A' at character 10"),
        ("B8012000050A1", "characters 2 to 12 must be digits, found 'A' at character 12"),
        ("B80120000500I", "character 13 must be a digit or a letter other than I, O and S, found 'I'"),
        ("B80120000500O", "character 13 must be a digit or a letter other than I, O and S, found 'O'"),
        ("B80120000500S", "character 13 must be a digit or a letter other than I, O and S, found 'S'"),
        ("B80120000500*", "character 13 must be a digit or a letter other than I, O and S, found '*'"),
        ("", "no UPN given"),
        ("UN1", "must be 13 characters, got 3"),  # census "UPN unknown" code, not a UPN
    ],
)
def test_invalid_upns_say_why(value: str, problem: str) -> None:
    assert upn_problem(value) == problem
    assert not is_valid_upn(value)


@pytest.mark.parametrize("bad", ["80120000500", "8012000050011", "8012000A5001", "80120000500I", ""])
def test_check_letter_needs_twelve_characters_of_the_right_kind(bad: str) -> None:
    with pytest.raises(ValueError):
        upn_check_letter(bad)


def test_every_wrong_check_letter_is_refused() -> None:
    body = "801200005001"
    for letter in UPN_ALPHABET:
        assert is_valid_upn(letter + body) == (letter == "B")


def test_make_upn_fields() -> None:
    upn = make_upn(random.Random(3))
    assert len(upn) == 13
    assert upn[1:4] == "999"
    assert upn[8:10] == "21"
    assert upn[1:].isdigit()
    assert is_valid_upn(upn)
    upn = make_upn(random.Random(3), la_code="201", year=5)
    assert upn[1:4] == "201"
    assert upn[8:10] == "05"
    assert make_upn(random.Random(3), year=2019)[8:10] == "19"


@pytest.mark.parametrize(("la_code", "year"), [("99", 21), ("99A", 21), ("999", -1), ("999", 100)])
def test_make_upn_refuses_bad_arguments(la_code: str, year: int) -> None:
    with pytest.raises(ValueError):
        make_upn(random.Random(0), la_code=la_code, year=year)


@given(
    st.integers(min_value=0, max_value=2**64),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    st.integers(min_value=0, max_value=99),
)
def test_every_generated_upn_validates(seed: int, la_code: str, year: int) -> None:
    upn = make_upn(random.Random(seed), la_code=la_code, year=year)
    assert is_valid_upn(upn)
    assert upn[1:4] == la_code
    assert upn[8:10] == f"{year:02d}"


@given(
    st.text(alphabet="0123456789", min_size=11, max_size=11),
    st.sampled_from(list("0123456789" + UPN_ALPHABET)),
)
def test_check_letter_makes_any_body_valid_and_only_that_letter(digits: str, last: str) -> None:
    body = digits + last
    letter = upn_check_letter(body)
    assert letter in UPN_ALPHABET
    for candidate in UPN_ALPHABET:
        assert is_valid_upn(candidate + body) == (candidate == letter)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_changing_one_digit_of_a_permanent_upn_changes_its_letter(
    body: str, position: int, step: int
) -> None:
    # weights 2..13 are all coprime to 23, so a single-digit change always moves the sum mod 23
    changed = body[:position] + str((int(body[position]) + step) % 10) + body[position + 1 :]
    assert not is_valid_upn(upn_check_letter(body) + changed)


@given(st.text())
def test_upn_checks_never_crash_on_text(text: str) -> None:
    problem = upn_problem(text)
    assert problem is None or isinstance(problem, str)
    assert is_valid_upn(text) == (problem is None)
