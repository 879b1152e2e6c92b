"""No page shows panel members (or anyone) a command to run: the audit store refreshes itself after
every import and identity decision (issue 6), so the panel says what is happening instead."""

from __future__ import annotations

import re
from pathlib import Path

from tests.webapp.conftest import BASE

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
COMMAND = re.compile(r"chronology\s+(audit|audit-store|import|link|serve|refresh|generate|users?)\b|(?<![\w-])--[a-z]{2,}|`")


def test_no_page_shows_panel_members_a_command_to_run(client, login):
    for template in TEMPLATES.rglob("*.html"):
        text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.S)  # comments are not shown
        assert not COMMAND.search(text), f"{template.relative_to(TEMPLATES)} shows a command: {COMMAND.search(text)}"
    login("auditor")
    for path in ("/audit/", "/audit/children"):
        html = client.get(path, base_url=BASE).get_data(as_text=True)
        assert not COMMAND.search(re.sub(r"<[^>]+>", " ", html)), path
