"""What a rule counts: incidents, domestic abuse, responses and the child's voice, as the spec words them.

``../shared/specs/patterns-and-exports.md``: an incident is a police occurrence, a domestic-abuse
notification or disclosure (e.g. a school's Operation Encompass record), an A&E attendance for injury,
or a school safeguarding record in a serious category. Social care's own process events and MARAC
referrals are responses, not incidents.
"""

from __future__ import annotations

from chronology.analysis.facts import Fact

SERIOUS_SCHOOL_CATEGORIES = frozenset({"domestic abuse", "disclosure", "physical injury", "neglect", "self-harm"})
RESPONSE_TYPES = frozenset(
    {"referral", "assessment", "section_47", "initial_cp_conference", "review_cp_conference"}
)
DOMESTIC_ABUSE = "domestic_abuse"


def is_incident(fact: Fact) -> bool:
    """An incident by the spec's definition (reports of one incident are counted once by cluster)."""
    kind = fact.event_type
    if kind == "police_occurrence" or kind == "operation_encompass":
        return True
    if kind == "ae_attendance":
        return str(fact.attributes.get("injury", "")).lower() == "yes"
    if kind == "school_safeguarding_concern":
        return any(c.strip().lower() in SERIOUS_SCHOOL_CATEGORIES for c in fact.categories)
    if kind == "agency_record":  # any agency's template row: a DA notification or disclosure
        return DOMESTIC_ABUSE in fact.themes and not _mentions_marac(fact)
    return False


def is_da_incident(fact: Fact) -> bool:
    """A domestic-abuse incident: police flagged DA, or an incident under the domestic-abuse theme."""
    if not is_incident(fact):
        return False
    if fact.event_type == "police_occurrence" and str(fact.attributes.get("domestic_abuse", "")).upper() == "Y":
        return True
    return DOMESTIC_ABUSE in fact.themes


def is_response(fact: Fact) -> bool:
    """A children's social care response: referral, assessment, section 47 or conference."""
    return fact.event_type in RESPONSE_TYPES


def is_marac_referral(fact: Fact) -> bool:
    return fact.event_type == "marac_referral" or _mentions_marac(fact)


def _mentions_marac(fact: Fact) -> bool:
    return any("marac" in c.lower() for c in fact.categories)
