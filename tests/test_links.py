"""The link graph over hand-built facts: each rule, its reason, clusters, episodes and stable ids."""

from __future__ import annotations

import dataclasses

from chronology.analysis.facts import EDUCATION, POLICE
from chronology.analysis.links import build_links
from tests.fact_builders import child_of, fact, own_ref, person, police, quoted_ref

SC = "Children's social care"


def kinds(graph, a, b) -> list[tuple[str, str]]:
    return [(link.kind, link.reason) for link in graph.links if {link.a, link.b} == {a.id, b.id}]


def test_a_police_reference_quoted_by_the_school_is_one_incident_and_a_same_day_routine_record_is_not():
    occurrence = police("2022-03-01", "OR-22-000123", time="22:10")
    encompass = fact(
        "2022-03-02",
        "operation_encompass",
        agency="Education: Oak Lane Primary",
        time="08:40",
        summary="Operation Encompass notification from police (ref OR-22-000123): incident last night",
        categories=("Operation Encompass", "police_ref:OR-22-000123"),
        themes=("domestic_abuse",),
        attributes={"police_reference": "OR-22-000123"},
        references=(quoted_ref("OR-22-000123"),),
    )
    achievement = fact(
        "2022-03-02", "agency_record", agency="Education", time="14:45", summary="Reading certificate"
    )
    gp = fact("2022-03-01", "health_contact", agency="Health", time="10:40", summary="GP: hay fever")
    graph = build_links(child_of(occurrence, encompass, achievement, gp))
    assert kinds(graph, occurrence, encompass) == [
        ("same_incident", "police reference OR-22-000123 quoted by education (operation_encompass)")
    ]
    assert graph.clusters[occurrence.id] == graph.clusters[encompass.id]
    assert achievement.id not in graph.clusters and gp.id not in graph.clusters
    assert achievement.id not in graph.episodes and gp.id not in graph.episodes


def test_ae_injury_hours_after_the_occurrence_joins_it_and_an_earlier_one_does_not():
    occurrence = police("2022-03-01", "OR-22-000200", time="23:30")
    ae = fact("2022-03-02", "ae_attendance", agency="Health", time="01:15", attributes={"injury": "yes"})
    before = fact("2022-03-01", "ae_attendance", agency="Health", time="12:00", attributes={"injury": "yes"})
    not_injury = fact(
        "2022-03-02", "ae_attendance", agency="Health", time="02:00", attributes={"injury": "no"}
    )
    graph = build_links(child_of(occurrence, ae, before, not_injury))
    assert kinds(graph, occurrence, ae) == [
        ("same_incident", "A&E injury attendance 1h45m after police occurrence")
    ]
    assert graph.clusters[ae.id] == graph.clusters[occurrence.id]
    assert graph.clusters[before.id] != graph.clusters[occurrence.id]  # its own incident
    assert not_injury.id not in graph.clusters


def test_a_referral_from_the_police_days_later_reports_the_nearest_occurrence():
    old = police("2022-02-01", "OR-22-000001")
    occurrence = police("2022-03-01", "OR-22-000002")
    referral = fact("2022-03-03", "referral", agency=SC, referring_agency=POLICE)
    school_referral = fact("2022-03-03", "referral", agency=SC, referring_agency=EDUCATION)
    graph = build_links(child_of(old, occurrence, referral, school_referral))
    assert kinds(graph, occurrence, referral) == [
        ("same_incident", "referral from the police 2 days after occurrence OR-22-000002")
    ]
    assert graph.clusters[referral.id] == graph.clusters[occurrence.id] != graph.clusters[old.id]
    assert school_referral.id not in graph.clusters


def test_domestic_abuse_the_same_day_about_the_same_victim_across_agencies():
    mum = person(50, "Kelly Hart", "victim")
    occurrence = police("2022-05-01", "OR-22-000300", time="09:00", persons=(mum,))
    disclosure = fact(
        "2022-05-01",
        "agency_record",
        agency="Housing",
        themes=("domestic_abuse",),
        persons=(mum,),
        summary="DA disclosed",
    )
    other_victim = fact(
        "2022-05-01",
        "agency_record",
        agency="Probation",
        themes=("domestic_abuse",),
        persons=(person(51, "Someone Else", "victim"),),
        summary="DA disclosed",
    )
    graph = build_links(child_of(occurrence, disclosure, other_victim))
    assert kinds(graph, occurrence, disclosure) == [
        ("same_incident", "same day, same victim (Kelly Hart), domestic abuse")
    ]
    assert graph.clusters[other_victim.id] != graph.clusters[occurrence.id]


