"""Generate config/codes/cin_census.toml from the DfE CIN census XSD (run once; output reviewed by hand).

Labels are copied verbatim from CIN_schema_2024.xsd; codes used only by older yearly schemas
(2016-17 to 2020-21, as published in liia-tools' schema diffs) are added with their labels;
themes, referring agencies and short labels are assigned here by hand.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

XSD = str(Path(__file__).resolve().parents[2] / "shared" / "samples" / "social-care" / "CIN_schema_2024.xsd")
NS = {"xs": "http://www.w3.org/2001/XMLSchema"}

TYPES = {
    "referral_source": "referralsourcetype",
    "primary_need": "primaryneedcodetype",
    "reason_for_closure": "reasonforclosuretype",
    "assessment_factors": "assessmentfactorstype",
    "category_of_abuse": "categoryofabuse",
    "gender": "gendertype",
    "ethnicity": "ethnicitytype",
    "disability": "disabilitytype",
    "upn_unknown": "unknownupntype",
}

HISTORIC_FACTORS = {  # in the 2016-17 to 2019-20 schemas, replaced later
    "8A": "Privately fostered: concerns that services may be required or the child may be at risk as a privately fostered child",
    "18A": "Abuse or neglect - 'PHYSICAL ABUSE': concerns that services may be required or the child may be suffering or likely to suffer significant harm due to abuse or neglect",
    "19A": "Abuse or neglect - 'SEXUAL ABUSE': concerns that services may be required or the child may be suffering or likely to suffer significant harm due to abuse or neglect",
}

FACTOR_SHORT = {
    "1A": "alcohol misuse by the child",
    "1B": "alcohol misuse by a parent or carer",
    "1C": "alcohol misuse by another person in the household",
    "2A": "drug misuse by the child",
    "2B": "drug misuse by a parent or carer",
    "2C": "drug misuse by another person in the household",
    "3A": "domestic violence: the child is the subject",
    "3B": "domestic violence: a parent or carer is the subject",
    "3C": "domestic violence: another person in the household is the subject",
    "4A": "mental health of the child",
    "4B": "mental health of a parent or carer",
    "4C": "mental health of another person in the household",
    "5A": "learning disability of the child",
    "5B": "learning disability of a parent or carer",
    "5C": "learning disability of another person in the household",
    "6A": "physical disability or illness of the child",
    "6B": "physical disability or illness of a parent or carer",
    "6C": "physical disability or illness of another person in the household",
    "7A": "young carer",
    "8A": "privately fostered",
    "8B": "privately fostered: overseas child who intends to return",
    "8C": "privately fostered: overseas child who intends to stay",
    "8D": "privately fostered: UK child in an educational placement",
    "8E": "privately fostered: UK child in an alternative family arrangement",
    "8F": "privately fostered: other",
    "9A": "unaccompanied asylum-seeking child",
    "10A": "going or being missing",
    "11A": "child sexual exploitation",
    "12A": "trafficking",
    "13A": "gangs",
    "14A": "socially unacceptable behaviour",
    "15A": "self-harm",
    "16A": "neglect",
    "17A": "emotional abuse",
    "18A": "physical abuse",
    "18B": "physical abuse by another child",
    "18C": "physical abuse by an adult",
    "19A": "sexual abuse",
    "19B": "sexual abuse by another child",
    "19C": "sexual abuse by an adult",
    "20": "other",
    "21": "no factors identified",
    "22A": "female genital mutilation",
    "23A": "abuse linked to faith or belief",
    "24A": "child criminal exploitation",
}

# Risk themes (config/vocabulary.toml [themes]). Only where the code clearly names the theme:
# 1B/2B (a parent's misuse) are parental substance misuse; the child's own or another household
# member's misuse (1A/1C/2A/2C) are not given a parental theme.
FACTOR_THEME = {
    "1B": "parental_substance_misuse",
    "2B": "parental_substance_misuse",
    "3A": "domestic_abuse",
    "3B": "domestic_abuse",
    "3C": "domestic_abuse",
    "4A": "child_mental_health",
    "4B": "parental_mental_health",
    "5A": "disability",
    "5B": "disability",
    "5C": "disability",
    "6A": "disability",
    "6B": "disability",
    "6C": "disability",
    "7A": "young_carer",
    "10A": "missing",
    "11A": "exploitation",
    "12A": "exploitation",
    "13A": "exploitation",
    "15A": "child_mental_health",
    "16A": "neglect",
    "17A": "emotional_abuse",
    "18A": "physical_abuse",
    "18B": "physical_abuse",
    "18C": "physical_abuse",
    "19A": "sexual_abuse",
    "19B": "sexual_abuse",
    "19C": "sexual_abuse",
    "22A": "physical_abuse",
    "23A": "other_harm",
    "24A": "exploitation",
}

ABUSE_THEME = {
    "NEG": "neglect",
    "PHY": "physical_abuse",
    "SAB": "sexual_abuse",
    "EMO": "emotional_abuse",
    "MUL": "other_harm",
}
NEED_THEME = {"N2": "disability", "N3": "disability"}

# Who raised the concern, as the agency names used across the chronology.
REFERRAL_AGENCY = {
    "1A": "Individual (family member, relative or carer)",
    "1B": "Individual (acquaintance, neighbour or child minder)",
    "1C": "Individual (the child)",
    "1D": "Individual (other, including a stranger)",
    "2A": "Education (school)",
    "2B": "Education (education services)",
    "3A": "Health (GP)",
    "3B": "Health (health visitor)",
    "3C": "Health (school nurse)",
    "3D": "Health (other primary health services)",
    "3E": "Health (A&E)",
    "3F": "Health (other, e.g. hospice)",
    "4": "Housing",
    "5A": "Local authority (social care, e.g. adult social care)",
    "5B": "Local authority (other department, e.g. youth offending)",
    "5C": "Another local authority",
    "5D": "Local authority (early help)",
    "6": "Police",
    "7": "Other legal agency (courts, probation, immigration, CAFCASS or prison)",
    "8": "Other (children's centre, independent or voluntary organisation)",
    "9": "Anonymous",
    "10": "Unknown",
}
REFERRAL_TOP = {
    "1": "Individual",
    "2": "Education",
    "3": "Health",
    "4": "Housing",
    "5": "Local authority",
    "6": "Police",
    "7": "Other legal agency",
    "8": "Other",
    "9": "Anonymous",
    "10": "Unknown",
}

SEX = {"M": "Male", "F": "Female", "U": "Unknown or not recorded"}
SEX_FROM_CODE = {"1": "M", "2": "F", "M": "M", "F": "F"}


def enumerations(root: ET.Element, type_name: str) -> list[tuple[str, str]]:
    node = root.find(f"xs:simpleType[@name='{type_name}']", NS)
    assert node is not None, type_name
    found = []
    for enum in node.iter(f"{{{NS['xs']}}}enumeration"):
        doc = enum.find(".//xs:documentation", NS)
        label = " ".join((doc.text or "").split()) if doc is not None else ""
        found.append((enum.get("value"), label.lstrip("(")))
    return found


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def table(name: str, rows: list[tuple[str, dict[str, str]]], comment: str) -> str:
    out = [f"# {comment}", f"[{name}]"]
    for code, fields in rows:
        inner = ", ".join(f"{key} = {toml_string(value)}" for key, value in fields.items() if value != "")
        out.append(f"{toml_string(code)} = {{ {inner} }}")
    return "\n".join(out) + "\n"


def main() -> None:
    root = ET.parse(XSD).getroot()
    parts = [
        "# CIN census code lists: code -> label (verbatim from the DfE XSD), and where one fits a risk\n"
        "# theme from config/vocabulary.toml [themes].\n"
        "# Generated once from CIN_schema_2024.xsd by a small script (labels copied, never retyped, except a\n"
        "# stray '(' before 5D's label); codes\n"
        "# from older yearly schemas (2016-17 to 2019-20: factors 8A, 18A, 19A) added with their labels.\n"
        "# Themes, referring agencies and the short labels used in event summaries were assigned by hand.\n"
        '# Edit by hand from here on; keep codes quoted ("1A", "10").\n'
    ]
    referral = []
    for code, label in enumerations(root, TYPES["referral_source"]):
        top = REFERRAL_TOP[code[:-1] if code[-1].isalpha() else code]
        referral.append((code, {"label": label, "agency": REFERRAL_AGENCY[code], "agency_group": top}))
    parts.append(
        table(
            "referral_source",
            referral,
            "ReferralSource: who made the referral (agency = who raised the concern)",
        )
    )
    need = [
        (c, {"label": lab, "theme": NEED_THEME.get(c, "")})
        for c, lab in enumerations(root, TYPES["primary_need"])
    ]
    parts.append(table("primary_need", need, "PrimaryNeedCode: the child's main need at assessment"))
    closure = [(c, {"label": lab}) for c, lab in enumerations(root, TYPES["reason_for_closure"])]
    parts.append(table("reason_for_closure", closure, "ReasonForClosure"))
    factors = dict(enumerations(root, TYPES["assessment_factors"]))
    for code, label in HISTORIC_FACTORS.items():
        factors.setdefault(code, label)
    ordered = sorted(factors, key=lambda c: (int("".join(ch for ch in c if ch.isdigit())), c))
    factor_rows = [
        (
            c,
            {
                "label": factors[c],
                "short": FACTOR_SHORT[c],
                "theme": FACTOR_THEME.get(c, ""),
                "historic": "yes" if c in HISTORIC_FACTORS else "",
            },
        )
        for c in ordered
    ]
    parts.append(
        table(
            "assessment_factors",
            factor_rows,
            "AssessmentFactors: factors identified at the end of assessment",
        )
    )
    abuse = [
        (c, {"label": lab, "theme": ABUSE_THEME[c]})
        for c, lab in enumerations(root, TYPES["category_of_abuse"])
    ]
    parts.append(table("category_of_abuse", abuse, "InitialCategoryOfAbuse / LatestCategoryOfAbuse"))
    gender = [
        (c, {"label": lab, "sex": SEX_FROM_CODE.get(c, "")}) for c, lab in enumerations(root, TYPES["gender"])
    ]
    parts.append(
        table(
            "gender",
            gender,
            "GenderCurrent (to 2023-24); also accepted in <Sex> (sex = what the person record gets)",
        )
    )
    sex = [(c, {"label": lab, "sex": SEX_FROM_CODE.get(c, "")}) for c, lab in SEX.items()]
    parts.append(table("sex", sex, "Sex (from 2024-25)"))
    eth = [(c, {"label": lab}) for c, lab in enumerations(root, TYPES["ethnicity"])]
    parts.append(table("ethnicity", eth, "Ethnicity"))
    dis = [(c, {"label": lab}) for c, lab in enumerations(root, TYPES["disability"])]
    parts.append(table("disability", dis, "Disability"))
    upn = [(c, {"label": lab}) for c, lab in enumerations(root, TYPES["upn_unknown"])]
    parts.append(
        table("upn_unknown", upn, "UPNunknown: the reason no UPN is given (the XSD gives no labels)")
    )
    sys.stdout.write("\n".join(parts))


main()
