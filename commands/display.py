"""Printing a child's record in a terminal: identity, the people around them, then the events."""

from __future__ import annotations

import textwrap

import click

from chronology.record import ChildRecord, events_by_agency


def print_record(record: ChildRecord, *, limit: int = 0) -> None:
    disagree = {d.fact for d in record.disagreements}
    dob = record.dob.marked() if record.dob else "unknown"
    born = "born: facts disagree (below)" if "dob" in disagree else f"born {dob}"
    click.echo(f"{record.name or '(name not recorded)'}, {born}")
    for disagreement in record.disagreements:
        click.echo(f"  FACTS DISAGREE — {disagreement.describe()} (none is chosen)")
    for kind, values in sorted(record.identifiers.items()):
        click.echo(f"  {kind}: {', '.join(values)}")
    for kind, value, problem in record.invalid_identifiers:
        click.echo(f"  {kind}: {value} (INVALID, not used to match: {problem})")
    if record.family:
        click.echo("Who is who:")
        for member in record.family:
            extra = []
            if member.parental_responsibility:
                extra.append("parental responsibility")
            if member.lives_with_child:
                extra.append("lives with the child")
            tail = f" — {', '.join(extra)}" if extra else ""
            click.echo(f"  {member.label()}{tail}  [known to: {', '.join(sorted(member.sources))}]")
    if record.coverage:
        click.echo("Data held (periods the imported files cover; silence outside them means no data):")
        for span in record.coverage:
            click.echo(f"  {span.agency}: {span.start.isoformat()} to {span.end.isoformat()}")
    counts = ", ".join(f"{agency} {n}" for agency, n in sorted(events_by_agency(record).items()))
    click.echo(f"Chronology: {len(record.entries)} events ({counts})")
    shown = record.entries[:limit] if limit else record.entries
    for entry in shown:
        when = entry.date.marked() if entry.date else f"undated ({entry.date_text or 'no date'})"
        if entry.time:
            when += f" {entry.time:%H:%M}"
        flag = "*" if entry.significant else " "
        line = f"{flag} {when:<17} {entry.agency:<24} {entry.event_type:<24} {entry.summary}"
        click.echo(textwrap.shorten(line, width=160, placeholder=" …"))
        if entry.persons:
            click.echo(f"{'':21}people: {'; '.join(p.display for p in entry.persons)}")
    if limit and len(record.entries) > limit:
        click.echo(f"  … {len(record.entries) - limit} more (chronology show --limit 0, or export)")
