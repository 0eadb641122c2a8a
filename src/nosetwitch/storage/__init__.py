"""Storage: the SQLAlchemy schema (`models`), Alembic migrations and database opening.

Only the service layer (`nosetwitch.services`) talks to this package.
"""