def test_led_to_chain_from_incident_to_plan():
    occurrence = police("2022-03-01", "OR-22-000400")
    referral = fact("2022-03-02", "referral", agency=SC, referring_agency=POLICE)
    assessment = fact("2022-03-04", "assessment", agency=SC)
    strategy = fact("2022-03-05", "strategy_discussion", agency=SC)
    s47 = fact("2022-03-06", "section_47", agency=SC)
    icpc = fact("2022-03-25", "initial_cp_conference", agency=SC)
    plan = fact("2022-03-25", "cp_plan_start", agency=SC)
    graph = build_links(child_of(occurrence, referral, assessment, strategy, s47, icpc, plan))
    chain = [
        (a, b)
        for a, b in zip(
            [referral, assessment, strategy, s47, icpc], [assessment, strategy, s47, icpc, plan], strict=True
        )
    ]
    for a, b in chain:
        assert [k for k, _ in kinds(graph, a, b)] == ["led_to"], (a.event_type, b.event_type)
    assert kinds(graph, referral, assessment) == [
        ("led_to", "assessment 2 days after the referral of 2022-03-02")
    ]
    # the referral reports the incident (same cluster), so nothing "led to" it
    assert [k for k, _ in kinds(graph, occurrence, referral)] == ["same_incident"]
    episode = {graph.episodes[f.id] for f in (occurrence, referral, assessment, strategy, s47, icpc, plan)}
    assert len(episode) == 1


def test_same_person_and_follows_join_separate_incidents_into_one_episode():
    suspect = person(60, "Dean Shaw", "suspect")
    first = police("2021-01-10", "OR-21-000001", persons=(suspect,))
    second = police("2021-06-10", "OR-21-000002", persons=(suspect,))
    unrelated = police("2024-06-10", "OR-24-000003", da=False)
    graph = build_links(child_of(first, second, unrelated))
    found = kinds(graph, first, second)
    assert ("same_person", "Dean Shaw named again (suspect), as on 2021-01-10") in found
    assert graph.clusters[first.id] != graph.clusters[second.id]
    assert graph.episodes[first.id] == graph.episodes[second.id] != graph.episodes[unrelated.id]
    themes_only = build_links(
        child_of(police("2021-01-10", "OR-21-000011"), police("2021-06-10", "OR-21-000012"))
    )
    assert [link.kind for link in themes_only.links] == ["follows"]
    assert themes_only.links[0].reason == "domestic abuse again, 151 days after 2021-01-10"


def test_every_edge_is_explained_and_points_forward_in_time():
    occurrence = police("2022-03-01", "OR-22-000500", time="21:00")
    referral = fact("2022-03-02", "referral", agency=SC, referring_agency=POLICE)
    assessment = fact("2022-03-03", "assessment", agency=SC)
    graph = build_links(child_of(occurrence, referral, assessment))
    by_id = {f.id: f for f in (occurrence, referral, assessment)}
    assert graph.links
    for link in graph.links:
        assert link.reason and link.kind in {"same_incident", "led_to", "same_person", "follows"}
        assert by_id[link.a].day <= by_id[link.b].day


def test_cluster_and_episode_ids_do_not_depend_on_event_ids_or_order():
    def build(offset: int):
        facts = [
            police("2022-03-01", "OR-22-000600"),
            fact(
                "2022-03-02",
                "referral",
                agency=SC,
                referring_agency=POLICE,
                record="LA1/CINreferralDate/2022-03-02",
            ),
            police("2022-09-01", "OR-22-000601"),
        ]
        renumbered = [dataclasses.replace(f, id=f.id + offset) for f in reversed(facts)]
        graph = build_links(child_of(*renumbered))
        by_record = {f.source_record_id: f.id for f in renumbered}
        return {r: (graph.clusters.get(i), graph.episodes.get(i)) for r, i in by_record.items()}

    first, second = build(0), build(1000)
    assert first == second
    cluster, _ = first["OR-22-000600"]
    assert cluster.startswith("IC-2022-03-01-")
    assert first["LA1/CINreferralDate/2022-03-02"][0] == cluster
    assert first["OR-22-000601"][0] != cluster


def test_undated_events_are_never_linked():
    occurrence = police("2022-03-01", "OR-22-000700")
    undated = fact(None, "operation_encompass", agency="Education", summary="(ref OR-22-000700)")
    graph = build_links(child_of(occurrence, undated))
    assert undated.id not in graph.clusters and not graph.links


