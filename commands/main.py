"""The ``chronology`` command: a thin shell over the same functions the web service uses."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from sqlalchemy import select

from chronology import settings
from chronology.dates import DateParseError, parse_date
from chronology.events import ImportFileError
from chronology.record import find_child, load_child, log_access
from commands.serve import serve_command
from commands.store import current_actor, open_store
from commands.users import users_group


@click.group()
def cli() -> None:
    """Multi-agency chronology builder for children's safeguarding."""


@cli.command("init-db")
def init_db() -> None:
    """Create the database, or bring it up to date, by running every migration."""
    from commands.importing import bring_up_to_date
    from commands.store import open_store

    url = settings.database_url()
    engine = open_store(url)
    bring_up_to_date(engine, [])  # children an upgrade (or a stopped run) left waiting
    click.echo(f"database ready: {_safe_url(url)}")


def _safe_url(url: str) -> str:
    """The URL without any password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _parse_covers(value: str | None) -> tuple | None:
    if not value:
        return None
    try:
        start, end = value.split(":", 1)
        return parse_date(start).earliest(), parse_date(end).latest()
    except (ValueError, DateParseError) as exc:
        raise click.BadParameter(f"expected FROM:TO dates, e.g. 2019-01-01:2023-12-31 ({exc})") from None


@cli.command("import")
@click.option("--format", "format_name", help="Importer to use instead of recognising each file.")
@click.option("--agency", help="Agency for files that do not name one on each row.")
@click.option("--covers", help="Period the file covers, FROM:TO (e.g. 2019-01-01:2023-12-31).")
@click.option(
    "--max-mb",
    type=click.IntRange(1),
    default=lambda: int(os.environ.get("CHRONOLOGY_MAX_IMPORT_MB", "512")),
    show_default="512, or CHRONOLOGY_MAX_IMPORT_MB",
    help="Refuse files larger than this many megabytes.",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def import_command(
    format_name: str | None, agency: str | None, covers: str | None, max_mb: int, paths: tuple[Path, ...]
) -> None:
    """Import files (a PATH may be a directory: every file in it some importer recognises)."""
    from commands.importing import bring_up_to_date, import_file, plan
    from importers.base import ImportOptions

    try:
        planned = plan(list(paths), format_name, max_mb * 1024 * 1024)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    period = _parse_covers(covers)
    engine = open_store()
    failed = 0
    unrecognised = [p for p in planned if p.importer is None and p.refused is None]
    reports = []
    for item in planned:
        if item.refused is not None:
            click.echo(f"{item.path.name}: REFUSED, nothing imported — {item.refused}")
            failed += 1
        if item.importer is None:
            continue
        report = import_file(
            engine,
            item.path,
            item.importer,
            ImportOptions(agency=agency, max_bytes=max_mb * 1024 * 1024),
            actor=current_actor(),
            covers=period,
            refresh=False,
        )
        reports.append(report)
        for line in report.lines():
            click.echo(line)
        failed += report.status == "failed"
    bring_up_to_date(engine, reports)
    if unrecognised:
        click.echo(f"not recognised ({len(unrecognised)} files, nothing imported from them):")
        for item in unrecognised:
            click.echo(f"  {item.path}: {item.refusal}")
    if failed or (unrecognised and len(unrecognised) == len(planned)):
        sys.exit(1)


@cli.command("export")
@click.argument("child")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reason", help="Why the record is being exported (kept in the access log).")
def export_command(child: str, out: Path, reason: str | None) -> None:
    """Export CHILD's chronology (LA child ID, NHS number or UPN) as CSV."""
    from exporters.chronology_csv import export_chronology

    engine = open_store()
    with engine.begin() as conn:
        person_id = _find_or_fail(conn, child)
        record = load_child(conn, person_id)
        rows = export_chronology(out, record)
        log_access(
            conn,
            actor=current_actor(),
            action="export",
            person_id=record.person_id,
            detail=f"chronology CSV, {rows} events, to {out}",
            reason=reason,
        )
    click.echo(f"wrote {rows} events for {record.name or child} to {out}")


def _find_or_fail(conn, child: str) -> int:  # type: ignore[no-untyped-def]
    person_id = find_child(conn, child)
    if person_id is None:
        raise click.ClickException(f"no child with LA child ID, NHS number or UPN {child!r}")
    return person_id


