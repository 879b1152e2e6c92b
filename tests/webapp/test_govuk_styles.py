"""Pages are styled by GOV.UK Frontend built with this service's settings: Arial, and no @font-face,
because the GDS Transport font files are licensed for GOV.UK services only and are not served."""

from __future__ import annotations

import re

from tests.webapp.conftest import BASE


def test_every_stylesheet_a_page_links_is_served_and_asks_for_no_font_files(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/login", base_url=BASE).get_data(as_text=True)
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert any("govuk-frontend" in sheet for sheet in sheets)
    for sheet in sheets:
        response = client.get(sheet, base_url=BASE)
        assert response.status_code == 200, f"{sheet} is missing: run `make setup` (npm run build:css)"
        css = response.get_data(as_text=True)
        assert "@font-face" not in css and "GDS Transport" not in css and "/assets/fonts/" not in css, sheet
        if "govuk-frontend" in sheet:
            assert ".govuk-header" in css and "arial" in css.lower()
