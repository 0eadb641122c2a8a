"""Storage: the SQLAlchemy schema (`models`), Alembic migrations and database opening.

Only the service layer (`nosetwitch.services`) talks to this package.
"""

SCHEMA_HEAD = "0011_append_revisions"
"""The newest revision under migrations/versions: update it with every new
migration (a test keeps the two in step). Databases at this revision open
without loading Alembic."""


class DatabaseError(RuntimeError):
    """The database cannot be opened or upgraded; the message says why.

    Defined here, not in `database`, so the CLI can catch it without loading SQLAlchemy."""
