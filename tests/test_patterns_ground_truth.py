"""The audit patterns measured against the truth: a generated authority, in each agency's own export
format, imported through the real importers, then every child read back and audited.

Every pattern the ground truth says fires for a planted child is flagged, with evidence dates that
overlap the truth's; no negative control is flagged; background children (not listed in the truth)
get no flag at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest
from click.testing import CliRunner

from chronology.analysis.load import iter_child_ids, load_child_facts
from chronology.analysis.patterns import find_flags
from chronology.db.engine import make_engine
from chronology.people import IdentityError, confirm_suggestion, list_suggestions
from chronology.record import load_child
from commands.main import cli
from exporters.audit_csv import panel_child_id
from generator.pattern_truth import score, table, truth_child, truth_index


def confirm_every_suggestion(conn) -> None:
    """The data officer's step: in the synthetic authority every name + date-of-birth suggestion is right
    (``bench/identity_quality.py`` measures that), so a child's health or school records that carry no
    shared identifier join the child as an officer would join them.
    """
    for suggestion in list_suggestions(conn):
        with contextlib.suppress(IdentityError):  # already one person through an earlier confirmation
            confirm_suggestion(conn, suggestion.id, "test-officer")


@pytest.fixture
def audited(cli_env, tmp_path):
    out = tmp_path / "la"
    runner = CliRunner()
    generated = runner.invoke(
        cli, ["generate", "--out", str(out), "--children", "60", "--seed", "11", "--formats", "native"]
    )
    assert generated.exit_code == 0, generated.output
    imported = runner.invoke(cli, ["import", str(out)], catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    truth = json.loads((out / "ground-truth.json").read_text())
    as_of, index = dt.date.fromisoformat(truth["as_of"]), truth_index(truth)
    engine = make_engine(cli_env)
    with engine.begin() as conn:
        confirm_every_suggestion(conn)
    flagged = {}
    with engine.connect() as conn:
        for person_id in iter_child_ids(conn):
            child = load_child_facts(conn, person_id, as_of=as_of)
            key = truth_child(index, load_child(conn, person_id, with_events=False).identifiers)
            flagged.setdefault(key or panel_child_id(child), []).extend(find_flags(child))
    engine.dispose()
    return truth, flagged


def test_every_planted_pattern_is_flagged_and_no_negative_control(audited):
    truth, flagged = audited
    assert {c["la_child_id"] for c in truth["children"]} <= set(flagged)  # every planted child was audited
    scores = score(truth, flagged)
    report = table(scores)
    missed = {code: sorted(s.false_negative) for code, s in scores.codes.items() if s.false_negative}
    assert missed == {}, report
    unmatched = {
        code: (s.occurrences_matched, s.occurrences)
        for code, s in scores.codes.items()
        if s.occurrences_matched < s.occurrences
    }
    assert unmatched == {}, report
    assert scores.must_not_violated == [], report


def test_background_children_trigger_no_pattern(audited):
    truth, flagged = audited
    planted = {c["la_child_id"] for c in truth["children"]}
    background = {
        child: [f.pattern for f in flags]
        for child, flags in flagged.items()
        if child not in planted and flags
    }
    assert background == {}
    assert len(flagged) - len(planted) > 20  # there were background children to check
