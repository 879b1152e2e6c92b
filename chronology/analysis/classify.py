"""What a rule counts: incidents, domestic abuse, responses and the child's voice, as the spec words them.

``../shared/specs/patterns-and-exports.md``: an incident is a police occurrence, a domestic-abuse
notification or disclosure (e.g. a school's Operation Encompass record), an A&E attendance for injury,
or a school safeguarding record in a serious category. Social care's own process events and MARAC
referrals are responses, not incidents. The code lists behind these words live in
``config/patterns.toml`` ``[words]``; every function takes them as an optional argument so a test or
a local authority can change them without touching code.
"""

from __future__ import annotations

import re
from functools import lru_cache

from chronology.analysis.facts import SOCIAL_CARE, Fact
from chronology.analysis.pattern_settings import Words, load_pattern_settings
from chronology.labels import key_set, label_key

DOMESTIC_ABUSE = "domestic_abuse"
INCIDENT_TYPES = frozenset({"police_occurrence", "operation_encompass"})
MARAC_WORD = re.compile(r"\bmarac\b", re.IGNORECASE)
DASH_CATEGORY = re.compile(r"\bdash\b[\s:]*([a-z]+)", re.IGNORECASE)


def default_words() -> Words:
    return load_pattern_settings().words


def _lowered(values: tuple[str, ...]) -> set[str]:
    return {value.strip().lower() for value in values}


def is_incident(fact: Fact, words: Words | None = None) -> bool:
    """An incident by the spec's definition (reports of one incident are counted once by cluster)."""
    words = words or default_words()
    kind = fact.event_type
    if kind in INCIDENT_TYPES:
        return True
    if kind == "ae_attendance":
        return _is_injury(fact, words)
    if kind == "school_safeguarding_concern":
        return bool(label_keys(fact) & _keys(words.serious_school_categories))
    if kind in words.da_notification_types and fact.top_agency != SOCIAL_CARE:
        # another agency's DA notification or disclosure; a MARAC referral written as a row is a response
        return DOMESTIC_ABUSE in fact.themes and not mentions_marac(fact)
    return False


@lru_cache(maxsize=64)
def _keys(labels: tuple[str, ...]) -> frozenset[str]:
    return key_set(labels)


def label_keys(fact: Fact) -> frozenset[str]:
    """The vocabulary keys the importer matched, and the keys of the categories as written (so a
    word list in config matches a label whatever its case, punctuation, plural or word order)."""
    return fact.labels | {label_key(category) for category in fact.categories}


def _is_injury(fact: Fact, words: Words) -> bool:
    if str(fact.attributes.get("injury", "")).strip().lower() in ("yes", "y", "true"):
        return True
    return bool(label_keys(fact) & _keys(words.injury_words))


def is_da_incident(fact: Fact, words: Words | None = None) -> bool:
    """A domestic-abuse incident: an incident under the domestic-abuse theme (police flagged DA included)."""
    if not is_incident(fact, words):
        return False
    return DOMESTIC_ABUSE in fact.themes  # the police importer gives the theme for its DA flag


def is_response(fact: Fact, words: Words | None = None) -> bool:
    """A children's social care response: referral, assessment, section 47 or conference."""
    words = words or default_words()
    return fact.event_type in words.response_types and fact.top_agency == SOCIAL_CARE


def is_referral(fact: Fact) -> bool:
    """A referral to children's social care (what the DfE re-referral measure counts)."""
    return fact.event_type == "referral" and fact.top_agency == SOCIAL_CARE


def is_marac_referral(fact: Fact) -> bool:
    return fact.event_type == "marac_referral" or mentions_marac(fact)


def mentions_marac(fact: Fact) -> bool:
    return any(MARAC_WORD.search(category) for category in fact.categories)


def dash_level(fact: Fact) -> str | None:
    """The DASH risk level a record gives, from its "DASH high" category (the police importer writes
    its DASH column's level so, in the code list's words; a template row writes it itself)."""
    for category in fact.categories:
        found = DASH_CATEGORY.search(category)
        if found:
            return found.group(1).lower()
    return None


def is_high_dash(fact: Fact, words: Words | None = None) -> bool:
    words = words or default_words()
    level = dash_level(fact)
    return level is not None and level in _lowered(words.high_dash_levels)


def is_missed_appointment(fact: Fact, words: Words | None = None) -> bool:
    words = words or default_words()
    return fact.event_type in words.missed_appointment_types


def is_father_relationship(relationship: str | None, words: Words | None = None) -> bool:
    words = words or default_words()
    return relationship is not None and relationship.strip().lower() in _lowered(words.father_relationships)


def records_child_voice(fact: Fact, words: Words | None = None) -> bool:
    """Any agency's record of the child's own views or words, or of the child seen alone.

    The loader sets ``child_voice`` from the event's voice text or seen-alone field; a template row
    says it in a category instead ("Statutory visit; Child seen alone").
    """
    if fact.child_voice:
        return True
    phrases = _lowered((words or default_words()).voice_phrases)
    return any(phrase in category.lower() for category in fact.categories for phrase in phrases)
