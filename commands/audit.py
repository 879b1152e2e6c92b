"""``chronology audit`` and ``chronology cohort``: a panel's cohort, its patterns, the panel CSV.

Children are read and audited one at a time, shared among worker processes (each opens its own
engine), so a cohort of 20,000 children uses every CPU and the memory of a few children. The main
process writes the CSV and the access log.

Access log: one entry per child whose record the output discloses (every child with a row in the
CSV; every child listed by ``cohort``), because the log's question is "who has seen this child's
record": a single summary entry without the child would hide the audit from that question.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Connection, Engine, func, select

from chronology import settings
from chronology.analysis.audit import AuditRequest, ChildAudit, audit_child
from chronology.analysis.cohorts import PLAN_KINDS, CohortError, CohortFilter, normalised, preset, presets
from chronology.analysis.load import iter_child_ids, load_child_facts
from chronology.analysis.patterns import PATTERN_CODES
from chronology.db.models import Event
from chronology.record import load_coverage, log_access
from chronology.vocabulary import themes as known_themes
from commands.link import worker_engine
from commands.store import current_actor, open_store

MAX_BATCH = 50  # children handed to a worker at a time


# --- running a cohort -----------------------------------------------------------------------------------


def audit_children(engine: Engine, child_ids: list[int], request: AuditRequest) -> list[ChildAudit]:
    """Audit these children in this process (the worker's job, and the whole job for one worker)."""
    found = []
    with engine.connect() as conn:
        for child_id in child_ids:
            child = load_child_facts(conn, child_id, as_of=request.as_of)
            result = audit_child(child, request)
            if result is not None:
                found.append(result)
    return found


_worker: tuple[Engine, AuditRequest] | None = None


def _start_worker(url: str, request: AuditRequest) -> None:
    global _worker
    _worker = (worker_engine(url), request)


def _audit_batch(child_ids: list[int]) -> list[ChildAudit]:
    assert _worker is not None
    engine, request = _worker
    return audit_children(engine, child_ids, request)


def _batches(ids: list[int], workers: int) -> Iterator[list[int]]:
    """Batches small enough that every worker gets several, so one slow batch does not hold all."""
    size = max(1, min(MAX_BATCH, math.ceil(len(ids) / (workers * 4))))
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def run_audit(url: str, request: AuditRequest, *, workers: int) -> list[ChildAudit]:
    """Every child in the cohort, in child order, audited across ``workers`` processes."""
    engine = worker_engine(url)
    with engine.connect() as conn:
        child_ids = list(iter_child_ids(conn))
    if workers <= 1 or len(child_ids) <= 1:
        found = audit_children(engine, child_ids, request)
        engine.dispose()
        return found
    engine.dispose()
    found = []
    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(url, request)) as pool:
        for part in pool.map(_audit_batch, _batches(child_ids, workers)):
            found.extend(part)
    return found


def data_reference_date(conn: Connection) -> dt.date | None:
    """The latest date the imported data covers (coverage of completed imports), else the latest event."""
    ends = [cover.end for cover in load_coverage(conn)]
    if ends:
        return max(ends)
    return conn.execute(select(func.max(Event.__table__.c.date))).scalar()


# --- options shared by both commands --------------------------------------------------------------------


def _as_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date as YYYY-MM-DD, not {value!r}", param=param) from None


def _age_on(_ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None or value in ("plan_start", "as_of"):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"expected plan_start, as_of or a date as YYYY-MM-DD, not {value!r}"
        ) from None


