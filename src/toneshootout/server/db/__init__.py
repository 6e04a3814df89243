"""Database glue: engine, sessions, ORM base; models live in `db.models`."""
