"""``chronology demo --no-serve``: the synthetic authority imported, one user per role made with a
password printed once, and children allocated to the demo team (the served part is not run here)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from chronology.db.engine import make_engine
from chronology.db.models import TeamAllocation
from chronology.users import Role, authenticate
from commands.main import cli


@pytest.mark.slow
def test_demo_prints_one_working_sign_in_per_role(cli_env, tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--no-serve", "--children", "6", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    credentials = dict(re.findall(r"^\s+(demo-[\w-]+)\s+(\S+)\s+\(", result.output, flags=re.MULTILINE))
    assert len(credentials) == len(Role)
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        roles = {authenticate(conn, name, password).role for name, password in credentials.items()}
        allocated = conn.execute(select(func.count()).select_from(TeamAllocation)).scalar_one()
    assert roles == set(Role)
    assert allocated > 0
    again = CliRunner().invoke(cli, ["demo", "--no-serve", "--children", "6", "--dir", str(tmp_path / "demo")])
    new_credentials = dict(re.findall(r"^\s+(demo-[\w-]+)\s+(\S+)\s+\(", again.output, flags=re.MULTILINE))
    assert set(new_credentials.values()).isdisjoint(credentials.values())  # made afresh for each run