@cli.command("show")
@click.argument("child")
@click.option("--limit", default=0, help="Show at most this many events (0: all).")
def show_command(child: str, limit: int) -> None:
    """Print CHILD's chronology, family and identifiers."""
    from commands.display import print_record

    engine = open_store()
    with engine.begin() as conn:
        record = load_child(conn, _find_or_fail(conn, child))
        log_access(
            conn,
            actor=current_actor(),
            action="view",
            person_id=record.person_id,
            detail="chronology printed on the command line",
        )
    print_record(record, limit=limit)


@cli.command("generate")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--children", default=200, show_default=True, help="Number of children in the authority.")
@click.option("--seed", default=1, show_default=True, help="Random seed (same seed, same files).")
@click.option(
    "--formats",
    type=click.Choice(["template", "native"]),
    default="template",
    show_default=True,
    help="template: every agency on the chronology template; native: each agency's own export format.",
)
@click.option(
    "--vary",
    is_flag=True,
    help="Write the same world within what the import spec allows: other reference shapes, wordings, "
    "headers, date forms, encodings, row order, the police file split in two.",
)
@click.option("--vary-seed", default=1, show_default=True, help="Which variation (with --vary).")
def generate_command(out: Path, children: int, seed: int, formats: str, vary: bool, vary_seed: int) -> None:
    """Write a synthetic local authority (every agency's files and a ground-truth file)."""
    from generator import generate_authority

    summary = generate_authority(
        out, children=children, seed=seed, formats=formats, vary_seed=vary_seed if vary else None
    )
    click.echo(f"wrote a synthetic authority of {children} children to {out}" + (" (varied)" if vary else ""))
    for line in summary.lines():
        click.echo(f"  {line}")


@cli.group("people")
def people_group() -> None:
    """Identity: suggested matches to confirm or reject, merges to review or undo."""


@people_group.command("suggestions")
@click.option("--status", default="pending", type=click.Choice(["pending", "confirmed", "rejected"]))
def suggestions_command(status: str) -> None:
    """List suggested matches (name and date of birth) waiting for a person's decision."""
    from chronology.people import list_suggestions

    engine = open_store()
    with engine.connect() as conn:
        rows = list_suggestions(conn, status)
    if not rows:
        click.echo(f"no {status} suggestions")
    for row in rows:
        click.echo(
            f"{row.id}\t{row.score:.2f}\tperson {row.person_a} {row.name_a!r} ~ person {row.person_b} "
            f"{row.name_b!r}\t{row.reason}"
        )


@people_group.command("confirm")
@click.argument("suggestion_id", type=int)
def confirm_command(suggestion_id: int) -> None:
    """Confirm a suggested match: the two records become one person."""
    from services.identity import IdentityError, confirm

    engine = open_store()
    try:
        merge_id, _ = confirm(engine, suggestion_id, current_actor())
    except IdentityError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"suggestion {suggestion_id} confirmed (merge {merge_id}; "
        f"undo with `chronology people undo {merge_id} --reason ...`)"
    )


@people_group.command("reject")
@click.argument("suggestion_id", type=int)
def reject_command(suggestion_id: int) -> None:
    """Reject a suggested match: the two records stay apart and are not suggested again."""
    from services.identity import IdentityError, reject

    engine = open_store()
    try:
        reject(engine, suggestion_id, current_actor())
    except IdentityError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"suggestion {suggestion_id} rejected")


@people_group.command("merges")
@click.argument("child")
def merges_command(child: str) -> None:
    """List how CHILD's records from different agencies were joined."""
    from chronology.people import merges_for

    engine = open_store()
    with engine.connect() as conn:
        rows = merges_for(conn, _find_or_fail(conn, child))
    for row in rows:
        state = f"undone by {row.undone_by}: {row.undo_reason}" if row.undone_at else "current"
        click.echo(
            f"{row.id}\tperson {row.merged_id} -> {row.into_id}\t{row.method}\t{row.evidence}\t"
            f"by {row.made_by}\t{state}"
        )


@people_group.command("undo")
@click.argument("merge_id", type=int)
@click.option("--reason", required=True, help="Why the merge was wrong (kept with the record).")
def undo_command(merge_id: int, reason: str) -> None:
    """Undo a merge: the joined records separate and are kept apart from now on."""
    from services.identity import IdentityError, undo

    engine = open_store()
    try:
        undo(engine, merge_id, current_actor(), reason)
    except IdentityError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"merge {merge_id} undone")


@cli.group("imports")
def imports_group() -> None:
    """Past imports and their reports."""


