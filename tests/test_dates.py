"""Tests for chronology.dates: every accepted form, every refusal, times and UK clock changes."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chronology.dates import (
    LONDON,
    DateParseError,
    _Today,
    from_excel,
    london_to_utc,
    parse_date,
    parse_datetime,
    parse_optional_date,
    parse_time,
)
from chronology.events import PartialDate, Precision

# A fixed "today" so the two-digit-year pivot and the future-date limit do not drift with the clock.
TODAY = dt.date(2024, 6, 15)
MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def parse(text: str) -> PartialDate:
    return parse_date(text, today=TODAY)


def reason(text: str) -> str:
    with pytest.raises(DateParseError) as caught:
        parse(text)
    return str(caught.value)


# --- accepted forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # day precision
        ("2016-05-22", PartialDate(2016, 5, 22)),
        ("2016/05/22", PartialDate(2016, 5, 22)),
        ("22/05/2016", PartialDate(2016, 5, 22)),
        ("2/5/2016", PartialDate(2016, 5, 2)),
        ("02/5/2016", PartialDate(2016, 5, 2)),
        ("22/05/16", PartialDate(2016, 5, 22)),
        ("22.05.2016", PartialDate(2016, 5, 22)),
        ("22-05-2016", PartialDate(2016, 5, 22)),
        ("22 May 2016", PartialDate(2016, 5, 22)),
        ("22-May-2016", PartialDate(2016, 5, 22)),
        ("22-May-16", PartialDate(2016, 5, 22)),
        ("22-MAY-16", PartialDate(2016, 5, 22)),
        ("22 may 2016", PartialDate(2016, 5, 22)),
        ("22 September 2016", PartialDate(2016, 9, 22)),
        ("22 Sept 2016", PartialDate(2016, 9, 22)),
        ("22 Sep 2016", PartialDate(2016, 9, 22)),
        ("1st March 2019", PartialDate(2019, 3, 1)),
        ("22nd September 2016", PartialDate(2016, 9, 22)),
        ("3 Dec. 2019", PartialDate(2019, 12, 3)),
        # month precision
        ("May 2016", PartialDate(2016, 5)),
        ("September 2016", PartialDate(2016, 9)),
        ("sept 2016", PartialDate(2016, 9)),
        ("DEC 2019", PartialDate(2019, 12)),
        ("May-2016", PartialDate(2016, 5)),
        ("05/2016", PartialDate(2016, 5)),
        ("5/2016", PartialDate(2016, 5)),
        ("2016-05", PartialDate(2016, 5)),
        ("2016-5", PartialDate(2016, 5)),
        # year precision
        ("2016", PartialDate(2016)),
    ],
)
def test_accepted_forms(text: str, expected: PartialDate) -> None:
    assert parse(text) == expected
    assert not parse(text).uncertain


@pytest.mark.parametrize(
    ("text", "precision"),
    [
        ("2016-05-22", Precision.DAY),
        ("22/05/2016", Precision.DAY),
        ("22-May-16", Precision.DAY),
        ("May 2016", Precision.MONTH),
        ("05/2016", Precision.MONTH),
        ("2016-05", Precision.MONTH),
        ("2016", Precision.YEAR),
    ],
)
def test_precision_is_kept_and_no_day_is_invented(text: str, precision: Precision) -> None:
    result = parse(text)
    assert result.precision is precision
    if precision is not Precision.DAY:
        assert result.day is None
    if precision is Precision.YEAR:
        assert result.month is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("?22/05/2016", PartialDate(2016, 5, 22, uncertain=True)),
        ("? 22/05/2016", PartialDate(2016, 5, 22, uncertain=True)),
        ("?  2016-05-22", PartialDate(2016, 5, 22, uncertain=True)),
        ("?22 May 2016", PartialDate(2016, 5, 22, uncertain=True)),
        ("?03/2019", PartialDate(2019, 3, uncertain=True)),
        ("? 03/2019", PartialDate(2019, 3, uncertain=True)),
        ("?2019-03", PartialDate(2019, 3, uncertain=True)),
        ("?March 2019", PartialDate(2019, 3, uncertain=True)),
        ("?2019", PartialDate(2019, uncertain=True)),
        ("  ?2019  ", PartialDate(2019, uncertain=True)),
    ],
)
def test_leading_question_mark_marks_uncertain(text: str, expected: PartialDate) -> None:
    assert parse(text) == expected
    assert parse(text).uncertain


def test_surrounding_and_odd_whitespace_is_ignored() -> None:
    assert parse("  22/05/2016\t") == PartialDate(2016, 5, 22)
    assert parse("22\u00a0May\u00a02016") == PartialDate(2016, 5, 22)  # non-breaking spaces
    assert parse("22  May   2016") == PartialDate(2016, 5, 22)


def test_day_first_is_never_reinterpreted_as_month_first() -> None:
    assert parse("05/06/2021") == PartialDate(2021, 6, 5)
    assert parse("12/01/2021") == PartialDate(2021, 1, 12)
    assert parse("01/12/2021") == PartialDate(2021, 12, 1)


def test_leap_day_in_a_leap_year_is_fine() -> None:
    assert parse("29/02/2020") == PartialDate(2020, 2, 29)
    assert parse("2000-02-29") == PartialDate(2000, 2, 29)  # divisible by 400: a leap year


# --- two-digit years --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("05/06/00", 2000),
        ("05/06/16", 2016),
        ("05/06/23", 2023),
        ("05/06/24", 2024),  # the current year stays in this century
        ("01/12/24", 2024),  # later this year, but the year itself is not later: still 2024
        ("05/06/25", 1925),  # 2025 is after today's year
        ("05/06/99", 1999),
        ("22-May-25", 1925),
    ],
)
def test_two_digit_years_pivot_on_today(text: str, year: int) -> None:
    assert parse(text).year == year


def test_two_digit_year_pivot_follows_the_today_argument() -> None:
    assert parse_date("05/06/30", today=dt.date(2030, 1, 1)).year == 2030
    assert parse_date("05/06/30", today=dt.date(2029, 12, 31)).year == 1930


def test_month_with_two_digit_number_is_ambiguous() -> None:
    message = reason("May 16")
    assert "'May 16'" in message
    assert "ambiguous" in message


# --- refusals ---------------------------------------------------------------------------------


def test_thirty_first_of_april_is_refused_with_the_example_sentence() -> None:
    assert reason("31/04/2021") == "'31/04/2021' is not a real date: April has 30 days"


@pytest.mark.parametrize("text", ["29/02/2021", "2021-02-29", "29-Feb-2021", "29/02/1900"])
def test_leap_day_outside_a_leap_year_is_refused(text: str) -> None:
    message = reason(text)
    assert message.startswith(f"'{text}' is not a real date")
    assert "not a leap year" in message
    assert "28 days" in message


def test_thirtieth_of_february_in_a_leap_year_says_twenty_nine_days() -> None:
    assert "February has 29 days" in reason("30/02/2020")


@pytest.mark.parametrize("text", ["32/01/2021", "31/06/2021", "31 Sep 2021", "2021-11-31"])
def test_day_past_the_end_of_the_month_is_refused(text: str) -> None:
    assert "is not a real date" in reason(text)


def test_month_thirteen_with_small_first_number_explains_us_dates_are_not_guessed() -> None:
    message = reason("05/13/2021")
    assert message.startswith("'05/13/2021' is not a real date: there is no month 13")
    assert "US-style month-first date is never guessed" in message


@pytest.mark.parametrize("text", ["12/31/2021", "1/25/2021"])
def test_other_us_style_dates_are_refused_not_swapped(text: str) -> None:
    assert "never guessed" in reason(text)


def test_month_thirteen_without_us_reading_has_no_us_hint() -> None:
    message = reason("13/13/2021")
    assert "there is no month 13" in message
    assert "US" not in message
    assert "US" not in reason("2021-13-04")  # ISO is year-month-day: no other reading
    assert "there is no month 13" in reason("13/2019")


@pytest.mark.parametrize("text", ["00/05/2021", "0/5/2021", "2021-05-00", "0 May 2021"])
def test_day_zero_is_refused(text: str) -> None:
    assert "there is no day 0" in reason(text)


@pytest.mark.parametrize("text", ["05/00/2021", "00/2019", "2019-00"])
def test_month_zero_is_refused(text: str) -> None:
    assert "there is no month 0" in reason(text)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_blank_text_is_refused(text: str) -> None:
    assert "blank" in reason(text)


def test_question_mark_alone_is_refused() -> None:
    assert "no date after the '?'" in reason("?")
    assert "no date after the '?'" in reason("? ")


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "not known",
        "unknown",
        "n/a",
        "22/05",
        "2016-05-22-01",
        "22/05-2016",  # mixed separators
        "20160522",
        "22 May",
        "May 22, 2016",
        "16",
        "123",
        "12345",
        "??2019",
        "2019?",
        "22/05/2016 17:30",
    ],
)
def test_text_that_is_not_a_date_is_reported(text: str) -> None:
    message = reason(text)
    assert message.startswith(f"'{' '.join(text.split())}'")


def test_not_a_date_message_shows_accepted_forms() -> None:
    assert "22/05/2016" in reason("hello")


def test_unknown_month_name_is_named() -> None:
    assert reason("22 Foo 2016") == "'22 Foo 2016' is not a date: 'Foo' is not a month name"
    assert "'Smarch' is not a month name" in reason("Smarch 2016")


def test_time_in_a_date_only_field_is_explained() -> None:
    assert "has a time after the date" in reason("22/05/2016 17:30")


@pytest.mark.parametrize("text", ["1849", "31/12/1849", "1700-01-01", "Jan 1066"])
def test_years_before_1850_are_refused(text: str) -> None:
    message = reason(text)
    assert "before 1850" in message


def test_1850_is_accepted() -> None:
    assert parse("01/01/1850") == PartialDate(1850, 1, 1)
    assert parse("1850") == PartialDate(1850)


@pytest.mark.parametrize("text", ["16/06/2025", "2099", "2030-01-01", "Jul 2025", "?2026"])
def test_more_than_a_year_ahead_is_refused_as_a_future_date(text: str) -> None:
    message = reason(text)
    assert "in the future" in message
    assert "data error" in message
    assert "15 June 2025" in message


@pytest.mark.parametrize("text", ["15/06/2025", "2025", "June 2025", "01/01/2025"])
def test_up_to_a_year_ahead_is_accepted(text: str) -> None:
    parse(text)


def test_future_limit_on_a_leap_day() -> None:
    leap_today = dt.date(2024, 2, 29)
    assert parse_date("28/02/2025", today=leap_today) == PartialDate(2025, 2, 28)
    with pytest.raises(DateParseError):
        parse_date("01/03/2025", today=leap_today)


def test_default_today_is_the_real_date() -> None:
    this_year = dt.date.today().year
    assert parse_date(str(this_year)) == PartialDate(this_year)
    with pytest.raises(DateParseError):
        parse_date(str(this_year + 2))


def test_long_text_is_shortened_in_the_message_but_kept_on_the_error() -> None:
    text = "x" * 500
    with pytest.raises(DateParseError) as caught:
        parse(text)
    assert len(str(caught.value)) < 200
    assert caught.value.text == text


def test_non_text_is_a_date_parse_error() -> None:
    with pytest.raises(DateParseError):
        parse_date(20160522)  # type: ignore[arg-type]


# --- the error class --------------------------------------------------------------------------


def test_error_is_a_value_error_and_survives_pickling() -> None:
    err = DateParseError("31/04/2021", "is not a real date: April has 30 days")
    assert isinstance(err, ValueError)
    copy = pickle.loads(pickle.dumps(err))
    assert str(copy) == str(err) == "'31/04/2021' is not a real date: April has 30 days"
    assert copy.text == "31/04/2021"
    assert copy.reason == "is not a real date: April has 30 days"


def test_error_with_a_whole_sentence() -> None:
    err = DateParseError("Something is wrong with this date")
    assert str(err) == "Something is wrong with this date"
    assert err.reason is None


# --- parse_optional_date ----------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "  ", "\t"])
def test_optional_date_blank_is_none(text: str | None) -> None:
    assert parse_optional_date(text, today=TODAY) is None


def test_optional_date_parses_and_still_reports_errors() -> None:
    assert parse_optional_date("?03/2019", today=TODAY) == PartialDate(2019, 3, uncertain=True)
    with pytest.raises(DateParseError):
        parse_optional_date("31/04/2021", today=TODAY)
    with pytest.raises(DateParseError):
        parse_optional_date("?", today=TODAY)


# --- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17:30", dt.time(17, 30)),
        ("09:05", dt.time(9, 5)),
        ("9:05", dt.time(9, 5)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        ("17:30:45", dt.time(17, 30, 45)),
        ("17:30:45.5", dt.time(17, 30, 45, 500000)),
        ("17:30:45.000", dt.time(17, 30, 45)),
        ("1730", dt.time(17, 30)),
        ("0905", dt.time(9, 5)),
        (" 17:30 ", dt.time(17, 30)),
    ],
)
def test_parse_time_accepts(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("24:00", "no hour 24"),
        ("25:30", "no hour 25"),
        ("2400", "no hour 24"),
        ("17:60", "minutes run 00 to 59"),
        ("1760", "minutes run 00 to 59"),
        ("17:30:60", "seconds run 00 to 59"),
        ("", "blank"),
        ("half five", "is not a time"),
        ("17.30", "is not a time"),
        ("930", "is not a time"),
        ("17:3", "is not a time"),
        ("173000", "is not a time"),
        ("5pm", "is not a time"),
    ],
)
def test_parse_time_refuses(text: str, words: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_time(text)
    assert words in str(caught.value)


# --- dates with times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "date", "time"),
    [
        ("2021-03-04 17:30", PartialDate(2021, 3, 4), dt.time(17, 30)),
        ("2021-03-04 17:30:15", PartialDate(2021, 3, 4), dt.time(17, 30, 15)),
        ("04/03/2021 17:30", PartialDate(2021, 3, 4), dt.time(17, 30)),
        ("04/03/2021 9:05", PartialDate(2021, 3, 4), dt.time(9, 5)),
        ("2021-03-04T17:30:00", PartialDate(2021, 3, 4), dt.time(17, 30)),
        ("2021-03-04T17:30:00.250", PartialDate(2021, 3, 4), dt.time(17, 30, 0, 250000)),
        ("22 May 2016 17:30", PartialDate(2016, 5, 22), dt.time(17, 30)),
        ("22/05/2016, 17:30", PartialDate(2016, 5, 22), dt.time(17, 30)),
        ("  2021-03-04   17:30  ", PartialDate(2021, 3, 4), dt.time(17, 30)),
        ("?2021-03-04 17:30", PartialDate(2021, 3, 4, uncertain=True), dt.time(17, 30)),
        ("2021-03-04 00:00:00", PartialDate(2021, 3, 4), dt.time(0, 0)),
    ],
)
def test_parse_datetime_with_time(text: str, date: PartialDate, time: dt.time) -> None:
    assert parse_datetime(text, today=TODAY) == (date, time)


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2021-03-04", PartialDate(2021, 3, 4)),
        ("22 May 2016", PartialDate(2016, 5, 22)),  # the year is not mistaken for a time 20:16
        ("May 2016", PartialDate(2016, 5)),
        ("?03/2019", PartialDate(2019, 3, uncertain=True)),
    ],
)
def test_parse_datetime_date_alone_has_no_time(text: str, date: PartialDate) -> None:
    assert parse_datetime(text, today=TODAY) == (date, None)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2021-03-04 25:00", "no hour 25"),
        ("31/04/2021 17:30", "April has 30 days"),
        ("05/13/2021 17:30", "never guessed"),
        ("rubbish 17:30", "is not a date"),
        ("", "blank"),
    ],
)
def test_parse_datetime_errors_quote_the_whole_text(text: str, words: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_datetime(text, today=TODAY)
    message = str(caught.value)
    assert words in message
    if text:
        assert message.startswith(f"'{text}'")


# --- Europe/London to UTC ---------------------------------------------------------------------


def test_winter_time_is_utc() -> None:
    result = london_to_utc(dt.date(2021, 1, 15), dt.time(12, 0))
    assert result == dt.datetime(2021, 1, 15, 12, 0, tzinfo=dt.UTC)
    assert result.utcoffset() == dt.timedelta(0)


def test_summer_time_is_an_hour_ahead_of_utc() -> None:
    assert london_to_utc(dt.date(2021, 7, 1), dt.time(12, 0)) == dt.datetime(2021, 7, 1, 11, 0, tzinfo=dt.UTC)
    assert london_to_utc(dt.date(2021, 7, 1), dt.time(0, 30)) == dt.datetime(
        2021, 6, 30, 23, 30, tzinfo=dt.UTC
    )


@pytest.mark.parametrize("time", [dt.time(1, 0), dt.time(1, 30), dt.time(1, 59, 59)])
def test_spring_forward_gap_does_not_exist(time: dt.time) -> None:
    with pytest.raises(DateParseError) as caught:
        london_to_utc(dt.date(2021, 3, 28), time)
    message = str(caught.value)
    assert message.startswith("'2021-03-28 01:")
    assert "does not exist in UK local time" in message


def test_either_side_of_the_spring_gap() -> None:
    day = dt.date(2021, 3, 28)
    assert london_to_utc(day, dt.time(0, 59)) == dt.datetime(2021, 3, 28, 0, 59, tzinfo=dt.UTC)
    assert london_to_utc(day, dt.time(2, 0)) == dt.datetime(2021, 3, 28, 1, 0, tzinfo=dt.UTC)


def test_autumn_overlap_takes_the_first_bst_occurrence() -> None:
    day = dt.date(2021, 10, 31)
    assert london_to_utc(day, dt.time(1, 30)) == dt.datetime(2021, 10, 31, 0, 30, tzinfo=dt.UTC)
    assert london_to_utc(day, dt.time(1, 0)) == dt.datetime(2021, 10, 31, 0, 0, tzinfo=dt.UTC)
    assert london_to_utc(day, dt.time(0, 59)) == dt.datetime(2021, 10, 30, 23, 59, tzinfo=dt.UTC)
    assert london_to_utc(day, dt.time(2, 0)) == dt.datetime(2021, 10, 31, 2, 0, tzinfo=dt.UTC)


def test_other_years_clock_changes() -> None:
    with pytest.raises(DateParseError):
        london_to_utc(dt.date(2024, 3, 31), dt.time(1, 15))
    assert london_to_utc(dt.date(2024, 10, 27), dt.time(1, 15)) == dt.datetime(
        2024, 10, 27, 0, 15, tzinfo=dt.UTC
    )


def test_result_is_aware_utc() -> None:
    result = london_to_utc(dt.date(2021, 7, 1), dt.time(12, 0))
    assert result.tzinfo is dt.UTC


def test_aware_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="naive"):
        london_to_utc(dt.date(2021, 7, 1), dt.time(12, 0, tzinfo=dt.UTC))


def test_a_time_zone_without_a_fixed_offset_is_refused_even_after_the_naive_time_was_read() -> None:
    # dt.time(12, tzinfo=LONDON) has no offset, so it compares equal to the naive dt.time(12): the
    # answer kept for the naive time must not be handed to it
    day = dt.date(2021, 7, 3)
    assert london_to_utc(day, dt.time(12, 0)) == dt.datetime(2021, 7, 3, 11, 0, tzinfo=dt.UTC)
    assert dt.time(12, 0, tzinfo=LONDON) == dt.time(12, 0)
    with pytest.raises(ValueError, match="naive"):
        london_to_utc(day, dt.time(12, 0, tzinfo=LONDON))


def test_a_time_in_the_gap_is_reported_every_time_it_is_read() -> None:
    for _ in range(3):
        with pytest.raises(DateParseError, match="does not exist in UK local time"):
            london_to_utc(dt.date(2022, 3, 27), dt.time(1, 10))


# --- today --------------------------------------------------------------------------------------


def test_today_follows_the_clock_across_midnight_either_way() -> None:
    midnight = dt.datetime(2024, 6, 1).timestamp()  # local midnight starting 1 June
    now = [midnight - 1]
    today = _Today(clock=lambda: now[0])
    assert today() == dt.date(2024, 5, 31)
    now[0] = midnight - 0.001
    assert today() == dt.date(2024, 5, 31)
    now[0] = midnight
    assert today() == dt.date(2024, 6, 1)
    now[0] = midnight + 86_399
    assert today() == dt.date(2024, 6, 1)
    now[0] = midnight - 3600  # the clock was put back
    assert today() == dt.date(2024, 5, 31)


def test_today_is_the_system_date() -> None:
    assert _Today()() == dt.date.today()


# --- spreadsheet cells ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2021, 3, 4, 17, 30), PartialDate(2021, 3, 4)),
        (dt.datetime(2021, 3, 4), PartialDate(2021, 3, 4)),
        (dt.date(2021, 3, 4), PartialDate(2021, 3, 4)),
        ("04/03/2021", PartialDate(2021, 3, 4)),
        ("?03/2019", PartialDate(2019, 3, uncertain=True)),
        ("March 2019", PartialDate(2019, 3)),
        (2016, PartialDate(2016)),  # a year typed into a number cell
        (2016.0, PartialDate(2016)),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_from_excel(value: object, expected: PartialDate | None) -> None:
    assert from_excel(value, today=TODAY) == expected


def test_from_excel_date_cell_has_day_precision_and_is_certain() -> None:
    result = from_excel(dt.datetime(2021, 3, 4, 17, 30), today=TODAY)
    assert result is not None
    assert result.precision is Precision.DAY
    assert not result.uncertain


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("31/04/2021", "April has 30 days"),
        (dt.datetime(1899, 12, 30), "Excel's day zero"),  # openpyxl's reading of serial 0
        (dt.datetime(1899, 12, 31), "Excel's day zero"),
        (dt.datetime(1899, 12, 30, 17, 30), "Excel's day zero"),  # a time-only cell
        (dt.date(1849, 12, 31), "before 1850"),
        (dt.date(2099, 1, 1), "in the future"),
        (44256, "is not a date"),  # an Excel day serial is not guessed
        (44256.5, "format the column as a date"),
        (True, "TRUE/FALSE"),
        (dt.time(17, 30), "time"),
        ("hello", "is not a date"),
    ],
)
def test_from_excel_refuses(value: object, words: str) -> None:
    with pytest.raises(DateParseError) as caught:
        from_excel(value, today=TODAY)
    assert words in str(caught.value)


# --- properties -------------------------------------------------------------------------------

real_dates = st.dates(min_value=dt.date(1850, 1, 1), max_value=TODAY)


@given(real_dates)
def test_any_real_date_round_trips_through_the_common_forms(day: dt.date) -> None:
    expected = PartialDate.from_date(day)
    forms = [
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}/{day.month}/{day.year}",
        day.isoformat(),
        f"{day.day:02d}-{MONTH_ABBR[day.month - 1]}-{day.year}",
        f"{day.day} {MONTH_ABBR[day.month - 1]} {day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
    ]
    for text in forms:
        assert parse(text) == expected, text
        assert parse("?" + text) == PartialDate.from_date(day, uncertain=True), text


@given(real_dates)
def test_two_digit_years_land_in_the_hundred_years_up_to_today(day: dt.date) -> None:
    result = parse(f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}")
    assert TODAY.year - 99 <= result.year <= TODAY.year
    assert result.year % 100 == day.year % 100
    assert (result.month, result.day) == (day.month, day.day)


@given(real_dates, st.sampled_from([Precision.DAY, Precision.MONTH, Precision.YEAR]), st.booleans())
def test_marked_form_round_trips(day: dt.date, precision: Precision, uncertain: bool) -> None:
    partial = PartialDate.from_stored(day, precision, uncertain)
    assert parse(partial.marked()) == partial


date_like_text = st.text(alphabet="0123456789/-.: ?TMayJunSepDecnrth\u00a0", max_size=24)


@given(st.one_of(st.text(), date_like_text))
def test_arbitrary_text_only_ever_raises_date_parse_error(text: str) -> None:
    for function in (parse, parse_time, lambda t: parse_datetime(t, today=TODAY)):
        try:
            function(text)
        except DateParseError as err:
            assert str(err)


@given(st.one_of(st.none(), st.text(), date_like_text))
def test_optional_and_excel_only_ever_raise_date_parse_error(text: str | None) -> None:
    for function in (
        lambda t: parse_optional_date(t, today=TODAY),
        lambda t: from_excel(t, today=TODAY),
    ):
        try:
            function(text)
        except DateParseError as err:
            assert str(err)


@given(st.dates(min_value=dt.date(1996, 1, 1), max_value=dt.date(2100, 12, 31)), st.times())
def test_london_to_utc_round_trips_or_reports_the_gap(day: dt.date, time: dt.time) -> None:
    try:
        result = london_to_utc(day, time)
    except DateParseError:
        # Only the hour skipped at 01:00 on the last Sunday of March may be refused.
        assert (day.month, day.weekday(), time.hour) == (3, 6, 1)
        assert day.day >= 25
        return
    assert result.utcoffset() == dt.timedelta(0)
    assert result.astimezone(LONDON).replace(tzinfo=None) == dt.datetime.combine(day, time)
    assert dt.datetime.combine(day, time) - result.replace(tzinfo=None) in (
        dt.timedelta(0),
        dt.timedelta(hours=1),
    )


def test_a_repeated_date_is_read_again_for_another_today() -> None:
    """parse_date remembers answers; the same text must still follow the 'today' it is given."""
    assert parse_date("01/02/27", today=dt.date(2026, 6, 1)).earliest().year == 1927
    assert parse_date("01/02/27", today=dt.date(2028, 6, 1)).earliest().year == 2027
    assert parse_date("01/02/2027", today=dt.date(2026, 6, 1)).earliest() == dt.date(2027, 2, 1)
    with pytest.raises(DateParseError, match="in the future"):
        parse_date("01/02/2027", today=dt.date(2025, 6, 1))
    assert parse_date("01/02/2027", today=dt.date(2026, 6, 1)) == parse_date(
        "01/02/2027", today=dt.date(2026, 6, 1)
    )


def test_times_and_date_times_read_again_give_the_same_answer_and_the_same_error() -> None:
    # parse_time and parse_datetime keep their answers per text; an error must be raised every time
    for _ in range(2):
        assert parse_datetime("2021-03-04 17:30", today=TODAY) == (PartialDate(2021, 3, 4), dt.time(17, 30))
        assert parse_time("0930") == dt.time(9, 30)
        with pytest.raises(DateParseError, match="there is no hour 25"):
            parse_time("25:00")
        with pytest.raises(DateParseError, match=r"^'2021-03-04 25:00' is not a real time"):
            parse_datetime("2021-03-04 25:00", today=TODAY)


def test_a_date_time_is_read_against_the_today_it_is_given() -> None:
    # the kept answer is per (text, today): a two-digit year pivots on the today of each call
    assert parse_datetime("04/03/30 10:00", today=dt.date(2031, 1, 1))[0].year == 2030
    assert parse_datetime("04/03/30 10:00", today=dt.date(2026, 1, 1))[0].year == 1930
