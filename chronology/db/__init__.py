"""Database access: engine, schema migrations and models."""
