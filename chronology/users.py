"""People who use the service, their roles and teams, and which children each team holds.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, which follow RFC 9106). The
command line and the web pages both call these functions, so a user made either way is the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from chronology.db.models import PersonIdentifier, TeamAllocation, User, utcnow
from chronology.events import IdentifierKind
from chronology.sessions import end_user_sessions

users_t = User.__table__
allocations_t = TeamAllocation.__table__
identifiers_t = PersonIdentifier.__table__

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when a username is unknown, so a wrong name costs as long as a wrong password.
    Made on first use, not at import: every ``chronology`` command imports this module."""
    return _hasher.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 12


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    MANAGER = "manager"
    AUDITOR = "auditor"
    DATA_OFFICER = "data_officer"
    ADMIN = "admin"


ROLE_WORDS = {
    Role.PRACTITIONER: "Practitioner",
    Role.MANAGER: "Manager",
    Role.AUDITOR: "Auditor",
    Role.DATA_OFFICER: "Data officer",
    Role.ADMIN: "Administrator",
}

TEAM_ROLES = frozenset({Role.PRACTITIONER, Role.MANAGER})  # roles whose access follows their team


class UserError(Exception):
    """A user action that cannot be done (name taken, weak password, unknown user...)."""


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    role: Role
    team: str | None
    active: bool
    created_at: object
    last_login: object


def _view(row) -> UserView:  # type: ignore[no-untyped-def]
    return UserView(
        row.id, row.username, Role(row.role), row.team, row.active, row.created_at, row.last_login
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    """A random password to hand over once (about 128 bits)."""
    return secrets.token_urlsafe(16)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password must have at least {MIN_PASSWORD_LENGTH} characters")


def add_user(conn: Connection, username: str, role: str, team: str | None, password: str) -> UserView:
    username = username.strip()
    if not username:
        raise UserError("a username is needed")
    try:
        role_value = Role(role)
    except ValueError:
        raise UserError(f"unknown role {role!r}; roles: {', '.join(r.value for r in Role)}") from None
    if role_value in TEAM_ROLES and not team:
        raise UserError(f"a {role_value.value} needs a team (--team)")
    check_password_strength(password)
    if find_user(conn, username) is not None:
        raise UserError(f"there is already a user called {username!r}")
    new_id = conn.execute(
        insert(users_t).values(
            username=username,
            password_hash=hash_password(password),
            role=role_value.value,
            team=team or None,
            active=True,
            created_at=utcnow(),
        )
    ).inserted_primary_key[0]
    return get_user(conn, int(new_id))  # type: ignore[return-value]


def get_user(conn: Connection, user_id: int) -> UserView | None:
    row = conn.execute(select(users_t).where(users_t.c.id == user_id)).first()
    return _view(row) if row else None


def find_user(conn: Connection, username: str) -> UserView | None:
    row = conn.execute(select(users_t).where(users_t.c.username == username.strip())).first()
    return _view(row) if row else None


def list_users(conn: Connection) -> list[UserView]:
    return [_view(r) for r in conn.execute(select(users_t).order_by(users_t.c.username))]


def authenticate(conn: Connection, username: str, password: str) -> UserView | None:
    """The active user with this name and password, else None (same work either way)."""
    row = conn.execute(select(users_t).where(users_t.c.username == username.strip())).first()
    stored = row.password_hash if row is not None else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.active:
        return None
    values: dict[str, object] = {"last_login": utcnow()}
    if _hasher.check_needs_rehash(stored):
        values["password_hash"] = hash_password(password)
    conn.execute(update(users_t).where(users_t.c.id == row.id).values(**values))
    return _view(row)


def set_password(conn: Connection, username: str, password: str) -> None:
    """A new password; every session the user has ends (whoever knew the old one may be signed in)."""
    check_password_strength(password)
    user = find_user(conn, username)
    if user is None:
        raise UserError(f"there is no user called {username!r}")
    conn.execute(update(users_t).where(users_t.c.id == user.id).values(password_hash=hash_password(password)))
    end_user_sessions(conn, user.id)


def update_user(conn: Connection, user_id: int, *, role: str, team: str | None, active: bool) -> None:
    try:
        role_value = Role(role)
    except ValueError:
        raise UserError(f"unknown role {role!r}") from None
    if role_value in TEAM_ROLES and not team:
        raise UserError(f"a {role_value.value} needs a team")
    done = conn.execute(
        update(users_t)
        .where(users_t.c.id == user_id)
        .values(role=role_value.value, team=team or None, active=active)
    )
    if not done.rowcount:
        raise UserError(f"there is no user {user_id}")
    if not active:  # deactivated: every session ends now, and stays ended if reactivated later
        end_user_sessions(conn, user_id)


# --- team allocations ---------------------------------------------------------------------------------


def allocate(conn: Connection, team: str, la_child_ids: list[str], actor: str) -> int:
    """Allocate children (by LA child ID) to a team; already allocated ones are left as they are."""
    team = team.strip()
    if not team:
        raise UserError("a team name is needed")
    added = 0
    for child_id in dict.fromkeys(c.strip() for c in la_child_ids if c.strip()):
        exists = conn.execute(
            select(allocations_t.c.id).where(
                allocations_t.c.team == team, allocations_t.c.la_child_id == child_id
            )
        ).first()
        if exists is None:
            conn.execute(
                insert(allocations_t).values(
                    team=team, la_child_id=child_id, allocated_by=actor, allocated_at=utcnow()
                )
            )
            added += 1
    return added


def deallocate(conn: Connection, team: str, la_child_id: str) -> bool:
    done = conn.execute(
        delete(allocations_t).where(allocations_t.c.team == team, allocations_t.c.la_child_id == la_child_id)
    )
    return bool(done.rowcount)


def allocations(conn: Connection, team: str | None = None) -> list:  # type: ignore[type-arg]
    query = select(allocations_t).order_by(allocations_t.c.team, allocations_t.c.la_child_id)
    if team is not None:
        query = query.where(allocations_t.c.team == team)
    return list(conn.execute(query))


def teams_of_child(conn: Connection, members: list[int]) -> set[str]:
    """Teams holding the child whose source records are ``members`` (via any of their LA child IDs)."""
    la_ids = select(identifiers_t.c.value).where(
        identifiers_t.c.person_id.in_(members), identifiers_t.c.kind == IdentifierKind.LA_CHILD_ID.value
    )
    return set(
        conn.execute(select(allocations_t.c.team).where(allocations_t.c.la_child_id.in_(la_ids))).scalars()
    )
