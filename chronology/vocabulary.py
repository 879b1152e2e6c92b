"""The controlled vocabulary (event types, risk themes, family roles), read from config/vocabulary.toml."""

from __future__ import annotations

import re
from functools import cache

from chronology.labels import label_key
from chronology.settings import load_config


@cache
def event_types() -> dict[str, str]:
    """Event type code -> meaning."""
    return dict(load_config("vocabulary")["event_types"])


@cache
def themes() -> dict[str, str]:
    """Risk theme code -> label."""
    return dict(load_config("vocabulary")["themes"])


def is_event_type(code: str) -> bool:
    return code in event_types()


@cache
def _theme_patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for theme, words in load_config("vocabulary")["theme_keywords"].items():
        alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        patterns.append((theme, re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)))
    return patterns


@cache
def _theme_keys() -> dict[str, str]:
    """label_key of every theme keyword -> its theme ("Abuse (domestic)" keys as "domestic abuse")."""
    keys: dict[str, str] = {}
    for theme, words in load_config("vocabulary")["theme_keywords"].items():
        for word in words:
            keys.setdefault(label_key(word), theme)
    return keys


def themes_for(texts: list[str], extra_codes: dict[str, str] | None = None) -> list[str]:
    """Risk themes named by category texts; ``extra_codes`` maps exact codes (e.g. CIN factor 3B).

    A keyword is found as a whole word or phrase in the text, or the whole text is the keyword in
    other case, punctuation, plural or word order (``chronology.labels.label_key``).
    """
    found: list[str] = []
    for text in texts:
        if extra_codes and text in extra_codes:
            theme = extra_codes[text]
            if theme not in found:
                found.append(theme)
            continue
        keyed = _theme_keys().get(label_key(text))
        if keyed and keyed not in found:
            found.append(keyed)
        for theme, pattern in _theme_patterns():
            if theme not in found and pattern.search(text):
                found.append(theme)
    return found


@cache
def family_roles() -> dict[str, str]:
    return {key.lower(): value for key, value in load_config("vocabulary")["family_roles"].items()}


def family_relationship(role: str | None) -> str | None:
    """The family relationship a role word names (``dad`` -> ``father``), or None for a professional."""
    if not role:
        return None
    roles = family_roles()
    whole = " ".join(role.lower().split())
    if whole in roles:
        return roles[whole]
    # "mother, victim": the relationship first, then the person's part in this event
    first = whole.split(",", 1)[0].strip()
    return roles.get(first)


@cache
def role_only_names() -> frozenset[str]:
    return frozenset(name.lower() for name in load_config("vocabulary")["role_only_names"]["names"])


def is_role_only_name(name: str | None) -> bool:
    """True when a 'name' is only a role word ("Dad"), so it must be resolved to a real person."""
    return bool(name) and " ".join(name.lower().split()) in role_only_names()
