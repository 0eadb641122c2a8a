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

from nosetwitch.storage.database import open_engine, writer
from nosetwitch.storage.models import Base, UserRow

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
        name = login_name(username)
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

    def find(self, username: str) -> Account | None:
        """The account of a user name (as login reads it), or None."""
        with Session(self.engine) as session:
            row = session.scalar(select(UserRow).where(UserRow.username == login_name(username)))
            if row is None or not row.password_hash:
                return None
            return Account(row.id, row.username, row.password_hash)

    def verify(self, user_id: int, password: str) -> bool:
        """Whether `password` is this account's (for confirming a change or a deletion)."""
        account = self.get(user_id)
        return account is not None and _verify(account.password_hash, password)

    def set_password(self, user_id: int, new_password: str) -> Account:
        """Store a new password (checked for strength first); raises AccountError naming `new_password`."""
        account = self.get(user_id)
        if account is None:
            raise AccountError("username", "the account no longer exists")
        try:
            check_password(new_password, account.username)
        except AccountError as exc:
            raise AccountError("new_password", str(exc)) from None
        password_hash = _hasher.hash(new_password)
        with Session(self.engine) as session:
            row = session.get(UserRow, user_id)
            if row is None:  # deleted since `get` above
                raise AccountError("username", "the account no longer exists")
            row.password_hash = password_hash
            session.commit()
        return Account(account.id, account.username, password_hash)

    def delete(self, user_id: int) -> None:
        """Remove the account and every row it owns, in every table, in one transaction.

        Tables are emptied child-first by their `owner_id` (not only by the
        foreign keys' cascade), so a table added later is covered as long as it
        has an `owner_id` column."""
        with Session(writer(self.engine)) as session, session.begin():
            for table in reversed(Base.metadata.sorted_tables):
                if "owner_id" in table.c:
                    session.execute(table.delete().where(table.c.owner_id == user_id))
            session.execute(UserRow.__table__.delete().where(UserRow.id == user_id))

    def count(self) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(UserRow).where(UserRow.password_hash.is_not(None))) or 0


def login_name(username: str) -> str:
    """A user name as login, sign-up and the login limit all read it: trimmed, lower case."""
    return (username or "").strip().lower()


def normalize_username(username: str) -> str:
    name = login_name(username)
    if not USERNAME_PATTERN.match(name):
        raise AccountError("username", "a user name is 3 to 40 letters, digits, dots, dashes or underscores, starting with a letter or digit")
    if name in RESERVED_NAMES:
        raise AccountError("username", f"the user name {name!r} is reserved")
    return name


MIN_PASSWORD_SCORE = 3
"""zxcvbn's score from 0 (guessed at once) to 4; 3 means "safely unguessable" for an online attack."""


def check_password(password: str, username: str = "") -> None:
    """Refuse a password that is short or easy to guess, saying why and how to do better.

    Strength is judged by zxcvbn (Dropbox's estimator: common passwords, words,
    names, keyboard patterns, repeats, dates), not by counting characters."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("password", f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("password", f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    if username and username in password.lower():
        raise AccountError("password", "the password must not contain the user name")
    if not password.strip():
        raise AccountError("password", "a password of spaces only is too easy to guess")
    from zxcvbn import zxcvbn

    # zxcvbn's run time grows with the length; the first 100 characters decide.
    verdict = zxcvbn(password[:100], user_inputs=[username, "nosetwitch", "nose", "twitch"])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        feedback = verdict.get("feedback") or {}
        advice = " ".join(part for part in (feedback.get("warning"), *(feedback.get("suggestions") or [])) if part)
        raise AccountError("password", f"this password is too easy to guess. {advice or 'Try a few unrelated words.'}".strip())


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
