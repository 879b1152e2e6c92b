"""Small built-in name lists for synthetic people and places.

Names are drawn at random and combined freely, so no generated person stands for anyone real;
places are generic descriptive names, not a real authority's schools or surgeries.
"""

from __future__ import annotations

GIRLS = (
    "Amelia", "Ava", "Bella", "Chloe", "Daisy", "Ellie", "Emily", "Evie", "Freya", "Grace",
    "Hannah", "Isla", "Ivy", "Jessica", "Lacey", "Layla", "Lily", "Maisie", "Mia", "Millie",
    "Molly", "Nevaeh", "Olivia", "Poppy", "Ruby", "Scarlett", "Sienna", "Sophie", "Summer", "Zoë",
    "Aaliyah", "Amber", "Darcie", "Erin", "Esme", "Harper", "Kayla", "Lexi", "Maya", "Phoebe",
)  # fmt: skip
BOYS = (
    "Alfie", "Archie", "Bailey", "Callum", "Charlie", "Dylan", "Ethan", "Finley", "Freddie", "George",
    "Harley", "Harrison", "Harry", "Jack", "Jacob", "Jayden", "Kai", "Leo", "Logan", "Louie",
    "Mason", "Noah", "Oliver", "Oscar", "Reggie", "Riley", "Ronnie", "Theo", "Tommy", "Tyler",
    "Aiden", "Bobby", "Brody", "Connor", "Frankie", "Kian", "Lewis", "Max", "Rhys", "Zac",
)  # fmt: skip
WOMEN = (
    "Amy", "Becky", "Carly", "Chantelle", "Danielle", "Donna", "Emma", "Gemma", "Hayley", "Jade",
    "Jodie", "Kayleigh", "Kelly", "Kirsty", "Laura", "Leanne", "Lisa", "Natalie", "Nicola", "Rebecca",
    "Sam", "Sarah", "Shannon", "Stacey", "Stephanie", "Tasha", "Toni", "Vicky", "Zara", "Chelsea",
)  # fmt: skip
MEN = (
    "Aaron", "Adam", "Ben", "Carl", "Craig", "Daniel", "Darren", "Dean", "Gary", "Jamie",
    "Jason", "Jordan", "Karl", "Kieran", "Lee", "Liam", "Luke", "Mark", "Martin", "Matt",
    "Michael", "Nathan", "Paul", "Ricky", "Ryan", "Scott", "Shane", "Stuart", "Tony", "Wayne",
)  # fmt: skip
OLDER_WOMEN = ("Brenda", "Carol", "Denise", "Elaine", "Janet", "Julie", "Karen", "Linda", "Sandra", "Tracey")
OLDER_MEN = ("Barry", "Colin", "Derek", "Gordon", "Keith", "Kevin", "Malcolm", "Neil", "Roy", "Trevor")
SURNAMES = (
    "Abbott", "Ainsworth", "Barker", "Bennett", "Booth", "Bradley", "Briggs", "Carter", "Chapman", "Cole",
    "Collins", "Cooper", "Dawson", "Dixon", "Doyle", "Elliott", "Fletcher", "Foster", "Gibson", "Graham",
    "Hall", "Harding", "Hart", "Hayes", "Hewitt", "Holmes", "Hughes", "Hunt", "Jarvis", "Kemp",
    "Kendall", "Lawson", "Lloyd", "Lowe", "Marsh", "Mason", "Mills", "Morgan", "Nash", "Nolan",
    "O'Neill", "Owen", "Palmer", "Parsons", "Payne", "Pearce", "Pike", "Porter", "Price", "Quinn",
    "Read", "Reeves", "Riley", "Rowe", "Sharp", "Shaw", "Slater", "Stone", "Sutton", "Talbot",
    "Thorpe", "Turner", "Vaughan", "Wade", "Walsh", "Ward", "Watts", "Webb", "Wells", "Whitehead",
    "Wilde", "Woodward", "Wright", "Yates", "Young", "Barlow", "Dunn", "Fox", "Kirby", "Pollard",
)  # fmt: skip

# Practitioners' surnames never appear in families, so a worker is never mistaken for a relative.
STAFF_SURNAMES = (
    "Ashworth",
    "Bamford",
    "Crossley",
    "Drummond",
    "Entwistle",
    "Fairclough",
    "Greenwood",
    "Holden",
    "Ingham",
    "Lomax",
    "Metcalfe",
    "Ormerod",
    "Pickles",
    "Rushton",
    "Sowerby",
    "Thackray",
    "Upton",
    "Whitworth",
)

PRIMARY_SCHOOLS = (
    "Oak Lane Primary School",
    "Meadow View Primary School",
    "Hillcrest Infant and Junior School",
    "Brookside Primary Academy",
    "Willow Tree Primary School",
    "Park Road Community Primary School",
)
SECONDARY_SCHOOLS = ("Northgate Academy", "Castle Hill High School", "Riverside Community College")
SURGERIES = (
    "Riverside Surgery",
    "Market Street Medical Centre",
    "Elm Grove Practice",
    "Station Road Surgery",
)
HOSPITAL = "Northgate General Hospital"
