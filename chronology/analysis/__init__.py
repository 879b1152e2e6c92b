"""Analysis over one child's chronology: plans, the link graph, cumulative harm and audit patterns.

Everything here is computed per child from a ``ChildFacts`` (see ``facts.py``), so a cohort of
20,000 children runs across processes. Nothing here knows a file format, Flask or the command line.
"""
