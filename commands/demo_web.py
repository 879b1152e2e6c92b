"""The demo's last step: one user per role with a fresh password, a team holding some children,
and the web service on localhost."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import click
from sqlalchemy import Connection, Engine, select

from chronology.db.models import PersonIdentifier
from chronology.events import IdentifierKind
from chronology.people import group_members
from chronology.record import find_child
from chronology.users import Role, add_user, allocate, find_user, generate_password, set_password, update_user

DEMO_TEAM = "Demo team"
DEMO_ALLOCATED = 20  # children allocated to the demo team, so a practitioner sees some without a reason


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: Role
    team: str | None
    password: str


def make_demo_users(engine: Engine, featured_child: str | None) -> list[DemoUser]:
    """Create (or reset) demo-<role> users with passwords made for this run, and allocate children."""
    made = []
    with engine.begin() as conn:
        for role in Role:
            username = f"demo-{role.value.replace('_', '-')}"
            team = DEMO_TEAM if role in (Role.PRACTITIONER, Role.MANAGER) else None
            password = generate_password()
            existing = find_user(conn, username)
            if existing is None:
                add_user(conn, username, role.value, team, password)
            else:
                set_password(conn, username, password)
                update_user(conn, existing.id, role=role.value, team=team, active=True)
            made.append(DemoUser(username, role, team, password))
        identifiers = PersonIdentifier.__table__
        some = conn.execute(
            select(identifiers.c.value)
            .where(identifiers.c.kind == IdentifierKind.LA_CHILD_ID.value, identifiers.c.valid.is_(True))
            .distinct()
            .order_by(identifiers.c.value)
            .limit(DEMO_ALLOCATED)
        ).scalars()
        allocate(conn, DEMO_TEAM, [*_la_child_ids(conn, featured_child), *some], "demo")
    return made


def _la_child_ids(conn: Connection, identifier: str | None) -> list[str]:
    """The featured child's LA child IDs (the demo names it by whichever identifier it has)."""
    person_id = find_child(conn, identifier) if identifier else None
    if person_id is None:
        return []
    identifiers = PersonIdentifier.__table__
    return list(
        conn.execute(
            select(identifiers.c.value).where(
                identifiers.c.person_id.in_(group_members(conn, person_id)),
                identifiers.c.kind == IdentifierKind.LA_CHILD_ID.value,
            )
        ).scalars()
    )


def print_credentials(users: list[DemoUser], url: str) -> None:
    click.echo(f"\n4. the web service: {url}")
    click.echo("   sign in as any of these (passwords made for this run, shown only now):")
    for user in users:
        team = f", {user.team}" if user.team else ""
        click.echo(f"   {user.username:<20} {user.password}   ({user.role.value}{team})")


def serve_demo(host: str, port: int) -> None:
    """Serve on localhost over plain http: cookies without Secure, and a secret key for this run only."""
    os.environ.setdefault("CHRONOLOGY_SECRET_KEY", secrets.token_hex(32))
    os.environ["CHRONOLOGY_INSECURE_COOKIES"] = "1"  # plain http on this machine only; never in production
    from commands.serve import serve_app

    serve_app(host, port)
