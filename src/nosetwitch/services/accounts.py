"""Accounts for the multi-user web server: sign-up and password check.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's
second recommended profile); a hash made with older parameters is replaced
at the next successful login. User names are case-insensitive and stored
lower-cased. The rows live in the diary's `users` table, so each account owns
its diary rows through `owner_id`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nosetwitch.storage.database import open_engine
from nosetwitch.storage.models import UserRow

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
RESERVED_NAMES = frozenset({"local", "admin", "root"})
"""`local` is the CLI's own single user; the others invite confusion."""

_hasher = PasswordHasher()
# A hash to verify against when the user name is unknown, so a wrong name
# takes as long as a wrong password (no user-name probing by timing).
_DUMMY_HASH = _hasher.hash("not a real password, only for constant timing")


class AccountError(ValueError):
    """Sign-up refused; `field` names what to correct."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password_hash: str


class AccountService:
    """Users of one database."""

    def __init__(self, database_url: str | None):
        self.engine = open_engine(database_url)

    def register(self, username: str, password: str) -> Account:
        """Create an account, or raise AccountError naming the field."""
        name = normalize_username(username)
        check_password(password, name)
        password_hash = _hasher.hash(password)
        with Session(self.engine) as session:
            row = UserRow(username=name, password_hash=password_hash, created_at=dt.datetime.now(dt.timezone.utc))
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise AccountError("username", f"the user name {name!r} is taken") from None
            return Account(row.id, row.username, password_hash)

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account when name and password match, else None (same time either way)."""
        name = username.strip().lower()
        with Session(self.engine) as session:
            row = session.scalar(select(UserRow).where(UserRow.username == name))
            if row is None or not row.password_hash:
                _verify(_DUMMY_HASH, password)
                return None
            if not _verify(row.password_hash, password):
                return None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
                session.commit()
            return Account(row.id, row.username, row.password_hash)

    def get(self, user_id: int) -> Account | None:
        with Session(self.engine) as session:
            row = session.get(UserRow, user_id)
            if row is None or not row.password_hash:
                return None
            return Account(row.id, row.username, row.password_hash)

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(UserRow).where(UserRow.password_hash.is_not(None))) or 0


def normalize_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccountError("username", "a user name is 3 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit")
    if name in RESERVED_NAMES:
        raise AccountError("username", f"the user name {name!r} is reserved")
    return name


def check_password(password: str, username: str = "") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("password", f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if username and username in password.lower():
        raise AccountError("password", "the password must not contain the user name")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
