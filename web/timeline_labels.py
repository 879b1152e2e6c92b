"""An item's short label on the timeline: what tells it apart from its neighbours comes first.

Agencies' summaries often open with the same words ("Domestic crime at home address: ..."), so a
label made of the summary's start reads the same on every police item. The label leads instead with
the event type (or, for a general type, the source's own category), the child's part in the event,
the DASH risk level, and only then a fragment of the summary. Config: config/timeline_labels.toml.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from chronology.display_names import display
from chronology.labels import label_key
from chronology.settings import load_config

SEPARATOR = " · "
FRAGMENT_SIZE = 48  # the summary's part of the label; the whole summary is in the event's detail


@cache
def _rules() -> dict[str, Any]:
    return load_config("timeline_labels")


def item_label(
    event_type: str, summary: str | None, categories: Sequence[str], attributes: dict[str, Any]
) -> str:
    """``type · role · DASH level · summary fragment``, leaving out the parts the event does not have."""
    parts = [_type_words(event_type, categories)]
    if role := child_role(attributes):
        parts.append(role)
    if dash := dash_level(categories, attributes):
        parts.append(f"DASH {dash}")
    if fragment := summary_fragment(summary, parts[0]):
        parts.append(fragment)
    return SEPARATOR.join(parts)


def _type_words(event_type: str, categories: Sequence[str]) -> str:
    words = display(event_type, "event_types")
    if event_type in _rules()["generic_event_types"]:
        prefix = _rules()["dash"]["category_prefix"]
        flags = set(_rules()["flag_categories"])
        own = [c for c in categories if c and not c.startswith(prefix) and c not in flags]
        if own:
            return own[0]
    return words


def child_role(attributes: dict[str, Any]) -> str | None:
    """The child's part in the event (victim, suspect, witness...) when an attribute records it."""
    for name in _rules()["role_attributes"]:
        value = attributes.get(name)
        if not value:
            continue
        words = set(label_key(str(value)).split())
        for word, shown in _rules()["roles"].items():
            if word in words:
                return str(shown)
    return None


def dash_level(categories: Sequence[str], attributes: dict[str, Any]) -> str | None:
    """The DASH risk level, from the importer's category ("DASH high") or the source's own field."""
    prefix = _rules()["dash"]["category_prefix"]
    for category in categories:
        if category.startswith(prefix) and category[len(prefix) :].strip():
            return category[len(prefix) :].strip().lower()
    for name in _rules()["dash"]["attributes"]:
        if value := attributes.get(name):
            return str(value).strip().lower()
    return None


def summary_fragment(summary: str | None, type_words: str) -> str:
    """The summary's distinguishing part: after an opening "Heading:" when there is one, without the
    type's words it repeats, cut to ``FRAGMENT_SIZE`` characters."""
    text = " ".join((summary or "").split())
    head, colon, rest = text.partition(": ")
    if colon and len(head) <= 60 and rest:
        text = rest
    if label_key(text) == label_key(type_words):
        return ""
    if type_words and text.lower().startswith(type_words.lower()):
        text = text[len(type_words) :].strip(" -–—:,;") or text
    return text if len(text) <= FRAGMENT_SIZE else text[: FRAGMENT_SIZE - 1].rstrip() + "…"
