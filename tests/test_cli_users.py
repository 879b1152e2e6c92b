"""``chronology users`` and ``chronology serve``: users made from the command line, passwords
never echoed back when given on stdin, allocations, and a server that will not start without a key."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from chronology.db.engine import make_engine
from chronology.db.models import TeamAllocation, User
from chronology.users import authenticate
from commands.main import cli


def test_users_add_with_password_on_stdin(cli_env):
    result = CliRunner().invoke(
        cli,
        ["users", "add", "pat", "--role", "practitioner", "--team", "Team A", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "added pat (practitioner, Team A)" in result.output
    assert "a long enough password" not in result.output
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
        assert stored.startswith("$argon2id$") and "a long enough password" not in stored
        assert authenticate(conn, "pat", "a long enough password") is not None


def test_users_add_without_stdin_prints_a_generated_password_once(cli_env):
    result = CliRunner().invoke(cli, ["users", "add", "ada", "--role", "admin"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password (shown once, not stored anywhere readable): ")[1].strip()
    assert len(password) >= 16
    with make_engine(cli_env).begin() as conn:
        assert authenticate(conn, "ada", password).role.value == "admin"


def test_users_add_refuses_bad_input(cli_env):
    runner = CliRunner()
    no_team = runner.invoke(cli, ["users", "add", "pat", "--role", "practitioner"])
    assert no_team.exit_code != 0 and "needs a team" in no_team.output
    short = runner.invoke(
        cli, ["users", "add", "ada", "--role", "admin", "--password-stdin"], input="short\n"
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    runner.invoke(cli, ["users", "add", "ada", "--role", "admin"])
    again = runner.invoke(cli, ["users", "add", "ada", "--role", "auditor"])
    assert again.exit_code != 0 and "already a user called 'ada'" in again.output


def test_users_allocate_children_to_a_team(cli_env):
    runner = CliRunner()
    result = runner.invoke(cli, ["users", "allocate", "Team A", "LA1", "LA2", "LA1"])
    assert result.exit_code == 0 and "2 children allocated to Team A" in result.output
    assert "1 already were" in runner.invoke(cli, ["users", "allocate", "Team A", "LA2"]).output
    with make_engine(cli_env).connect() as conn:
        rows = conn.execute(
            select(TeamAllocation.team, TeamAllocation.la_child_id, TeamAllocation.allocated_by)
        ).all()
    assert sorted(rows) == [("Team A", "LA1", "test-officer"), ("Team A", "LA2", "test-officer")]
    listed = runner.invoke(cli, ["users", "allocations"]).output
    assert "Team A\tLA1" in listed


def test_serve_refuses_to_start_without_a_secret_key(cli_env, monkeypatch):
    monkeypatch.delenv("CHRONOLOGY_SECRET_KEY", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--port", "8765"])
    assert result.exit_code != 0
    assert "CHRONOLOGY_SECRET_KEY is not set" in result.output


def test_insecure_cookies_are_refused_off_this_machine(cli_env, monkeypatch):
    monkeypatch.setenv("CHRONOLOGY_SECRET_KEY", "k")
    monkeypatch.setenv("CHRONOLOGY_INSECURE_COOKIES", "1")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "8765"])
    assert result.exit_code != 0
    assert "plain-http demo on this machine only" in result.output