def test_a_contact_from_school_that_mentions_the_police_later_is_not_a_police_report():
    occurrence = police("2022-03-01", "OR-22-000800")
    from_school = fact(
        "2022-03-02",
        "contact",
        agency=SC,
        summary="Contact from school: mother says police were called",
        referring_agency=EDUCATION,
    )
    from_police = fact(
        "2022-03-02",
        "contact",
        agency=SC,
        summary="Contact from Police: domestic incident notified",
        referring_agency=POLICE,
    )
    graph = build_links(child_of(occurrence, from_school, from_police))
    assert graph.clusters[from_police.id] == graph.clusters[occurrence.id]
    assert from_school.id not in graph.clusters


def test_a_marac_referral_quoting_the_occurrence_is_a_response_not_a_report():
    occurrence = police("2022-04-01", "OR-22-000900")
    marac = fact(
        "2022-04-10",
        "marac_referral",
        summary="Referral to MARAC following high-risk DASH assessment, occurrence OR-22-000900",
        categories=("MARAC referral",),
        references=(quoted_ref("OR-22-000900"),),
    )
    graph = build_links(child_of(occurrence, marac))
    assert kinds(graph, occurrence, marac) == [
        ("led_to", "police reference OR-22-000900 quoted by police (marac_referral)")
    ]
    assert marac.id not in graph.clusters
    assert graph.episodes[marac.id] == graph.episodes[occurrence.id]


def test_references_of_any_shape_join_as_tokens_whatever_case_spaces_and_separators():
    for own, quoted in [
        ("OCC18/001016", "occ18 001016"),
        ("47/123456/19", "47-123456-19"),
        ("TVP-2019-0012345", "tvp 2019 0012345"),
        ("CC2023/98765", "CC 2023/98765"),
    ]:
        occurrence = police("2022-03-01", own, time="22:10")
        school = fact(
            "2022-03-02",
            "operation_encompass",
            agency="Education: Oak Lane Primary",
            themes=("domestic_abuse",),
            references=(quoted_ref(quoted),),
        )
        graph = build_links(child_of(occurrence, school))
        assert kinds(graph, occurrence, school) == [
            ("same_incident", f"police reference {quoted} quoted by education (operation_encompass)")
        ], own
        assert graph.clusters[occurrence.id] == graph.clusters[school.id]
        assert not graph.unmatched


def test_a_crime_number_the_occurrence_carries_joins_a_record_quoting_it():
    occurrence = fact(
        "2022-03-01",
        "police_occurrence",
        agency=POLICE,
        themes=("domestic_abuse",),
        references=(own_ref("OCC18/001016"), own_ref("CC2023/98765", "crime")),
    )
    letter = fact(
        "2022-03-03", "referral", agency=SC, references=(quoted_ref("cc2023-98765", "crime"),)
    )
    graph = build_links(child_of(occurrence, letter))
    assert graph.clusters[occurrence.id] == graph.clusters[letter.id]


def test_a_reference_that_matches_no_occurrence_is_kept_unmatched_and_never_linked():
    occurrence = police("2022-03-01", "OCC18/001016")
    school = fact(
        "2022-03-02",
        "operation_encompass",
        agency="Education: Oak Lane Primary",
        themes=("domestic_abuse",),
        references=(quoted_ref("OCC18/009999"),),
    )
    other_kind = fact("2022-03-02", "case_note", agency=SC, references=(quoted_ref("CASE-12345", "case"),))
    graph = build_links(child_of(occurrence, school, other_kind))
    assert not [link for link in graph.links if link.kind == "same_incident"]
    assert graph.unmatched == {school.id: ("OCC18/009999",)}  # a case number is not a police reference


def test_a_diagnosis_joins_the_ae_attendance_of_its_own_encounter_only():
    attendance = fact(
        "2022-03-02",
        "ae_attendance",
        agency="Health: City Hospital",
        time="01:15",
        attributes={"injury": "yes"},
        encounter="Encounter/e1",
    )
    diagnosis = fact("2022-03-02", "health_condition", agency="Health: City Hospital", encounter="Encounter/e1")
    elsewhere = fact("2022-03-02", "health_condition", agency="Health: City Hospital", encounter="Encounter/e2")
    graph = build_links(child_of(attendance, diagnosis, elsewhere))
    assert kinds(graph, attendance, diagnosis) == [
        ("same_incident", "health_condition recorded at the A&E attendance")
    ]
    assert elsewhere.id not in graph.clusters