def _codes(_ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [code for code in value if code not in PATTERN_CODES]
    if unknown:
        raise click.BadParameter(
            f"unknown pattern code(s) {', '.join(unknown)}; known: {', '.join(PATTERN_CODES)}", param=param
        )
    return value


def _themes(_ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [theme for theme in value if theme not in known_themes()]
    if unknown:
        raise click.BadParameter(
            f"unknown risk theme(s) {', '.join(unknown)}; known: {', '.join(known_themes())}", param=param
        )
    return value


COHORT_OPTIONS = [
    click.option(
        "--cohort", "preset_name", help="A named cohort from config/cohorts.toml (e.g. bucks_2019)."
    ),
    click.option("--age-min", type=click.IntRange(0), help="Aged at least this many completed years."),
    click.option("--age-max", type=click.IntRange(0), help="Aged at most this many completed years."),
    click.option(
        "--age-on",
        callback=_age_on,
        help="When the age is taken: plan_start, as_of or a date (default: the plan's start when there "
        "are plan conditions, else the reference date).",
    ),
    click.option(
        "--plan-kind", type=click.Choice(PLAN_KINDS), help="Which plans: cp (default), cin, looked_after."
    ),
    click.option("--plan-days-min", type=click.IntRange(0), help="Plan lasted at least this many days."),
    click.option("--plan-days-max", type=click.IntRange(0), help="Plan lasted at most this many days."),
    click.option(
        "--plan-months-min", type=click.IntRange(0), help="Plan lasted at least this many whole months."
    ),
    click.option(
        "--plan-months-max", type=click.IntRange(0), help="Plan lasted at most this many whole months."
    ),
    click.option("--plan-started-from", callback=_as_date, help="Plan started on or after this date."),
    click.option("--plan-started-to", callback=_as_date, help="Plan started on or before this date."),
    click.option(
        "--plan-category", "plan_categories", multiple=True, help="Category of abuse (NEG or Neglect, ...)."
    ),
    click.option(
        "--main-concern",
        "main_concerns",
        multiple=True,
        callback=_themes,
        help="A risk theme the plan was mainly for.",
    ),
    click.option("--min-plans", type=click.IntRange(1), help="At least this many plans (2: repeat plans)."),
    click.option("--agency", "agencies", multiple=True, help="Known to this agency (all that are given)."),
    click.option(
        "--theme", "themes", multiple=True, callback=_themes, help="Risk theme recorded (all given)."
    ),
    click.option(
        "--has-pattern",
        "has_patterns",
        multiple=True,
        callback=_codes,
        help="Pattern found for the child (all given).",
    ),
    click.option(
        "--as-of", callback=_as_date, help="The audit's reference date (default: the data's latest date)."
    ),
    click.option(
        "--workers",
        type=click.IntRange(1),
        default=lambda: os.cpu_count() or 1,
        show_default="the number of CPUs",
        help="Worker processes sharing the children.",
    ),
]


def cohort_options(command: Any) -> Any:
    for option in reversed(COHORT_OPTIONS):
        command = option(command)
    return command


def build_cohort(preset_name: str | None, options: dict[str, Any]) -> CohortFilter:
    """The preset (or every child) narrowed by the conditions given on the command line."""
    try:
        base = preset(preset_name) if preset_name else CohortFilter()
        conditions = {
            **{key: options[key] for key in _SCALARS},
            "plan_categories": frozenset(options["plan_categories"]),
            "main_concerns": frozenset(options["main_concerns"]),
            "agencies": frozenset(options["agencies"]),
            "themes": frozenset(options["themes"]),
            "patterns": frozenset(options["has_patterns"]),
        }
        return normalised(base.with_conditions(**conditions))
    except CohortError as exc:
        raise click.UsageError(str(exc)) from None


_SCALARS = (
    "age_min",
    "age_max",
    "age_on",
    "plan_kind",
    "plan_days_min",
    "plan_days_max",
    "plan_months_min",
    "plan_months_max",
    "plan_started_from",
    "plan_started_to",
    "min_plans",
)


def _request(
    patterns: tuple[str, ...], preset_name: str | None, options: dict[str, Any], *, with_flags: bool = True
) -> tuple[str, AuditRequest]:
    """The panel's request, checked before the database is opened; the reference date defaults to
    the data's latest date, one date for the whole cohort."""
    try:
        request = AuditRequest(
            build_cohort(preset_name, options), tuple(dict.fromkeys(patterns)), None, with_flags
        )
    except ValueError as exc:  # a preset naming an unknown pattern
        raise click.UsageError(str(exc)) from None
    url = settings.database_url()
    as_of = options["as_of"]
    if as_of is None:
        engine = open_store(url)
        with engine.connect() as conn:
            as_of = data_reference_date(conn)
        engine.dispose()
    return url, replace(request, as_of=as_of)


# --- the commands ---------------------------------------------------------------------------------------


@click.command("audit")
@click.option("--pattern", "patterns", multiple=True, callback=_codes, help="Only this pattern (repeatable).")
@cohort_options
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The panel CSV.")
@click.option("--reason", help="Why the audit is being exported (kept in the access log).")
def audit_command(
    patterns: tuple[str, ...], preset_name: str | None, out: Path, reason: str | None, **options: Any
) -> None:
    """Run the audit patterns over a cohort and write the panel CSV (one row per flag)."""
    from exporters.audit_csv import export_audit

    url, request = _request(patterns, preset_name, options)
    found = run_audit(url, request, workers=options["workers"])
    rows = export_audit(out, ((child.child_id, flag) for child in found for flag in child.flags))
    flagged = [child for child in found if child.flags]
    what = (
        f"audit panel CSV ({request.cohort.describe()}; patterns {', '.join(request.patterns) or 'all'}; "
        f"reference date {request.as_of})"
    )
    engine = open_store(url)
    with engine.begin() as conn:
        for child in flagged:
            log_access(
                conn,
                actor=current_actor(),
                action="export",
                person_id=child.person_id,
                detail=f"{what}: {len(child.flags)} flag(s) for this child, to {out}",
                reason=reason,
            )
    engine.dispose()
    click.echo(
        f"{len(found)} children in the cohort ({request.cohort.describe()}), reference date {request.as_of}; "
        f"{len(flagged)} with flags: wrote {rows} flags to {out}"
    )


@click.command("cohort")
@cohort_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the list as CSV.")
@click.option("--list-presets", is_flag=True, help="List the named cohorts and stop.")
@click.option("--reason", help="Why the cohort is being listed (kept in the access log).")
def cohort_command(
    preset_name: str | None, out: Path | None, list_presets: bool, reason: str | None, **options: Any
) -> None:
    """Print the children a cohort selects, with the plan(s) that matched and why."""
    if list_presets:
        for name, data in sorted(presets().items()):
            click.echo(f"{name}\t{data.get('title', '')}\t{data.get('source', '')}")
        return
    url, request = _request((), preset_name, options, with_flags=False)
    found = run_audit(url, request, workers=options["workers"])
    if out is not None:
        from exporters.cohort_csv import export_cohort

        export_cohort(out, found)
    what = f"listed in a cohort ({request.cohort.describe()}; reference date {request.as_of})"
    engine = open_store(url)
    with engine.begin() as conn:
        for child in found:
            log_access(
                conn,
                actor=current_actor(),
                action="export" if out else "search",
                person_id=child.person_id,
                detail=what + (f", to {out}" if out else ""),
                reason=reason,
            )
    engine.dispose()
    click.echo(
        f"{len(found)} children in the cohort ({request.cohort.describe()}), reference date {request.as_of}"
    )
    for child in found:
        click.echo(f"{child.child_id}\t{child.match.describe()}")
