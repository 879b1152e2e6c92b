"""``chronology users``: people who sign in to the web service, and children's allocation to teams."""

from __future__ import annotations

import sys

import click

from chronology.users import (
    Role,
    UserError,
    add_user,
    allocate,
    allocations,
    deallocate,
    generate_password,
    list_users,
    set_password,
)
from commands.store import current_actor, open_store

ROLES = [role.value for role in Role]


@click.group("users")
def users_group() -> None:
    """Users of the web service and team allocations."""


def _read_password() -> str:
    """The first line of standard input: a password never appears in the shell history or `ps`."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.UsageError("--password-stdin: no password on standard input")
    return line


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--team", help="The team a practitioner or manager works in.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add_command(username: str, role: str, team: str | None, password_stdin: bool) -> None:
    """Add a user. Without --password-stdin a password is made and printed once."""
    password = _read_password() if password_stdin else generate_password()
    engine = open_store()
    try:
        with engine.begin() as conn:
            user = add_user(conn, username, role, team, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {user.username} ({user.role.value}{', ' + user.team if user.team else ''})")
    if not password_stdin:
        click.echo(f"password (shown once, not stored anywhere readable): {password}")


@users_group.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def password_command(username: str, password_stdin: bool) -> None:
    """Set a new password. Without --password-stdin one is made and printed once."""
    password = _read_password() if password_stdin else generate_password()
    engine = open_store()
    try:
        with engine.begin() as conn:
            set_password(conn, username, password)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password changed for {username}")
    if not password_stdin:
        click.echo(f"password (shown once): {password}")


@users_group.command("list")
def list_command() -> None:
    """Every user with role, team and whether they can sign in."""
    engine = open_store()
    with engine.connect() as conn:
        for user in list_users(conn):
            state = "active" if user.active else "deactivated"
            click.echo(f"{user.username}\t{user.role.value}\t{user.team or '-'}\t{state}")


@users_group.command("allocate")
@click.argument("team")
@click.argument("child_ids", nargs=-1, required=True)
def allocate_command(team: str, child_ids: tuple[str, ...]) -> None:
    """Allocate children (by LA child ID) to TEAM."""
    engine = open_store()
    try:
        with engine.begin() as conn:
            added = allocate(conn, team, list(child_ids), current_actor())
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{added} children allocated to {team} ({len(child_ids) - added} already were)")


@users_group.command("deallocate")
@click.argument("team")
@click.argument("child_id")
def deallocate_command(team: str, child_id: str) -> None:
    """Take a child (by LA child ID) off TEAM's allocation."""
    engine = open_store()
    with engine.begin() as conn:
        removed = deallocate(conn, team, child_id)
    click.echo(f"{child_id} removed from {team}" if removed else f"{child_id} was not allocated to {team}")


@users_group.command("allocations")
@click.option("--team", help="Only this team.")
def allocations_command(team: str | None) -> None:
    """List children allocated to teams."""
    engine = open_store()
    with engine.connect() as conn:
        for row in allocations(conn, team):
            click.echo(f"{row.team}\t{row.la_child_id}\t{row.allocated_at:%Y-%m-%d}\t{row.allocated_by}")
