"""Colour is never the only signal, and the colours the service draws with meet WCAG 2.x AA contrast.

The colours are read from the files the browser gets (web/static/*.css, the audit chart template, the
vendored vis-timeline stylesheet for the harm line), so changing a colour there re-runs these checks.
Text needs 4.5:1 against what it sits on (WCAG 1.4.3); a fill or line that carries meaning needs 3:1
against its background (WCAG 1.4.11). Relative luminance is computed here, from the WCAG definition.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from web.timeline_payload import AGENCY_COLOURS, CLUSTER_COLOURS

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "web" / "static"
CHART_TEMPLATE = ROOT / "web" / "templates" / "audit" / "_chart.html"
VIS_CSS = ROOT / "node_modules" / "vis-timeline" / "styles" / "vis-timeline-graph2d.min.css"

PAGE = "#ffffff"  # govuk-template__body: every page (and the timeline, which draws no fill) is on white
TEXT, NON_TEXT = 4.5, 3.0

Colour = tuple[float, float, float]

# --- WCAG maths -----------------------------------------------------------------------------------------


def parse_colour(text: str, backdrop: Colour = (255.0, 255.0, 255.0)) -> Colour:
    """#rgb, #rrggbb, rgb() or rgba() as 0-255 channels; a translucent colour is composited on ``backdrop``."""
    text = text.strip().lower()
    if match := re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})", text):
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(float(int(digits[i : i + 2], 16)) for i in (0, 2, 4))  # type: ignore[return-value]
    if match := re.fullmatch(r"rgba?\(([^)]*)\)", text):
        parts = [float(p) for p in re.split(r"[\s,/]+", match.group(1).strip())]
        alpha = parts[3] if len(parts) == 4 else 1.0
        return tuple(alpha * c + (1 - alpha) * b for c, b in zip(parts[:3], backdrop, strict=True))  # type: ignore[return-value]
    raise ValueError(f"not a colour this test reads: {text!r}")


def relative_luminance(colour: Colour) -> float:
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Colour, b: Colour) -> float:
    light, dark = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- reading the stylesheets ------------------------------------------------------------------------------


def css_rules(path: Path) -> dict[str, dict[str, str]]:
    """Selector -> declarations for every innermost block (rules inside @media included)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (d.partition(":") for d in body.split(";"))
            if value.strip()
        )
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(declarations)
    return rules


def rule(rules: dict[str, dict[str, str]], selector: str, *properties: str) -> str:
    found = rules.get(selector, {})
    for prop in properties:
        if prop in found:
            return found[prop].replace("!important", "").strip()
    raise AssertionError(f"{selector} sets none of {properties}")


APP, TIMELINE, AUDIT = (css_rules(STATIC / name) for name in ("app.css", "timeline.css", "audit.css"))
WHITE = parse_colour(PAGE)


# --- the maths itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("#000", "#fff", 21.0), ("#fff", "#fff", 1.0), ("#767676", "#ffffff", 4.54), ("#1d70b8", "#ffffff", 5.17)],
)
def test_contrast_ratio_matches_published_values(a: str, b: str, expected: float) -> None:
    assert contrast(parse_colour(a), parse_colour(b)) == pytest.approx(expected, abs=0.01)


def test_translucent_colours_are_composited_on_their_backdrop() -> None:
    assert parse_colour("rgba(0, 0, 0, 0.5)") == (127.5, 127.5, 127.5)
    assert parse_colour("rgba(0, 0, 0, 0)", (10.0, 20.0, 30.0)) == (10.0, 20.0, 30.0)


# --- the timeline -----------------------------------------------------------------------------------------


def _item_text() -> Colour:
    return parse_colour(rule(TIMELINE, ".app-timeline .vis-item", "color"))


def _item_fill() -> Colour:
    return parse_colour(rule(TIMELINE, ".app-timeline .vis-item", "background-color", "background"))


def test_event_text_on_an_event_and_on_a_selected_event() -> None:
    selected = parse_colour(rule(TIMELINE, ".app-timeline .vis-item.vis-selected", "background-color"))
    assert contrast(_item_text(), _item_fill()) >= TEXT
    assert contrast(_item_text(), selected) >= TEXT


def test_an_event_box_stands_out_from_the_page() -> None:
    border = parse_colour(rule(TIMELINE, ".app-timeline .vis-item", "border-color"))
    assert contrast(border, WHITE) >= NON_TEXT


def test_every_agency_colour_stands_out_and_its_key_swatch_matches_its_items() -> None:
    """An agency's colour is its items' left edge and its swatch in the key: 3:1 on the page and on an
    item's fill, and the same colour in both places."""
    edges = sorted(s for s in TIMELINE if re.fullmatch(r"\.app-timeline \.vis-item\.app-agency-\d+", s))
    assert len(edges) == AGENCY_COLOURS  # one rule per colour the payload hands out
    for selector in edges:
        number = selector.rsplit("-", 1)[1]
        edge = rule(TIMELINE, selector, "border-left").split()[-1]
        swatch = rule(TIMELINE, f".app-agency-swatch-{number}", "background", "background-color")
        assert parse_colour(edge) == parse_colour(swatch), selector
        assert contrast(parse_colour(edge), WHITE) >= NON_TEXT, selector
        assert contrast(parse_colour(edge), _item_fill()) >= NON_TEXT, selector


