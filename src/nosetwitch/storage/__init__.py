"""Storage: the SQLAlchemy schema (`models`), Alembic migrations and database opening.

Only the service layer (`nosetwitch.services`) talks to this package.
"""

SCHEMA_HEAD = "0006_devices"
"""The newest revision under migrations/versions: update it with every new
migration (a test keeps the two in step). Databases at this revision open
without loading Alembic."""