@imports_group.command("list")
def imports_list() -> None:
    """Every import, newest first, with its counts."""
    from chronology.db.models import ImportBatch

    engine = open_store()
    with engine.connect() as conn:
        rows = conn.execute(select(ImportBatch.__table__).order_by(ImportBatch.__table__.c.id.desc())).all()
    for row in rows:
        click.echo(
            f"{row.id}\t{row.started_at:%Y-%m-%d %H:%M}\t{row.status}\t{row.format}\t{row.file_name}\t"
            f"{batch_counts(row)}" + (f"\t{row.error}" if row.error else "")
        )


def batch_counts(row) -> str:  # type: ignore[no-untyped-def]
    """Every count of an import's report, in the order they add up: records read = events imported +
    relationships + identity records + duplicates + rejected (undated events are among those imported;
    skipped context and warnings are counted apart from the records read)."""
    return (
        f"read {row.rows_read or 0} = imported {row.events_imported or 0} "
        f"(undated {row.events_undated or 0}) + relationships {row.relationships_imported or 0} "
        f"+ identity records {row.person_records or 0} + duplicates {row.duplicates_skipped or 0} "
        f"+ rejected {row.rows_rejected or 0}; skipped {row.skipped or 0}, warnings {row.warnings_count or 0}"
    )


@imports_group.command("show")
@click.argument("batch_id", type=int)
def imports_show(batch_id: int) -> None:
    """One import's rejected rows and warnings, with file, row and field, and the police references
    its records quote that match no occurrence."""
    from chronology.analysis.graph_store import unmatched_references_of_batch
    from chronology.db.models import ImportBatch, ImportIssue
    from chronology.import_history import batch_skipped

    engine = open_store()
    with engine.connect() as conn:
        batch = conn.execute(
            select(ImportBatch.__table__).where(ImportBatch.__table__.c.id == batch_id)
        ).first()
        if batch is None:
            raise click.ClickException(f"there is no import {batch_id}")
        issues = conn.execute(
            select(ImportIssue.__table__)
            .where(ImportIssue.__table__.c.batch_id == batch_id)
            .order_by(ImportIssue.__table__.c.id)
        ).all()
        unmatched = unmatched_references_of_batch(conn, batch_id)
        skipped = batch_skipped(conn, batch_id)
    click.echo(f"import {batch.id}: {batch.file_name} ({batch.format}) {batch.status}")
    click.echo(
        f"  rejected {batch.rows_rejected}, skipped {batch.skipped} (context or types not read as records; "
        "not rejected), warnings "
        f"{batch.warnings_count}"
    )
    if skipped:
        noun = "sheet/resource" if len(skipped) == 1 else "sheets/resources"
        click.echo(f"  skipped: {len(skipped)} {noun}")
        for item in skipped:
            click.echo(f"    {item.what}: {item.reason}")
    for row, refs in unmatched:
        click.echo(
            f"  unmatched reference: {batch.file_name}, row {row if row is not None else '?'}: "
            f"{', '.join(refs)} matches no police occurrence of the child (kept on the event, not linked)"
        )
    for issue in issues:
        where = ", ".join(
            x
            for x in (
                f"row {issue.row}" if issue.row else "",
                issue.path or "",
                f"field '{issue.field}'" if issue.field else "",
            )
            if x
        )
        click.echo(f"  {issue.kind}: {batch.file_name}{', ' + where if where else ''}: {issue.message}")


@cli.command("demo")
@click.option("--children", default=120, show_default=True)
@click.option("--seed", default=7, show_default=True)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the synthetic files (default: instance/demo).",
)
@click.option("--serve/--no-serve", default=True, show_default=True, help="End with the web service on localhost.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo_command(children: int, seed: int, directory: Path | None, serve: bool, port: int) -> None:
    """Generate a synthetic authority, import it through the real importers, show a chronology, serve it."""
    from commands.demo import run_demo
    from commands.demo_web import make_demo_users, print_credentials, serve_demo

    featured = run_demo(children=children, seed=seed, directory=directory)
    users = make_demo_users(open_store(), featured)
    print_credentials(users, f"http://127.0.0.1:{port}/")
    if serve:
        serve_demo("127.0.0.1", port)


cli.add_command(serve_command)
cli.add_command(users_group)


from commands.link import link_command  # noqa: E402

cli.add_command(link_command)

from commands.audit import audit_command, cohort_command  # noqa: E402

cli.add_command(audit_command)
cli.add_command(cohort_command)

from commands.harm import harm_command  # noqa: E402

cli.add_command(harm_command)

from commands.audit_store import audit_store_command  # noqa: E402

cli.add_command(audit_store_command)


def main() -> None:  # pragma: no cover - console entry
    try:
        cli()
    except ImportFileError as exc:
        raise click.ClickException(str(exc)) from None


if __name__ == "__main__":  # pragma: no cover
    main()
