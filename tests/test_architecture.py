"""The layering of ../shared/design/architecture.md, checked rather than hoped for."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import inspect

from chronology.db.engine import make_engine
from commands.main import cli

ROOT = Path(__file__).resolve().parent.parent


def imported_top_levels(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_the_domain_imports_no_format_no_web_and_no_command_line():
    offenders = {
        path: names & {"importers", "exporters", "web", "commands", "generator", "flask"}
        for path, names in imported_top_levels("chronology").items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_importers_never_touch_the_database_or_the_web():
    offenders = {
        path: names & {"sqlalchemy", "web", "commands", "exporters"}
        for path, names in imported_top_levels("importers").items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_web_reaches_importers_and_the_pipeline_only_through_services():
    offenders = {
        path: names & {"importers", "commands", "generator"}
        for path, names in imported_top_levels("web").items()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_services_sit_below_both_shells_and_the_domain_below_services():
    shells = {
        path: names & {"web", "commands", "flask", "click"}
        for path, names in imported_top_levels("services").items()
    }
    assert {path: names for path, names in shells.items() if names} == {}
    domain = {path: names & {"services"} for path, names in imported_top_levels("chronology").items()}
    assert {path: names for path, names in domain.items() if names} == {}


def test_every_command_module_imports():
    """The command line is a shell over services: moving glue out must leave every module importable."""
    import commands

    names = [module.name for module in pkgutil.iter_modules(commands.__path__)]
    assert "importing" in names
    for name in names:
        importlib.import_module(f"commands.{name}")


def test_init_db_builds_the_schema_by_migrations(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    monkeypatch.setenv("CHRONOLOGY_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["init-db"])
    assert result.exit_code == 0 and "database ready" in result.output
    tables = set(inspect(make_engine(url)).get_table_names())
    assert {"alembic_version", "events", "persons", "person_identifiers", "access_log"} <= tables
