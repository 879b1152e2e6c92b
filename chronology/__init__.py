"""Multi-agency chronology: the domain (events, people, store, analysis).

Knows no file format and no web framework: importers/ and web/ depend on it, never the reverse.
"""
