"""The audit patterns of ``../shared/specs/patterns-and-exports.md``: every rule, run for one child.

``find_flags`` is a pure function of a child's facts and the settings in ``config/patterns.toml``, so
a cohort can be split across processes and every rule can be tested on facts built by hand. Each
rule is a small function in ``rules_plans.py`` or ``rules_incidents.py``, registered here under its
code; its name, published source and caveat are in ``PatternSettings.info``.
"""

from __future__ import annotations

from collections.abc import Callable

from chronology.analysis import rules_incidents, rules_plans
from chronology.analysis.facts import ChildFacts, Flag
from chronology.analysis.pattern_context import Context
from chronology.analysis.pattern_settings import PatternSettings, RuleInfo, load_pattern_settings

Rule = Callable[[Context], list[Flag]]

RULES: dict[str, Rule] = {
    "repeat_cp_plan": rules_plans.repeat_cp_plan,
    "repeat_cp_plan_within_2_years": rules_plans.repeat_cp_plan_within_2_years,
    "short_gap_between_plans": rules_plans.short_gap_between_plans,
    "incidents_rise_after_plan_end": rules_plans.incidents_rise_after_plan_end,
    "plan_closed_despite_recent_incidents": rules_plans.plan_closed_despite_recent_incidents,
    "da_escalation": rules_incidents.da_escalation,
    "repeat_marac": rules_incidents.repeat_marac,
    "re_referral_within_12_months": rules_incidents.re_referral_within_12_months,
    "father_not_in_plan": rules_plans.father_not_in_plan,
    "child_voice_not_recorded": rules_plans.child_voice_not_recorded,
    "agency_silent_during_plan": rules_plans.agency_silent_during_plan,
    "multiple_risk_factors": rules_incidents.multiple_risk_factors,
    "was_not_brought": rules_incidents.was_not_brought,
    "incidents_in_isolation": rules_incidents.incidents_in_isolation,
}
PATTERN_CODES = tuple(RULES)


def find_flags(
    child: ChildFacts, settings: PatternSettings | None = None, *, codes: tuple[str, ...] | None = None
) -> list[Flag]:
    """Every flag the rules raise for one child (or only the rules in ``codes``), oldest evidence first."""
    settings = settings or load_pattern_settings()
    context = Context.build(child, settings)
    if context is None:  # no dated facts and no plans: nothing to audit
        return []
    wanted = codes or PATTERN_CODES
    unknown = set(wanted) - set(RULES)
    if unknown:
        raise ValueError(f"unknown pattern code(s): {', '.join(sorted(unknown))}")
    flags = [flag for code in wanted for flag in RULES[code](context)]
    order = {code: index for index, code in enumerate(PATTERN_CODES)}
    return sorted(flags, key=lambda f: (f.evidence_from, order[f.pattern], f.evidence_to, f.events))


def rule_info(settings: PatternSettings | None = None) -> list[RuleInfo]:
    """Every rule's title, description, published source and caveat, in the spec's order."""
    settings = settings or load_pattern_settings()
    return [settings.info[code] for code in PATTERN_CODES]
