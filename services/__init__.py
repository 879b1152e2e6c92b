"""Use cases shared by the command line and the web: glue between the plugins and the domain.

``chronology/`` may not know the importers, and ``web/`` and ``commands/`` should not know each other,
so the steps both shells run (which importer reads a file, importing one file) live here.
"""