def test_a_dimmed_report_stays_readable() -> None:
    dimmed = TIMELINE[".app-timeline .vis-item.app-item--dimmed"]
    assert "opacity" not in dimmed  # fading by opacity would fade the text below 4.5:1
    assert contrast(parse_colour(dimmed["color"]), parse_colour(dimmed["background-color"])) >= TEXT


def test_every_incident_cluster_colour_keeps_its_label_readable() -> None:
    selectors = sorted(s for s in TIMELINE if re.fullmatch(r"\.app-cluster-\d+ \.app-item__cluster", s))
    assert len(selectors) == CLUSTER_COLOURS  # one rule per colour the payload hands out
    edge = parse_colour(rule(TIMELINE, ".app-item__cluster", "border", "border-color").split()[-1])
    for selector in selectors:
        fill = parse_colour(rule(TIMELINE, selector, "background", "background-color"))
        assert contrast(_item_text(), fill) >= TEXT, selector
    for behind in (_item_fill(), parse_colour(rule(TIMELINE, ".app-timeline .vis-item.vis-selected", "background-color"))):
        assert contrast(edge, behind) >= NON_TEXT  # the badge is outlined, whatever its fill


@pytest.mark.parametrize("kind", ["", "--cp", "--looked_after"])
def test_plan_band_labels_are_readable_on_their_band(kind: str) -> None:
    band = parse_colour(rule(TIMELINE, f".app-timeline .vis-item.vis-background.app-plan{kind}", "background-color"))
    label = parse_colour(rule(TIMELINE, ".app-plan__label", "color"))
    assert contrast(label, band) >= TEXT


@pytest.mark.parametrize("kind", ["cp", "cin", "looked_after"])
def test_plan_key_swatches_are_outlined_against_the_page(kind: str) -> None:
    """The swatch's tint is the band's; the key's words name the plan, the outline shows the swatch."""
    border = rule(TIMELINE, ".app-legend__swatch", "border").split()[-1]
    assert contrast(parse_colour(border), WHITE) >= NON_TEXT
    assert rule(TIMELINE, f".app-legend__swatch--{kind}", "background")


def test_the_cumulative_harm_line_stands_out_from_the_page() -> None:
    if not VIS_CSS.exists():
        pytest.skip("node_modules not installed (npm ci)")
    vis = css_rules(VIS_CSS)
    assert contrast(parse_colour(rule(vis, ".vis-graph-group0", "stroke")), WHITE) >= NON_TEXT


# vis-timeline's own text colours on the timeline and harm graph, unless timeline.css overrides them:
# (vis-timeline's selector, this service's override, what the text sits on)
VIS_TEXT = [
    (".vis-time-axis .vis-text", ".app-timeline .vis-time-axis .vis-text", PAGE),
    (".vis-labelset .vis-label", ".app-timeline .vis-labelset .vis-label", PAGE),
    # a service's lane label: its level-1 tint, counted twice for the lane row behind it
    (".vis-labelset .vis-label", ".app-timeline .vis-labelset .vis-label", "rgba(0, 0, 0, 0.0975)"),
    (".vis-data-axis .vis-y-axis.vis-major", ".app-harm .vis-data-axis .vis-y-axis.vis-major", PAGE),
    (".vis-data-axis .vis-y-axis.vis-minor", ".app-harm .vis-data-axis .vis-y-axis.vis-minor", PAGE),
    ("div.vis-tooltip", ".app-timeline div.vis-tooltip", "#f5f4ed"),
]


@pytest.mark.parametrize(("vis_selector", "ours", "behind"), VIS_TEXT)
def test_timeline_library_text_is_readable(vis_selector: str, ours: str, behind: str) -> None:
    if not VIS_CSS.exists():
        pytest.skip("node_modules not installed (npm ci)")
    colour = TIMELINE.get(ours, {}).get("color") or rule(css_rules(VIS_CSS), vis_selector, "color")
    assert contrast(parse_colour(colour), parse_colour(behind)) >= TEXT, (vis_selector, colour)


# --- the base pages and the audit panel --------------------------------------------------------------------


def test_the_focused_sign_out_button() -> None:
    text = parse_colour(rule(APP, ".app-link-button:focus", "color"))
    fill = parse_colour(rule(APP, ".app-link-button:focus", "background-color"))
    assert contrast(text, fill) >= TEXT


def test_every_rule_that_sets_text_and_fill_together_is_readable() -> None:
    """A catch-all for rules added later: any rule naming both colours is checked on its own."""
    checked = 0
    for sheet in (APP, TIMELINE, AUDIT):
        for selector, declarations in sheet.items():
            fill = declarations.get("background-color") or declarations.get("background")
            text = declarations.get("color")
            if not fill or not text or fill in ("none", "transparent") or text in ("inherit", "currentcolor"):
                continue
            assert contrast(parse_colour(text), parse_colour(fill)) >= TEXT, selector
            checked += 1
    assert checked >= 1


def test_audit_chart_text_and_bars() -> None:
    """The SVG bar charts draw on the page's white: their words need 4.5:1, their bars 3:1."""
    svg = CHART_TEMPLATE.read_text(encoding="utf-8")
    text_fills = re.findall(r'<text[^>]*\bfill="([^"]+)"', svg)
    bar_fills = re.findall(r'<rect[^>]*\bfill="([^"]+)"', svg)
    assert text_fills and bar_fills
    for fill in text_fills:
        assert contrast(parse_colour(fill), WHITE) >= TEXT, fill
    for fill in bar_fills:
        assert contrast(parse_colour(fill), WHITE) >= NON_TEXT, fill
