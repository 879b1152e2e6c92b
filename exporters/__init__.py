"""Exporters: files written for people and other tools (CSV). They read the domain, never the reverse."""
