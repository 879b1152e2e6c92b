"""The GOV.UK date pattern in a real browser: typing day, month and year narrows the chronology, an
impossible date is refused with GOV.UK's message, and an old shared address still opens the same view."""

from __future__ import annotations

from tests.browser.conftest import screenshot, sign_in
from tests.browser.harness import World


def _shown(page) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    words = page.inner_text("#shown-count").split()
    return int(words[1]), int(words[3])


def test_dates_typed_as_day_month_year(page, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, world.users["practitioner"])
    page.goto(f"/children/{world.featured}/timeline/table")
    assert page.locator("input[type=date]").count() == 0
    everything = _shown(page)[1]
    page.click("text=Filter the chronology")
    page.fill("#from-day", "1")
    page.fill("#from-month", "1")
    page.fill("#from-year", "2021")
    page.click("#apply-filters")
    page.wait_for_load_state()
    shown, total = _shown(page)
    assert total == everything and 0 < shown < total
    assert "from-year=2021" in page.url
    assert page.input_value("#from-day") == "1" and page.input_value("#from-year") == "2021"

    page.goto(f"/children/{world.featured}/timeline/table?from=2021-01-01")  # a link shared before
    assert _shown(page) == (shown, total)

    page.fill("#to-day", "31")
    page.fill("#to-month", "2")
    page.fill("#to-year", "2022")
    page.click("#apply-filters")
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert "Date to must be a real date" in summary.inner_text()
    assert page.locator("#to-error").inner_text().endswith("Date to must be a real date")
    screenshot(page, "date-filter-error")
    summary.locator("a[href='#to-day']").click()
    assert page.locator("#to-day").is_visible()  # an error opens the filter form
    assert page.evaluate("document.activeElement.id") == "to-day" or page.evaluate("location.hash") == "#to-day"
