"""Phrases for event descriptions, so rows read like agencies' own brief, factual entries."""

from __future__ import annotations

MINOR_ILLNESS = (
    "cough and cold, advice given",
    "ear infection, antibiotics prescribed",
    "eczema review",
    "tonsillitis, antibiotics prescribed",
    "viral rash, reassurance given",
    "constipation, advice given",
    "conjunctivitis, drops prescribed",
    "asthma review, inhaler technique checked",
    "head lice advice",
    "chest infection, antibiotics prescribed",
    "hay fever, antihistamine prescribed",
)
AE_ILLNESS = (
    "high temperature and vomiting; observed and discharged",
    "wheeze; nebuliser given, discharged",
    "croup; steroid given, discharged",
    "abdominal pain; no cause found, discharged",
)
ACCIDENTAL_INJURY = (
    "fell from scooter, sprained wrist",
    "fell in playground, cut to chin glued",
    "trapped finger in door, X-ray normal",
    "fell from trampoline, bruised knee",
    "hit head on table edge, observed and discharged",
)
WNB_CLINICS = (
    "Paediatric outpatients",
    "Audiology",
    "Orthoptics",
    "Community paediatrics",
    "Dental hospital",
    "Speech and language therapy",
)
BEHAVIOUR = (
    "Low-level disruption in class; parent informed",
    "Refused to follow instructions at lunchtime",
    "Argument with peer in playground; resolved with restorative conversation",
    "Late to school three times this week; parent contacted",
)
VOICE_YOUNG = (
    "I like it when Mummy reads me stories",
    "Daddy shouts and I hide under the covers",
    "I don't like the loud noises at night",
    "My favourite thing is going to the park with Nanny",
    "I was scared when the police came",
    "I sleep with my teddy when it's noisy",
)
VOICE_OLDER = (
    "I worry about Mum when I'm at school",
    "I don't want him to come back to the house",
    "It's calmer at home now but I still get scared",
    "I want to see my dad but not when he's angry",
    "Nobody asks me what I think",
    "I look after my little brother when they argue",
    "I'd like things to stay like they are now",
    "I don't like going home on Fridays",
)
BABY_OBSERVATION = (
    "observed alone in cot while mother in kitchen: settled, good eye contact, babbling",
    "observed alone on play mat: reaching for toys, content",
    "observed alone with worker: smiled, followed toys, no concerns about presentation",
)
SEEN_WITH_PARENT = (
    "Child seen with mother present; appeared clean and appropriately dressed",
    "Child seen in the living room with mother; home conditions adequate",
    "Child seen briefly with mother present; child was tired",
)
HOME_CONDITIONS_POOR = (
    "home conditions poor: little food in the house, dirty nappies on floor",
    "child's clothes too small and unwashed; bedding soiled",
)
MOTHER_LOW_MOOD = (
    "mother reports low mood and poor sleep; sertraline started, review in 4 weeks",
    "mother reports anxiety and panic attacks; referred to talking therapies",
    "mother's depression reviewed; medication increased",
)
PROGRESS = (
    "working at the expected standard in reading, writing and maths",
    "working towards the expected standard in writing",
    "making good progress; settled in class",
    "working above the expected standard in maths",
    "progress slower this term; extra reading support in place",
)
