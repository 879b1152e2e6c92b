"""``chronology harm CHILD``: the cumulative-harm index month by month, with what moved it.

The same ``harm_series`` the web chart and the API draw; ``--json`` prints exactly what the API
returns. Viewing it is a view of the child's record, so it is written to the access log.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from chronology.analysis.harm import HarmSeries, harm_series
from chronology.analysis.load import load_child_facts
from chronology.record import find_child, log_access
from commands.store import current_actor, open_store

BAR_POINTS = 0.5  # index points per '#' in the printed bar


def _as_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, not {value!r}") from None


def print_series(series: HarmSeries) -> None:
    """One line per month (index, active themes, a bar), then every contribution with its reason."""
    for point in series.points:
        themes = ", ".join(t.replace("_", " ") for t in point.active_themes) or "-"
        bar = "#" * round(point.index / BAR_POINTS)
        click.echo(
            f"{point.day.isoformat()}  {point.index:5.1f}  {len(point.active_themes)} themes  {bar:<30} {themes}"
        )
    click.echo("what moved it:")
    for item in series.contributions:
        size = f"+{item.points:.1f} points" if item.kind == "harm" else f"-{item.share:.0%} of earlier harm"
        events = f" (events {', '.join(map(str, item.events))})" if item.events else ""
        click.echo(f"  {item.day.isoformat()}  {size:<24} {item.why}{events}")


@click.command("harm")
@click.argument("child")
@click.option("--as-of", callback=_as_date, help="Reference date (default: the data's latest date).")
@click.option(
    "--json", "as_json", type=click.Path(dir_okay=False, path_type=Path), help="Write the series as JSON."
)
def harm_command(child: str, as_of: dt.date | None, as_json: Path | None) -> None:
    """Print CHILD's cumulative-harm index month by month (LA child ID, NHS number or UPN)."""
    engine = open_store()
    with engine.begin() as conn:
        person_id = find_child(conn, child)
        if person_id is None:
            raise click.ClickException(f"no child with LA child ID, NHS number or UPN {child!r}")
        series = harm_series(load_child_facts(conn, person_id, as_of=as_of))
        log_access(
            conn,
            actor=current_actor(),
            action="export" if as_json else "view",
            person_id=person_id,
            detail=f"cumulative-harm index, {len(series.points)} months"
            + (f", to {as_json}" if as_json else ""),
        )
    engine.dispose()
    if as_json:
        as_json.write_text(json.dumps(series.as_dict(), indent=1), encoding="utf-8")
        click.echo(f"wrote {len(series.points)} monthly points to {as_json}")
        return
    print_series(series)
