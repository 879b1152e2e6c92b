"""Properties of the two folds records are joined on: ``reference_token`` / ``references_in_text``
(one police occurrence however it is written) and ``label_key`` (one code list value however it is
worded). Written independently of the generator's variation mode, so they test the folds, not it.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chronology.labels import label_key
from chronology.references import reference_token, references_in_text
from chronology.settings import load_config

# Letter prefixes a cue could swallow when written apart ("ref no 12/345" really is ambiguous): in
# text such a prefix is written against its digits ("ref NO12/345"), which is not.
_CONF = load_config("references")
AMBIGUOUS_PREFIXES = frozenset(w.upper() for w in _CONF["fillers"]["words"]) | frozenset(
    cue.upper() for cue in _CONF["cues"] if " " not in cue
)
CUES = ("ref", "Ref:", "occurrence", "Occurrence", "police ref:", "Police Ref", "crime no.", "Crime No.")

prefixes = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=0, max_size=4)
digit_groups = st.lists(
    st.text(alphabet="0123456789", min_size=1, max_size=7), min_size=1, max_size=3
).filter(lambda groups: sum(map(len, groups)) >= 4)


@st.composite
def references(draw) -> tuple[str, list[str]]:
    """(letter prefix, digit groups) of a reference in some force's shape."""
    return draw(prefixes), draw(digit_groups)


def written(draw, prefix: str, groups: list[str], *, in_text: bool) -> str:
    """One way a person writes the reference: any case, any separators (in text a space stands only
    before a group of two or more digits, as a reader needs), for a column also surrounding spaces."""
    cased = "".join(ch.lower() if draw(st.booleans()) else ch for ch in prefix)
    apart = in_text and prefix.upper() in AMBIGUOUS_PREFIXES
    out = cased + (draw(st.sampled_from(["", " ", "/", "-", "."])) if prefix and not apart else "")
    for i, group in enumerate(groups):
        spaced = not in_text or len(group) >= 2
        marks = ["/", "-", ".", *([" "] if spaced else []), *([] if in_text else [""])]
        out += (draw(st.sampled_from(marks)) if i else "") + group
    if not in_text:
        out = draw(st.sampled_from(["", " ", "  "])) + out + draw(st.sampled_from(["", " ", "\t"]))
    return out


@given(references(), st.data())
def test_every_writing_of_a_reference_has_one_token(reference, data):
    prefix, groups = reference
    one = written(data.draw, prefix, groups, in_text=False)
    other = written(data.draw, prefix, groups, in_text=False)
    assert reference_token(one) == reference_token(other) == prefix + "".join(groups)


words = st.sampled_from(["Mum", "seen", "at", "home", "school", "informed", "notification", "DSL", "police"])


@given(
    references(), st.data(), st.sampled_from(CUES), st.lists(words, max_size=4), st.lists(words, max_size=4)
)
def test_a_reference_after_a_cue_is_found_with_its_token(reference, data, cue, before, after):
    prefix, groups = reference
    ref = written(data.draw, prefix, groups, in_text=True)
    closing = data.draw(st.sampled_from(["", ")", ".", ",", ";"]))
    opening = "(" if closing == ")" else ""
    text = " ".join([*before, f"{opening}{cue} {ref}{closing}", *after])
    found = references_in_text(text)
    assert prefix + "".join(groups) in [r.token for r in found], (text, found)


# The spec's listed values (import-formats.md): police occurrence types, school log categories,
# case-note event types.
OCCURRENCE_TYPES = (
    "Domestic incident",
    "Domestic crime",
    "Assault",
    "Concern for welfare",
    "Missing person",
    "Drugs",
    "Criminal damage",
    "MARAC referral",
)
SCHOOL_CATEGORIES = (
    "Domestic abuse",
    "Operation Encompass",
    "Disclosure",
    "Neglect",
    "Attendance",
    "Behaviour",
    "Physical injury",
    "Mental health",
    "Self-harm",
    "Missing education",
    "Other",
)
CASE_NOTE_TYPES = (
    "home visit",
    "statutory visit",
    "strategy discussion",
    "core group",
    "child protection conference",
    "review conference",
    "family group conference",
    "contact",
    "case note",
)
SPEC_LABELS = OCCURRENCE_TYPES + SCHOOL_CATEGORIES + CASE_NOTE_TYPES
STOPWORDS_SEEN = ("to", "of", "for")  # linking words a reworded label may gain ("Referral to MARAC")


def plural(word: str) -> str:
    if word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("sh", "ch", "x")):
        return word + "es"
    return word + "s"


@given(st.sampled_from(SPEC_LABELS), st.data())
def test_a_labels_case_marks_plural_and_word_order_key_alike(label, data):
    words = label.replace("-", " ").split()
    if data.draw(st.booleans()):
        words[-1] = plural(words[-1])
    words = data.draw(st.permutations(words))
    words = [w.upper() if data.draw(st.booleans()) else w.lower() for w in words]
    if len(words) > 1 and data.draw(st.booleans()):
        words = [words[0], data.draw(st.sampled_from(STOPWORDS_SEEN)), *words[1:]]
    text = words[0]
    for word in words[1:]:
        text += data.draw(st.sampled_from([" ", " - ", " / ", ", ", "  ", " ("])) + word
    text = data.draw(st.sampled_from(["", " "])) + text + data.draw(st.sampled_from(["", ")", " ", "."]))
    assert label_key(text) == label_key(label), text


def test_named_variants_key_as_the_spec_value():
    pairs = {
        "DOMESTIC - INCIDENT": "Domestic incident",
        "Incident (domestic)": "Domestic incident",
        "Domestic Incidents": "Domestic incident",
        "Referral to MARAC": "MARAC referral",
        "MARAC Referrals": "MARAC referral",
        "Welfare concern": "Concern for welfare",
        "Physical Injuries": "Physical injury",
        "OPERATION ENCOMPASS": "Operation Encompass",
        "Statutory Visits": "statutory visit",
    }
    assert {text: label_key(text) for text in pairs} == {
        text: label_key(spec) for text, spec in pairs.items()
    }


def test_different_spec_values_never_key_alike():
    assert label_key("Domestic incident") != label_key("Domestic crime")
    keys = {}
    for label in SPEC_LABELS:
        keys.setdefault(label_key(label), set()).add(label.lower())
    assert {key: labels for key, labels in keys.items() if len(labels) > 1} == {}
