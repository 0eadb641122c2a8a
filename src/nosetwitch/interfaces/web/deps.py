"""Who is asking: the request dependencies of pages and API.

The owner of every diary operation comes from here and only from here: in
local mode the CLI's single `local` user, in multi-user mode the user id in
the signed session (checked against the stored password fingerprint). No
handler takes an owner from the request itself. The `Viewer` holds the
owner's one `DiaryOwner` (services/owner.py), which does everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from nosetwitch.interfaces.web.problems import NeedsLogin, Problem
from nosetwitch.interfaces.web.security import password_fingerprint, session_store
from nosetwitch.services.accounts import Account
from nosetwitch.services.owner import DiaryOwner, local_owner, owner_for

R = TypeVar("R")


@dataclass(frozen=True)
class Viewer:
    """The person behind a request: their account (None in local mode) and diary."""

    account: Account | None
    diary: DiaryOwner

    @property
    def username(self) -> str | None:
        return self.account.username if self.account is not None else None


def current_account(request: Request) -> Account | None:
    """The logged-in account in multi-user mode, or None."""
    web = request.app.state.web
    uid = request.session.get("uid")
    if not web.multi_user or uid is None:
        return None
    cached = getattr(request.state, "account", None)
    if cached is not None:
        return cached
    owner = session_store(request).owner(request.session.get("sid"))
    account = web.accounts.get(int(uid)) if owner is not None and str(owner) == str(uid) else None
    if account is None or request.session.get("pwf") != password_fingerprint(account.password_hash):
        request.session.clear()  # logged out, expired, the account is gone or its password changed
        return None
    request.state.account = account
    return account


def resolve_viewer(request: Request) -> Viewer | None:
    web = request.app.state.web
    if not web.multi_user:
        return Viewer(None, local_owner(web.database_url))
    account = current_account(request)
    if account is None:
        return None
    return Viewer(account, owner_for(web.database_url, account.id))


def api_viewer(request: Request) -> Viewer:
    """Dependency for the JSON API: 401 problem when nobody is logged in."""
    viewer = resolve_viewer(request)
    if viewer is None:
        raise Problem(401, "log in first: POST /api/v1/login with username and password")
    return viewer


async def api_viewer_on_loop(request: Request) -> Viewer:
    """`api_viewer` for the busiest routes (see `run_for`): in local mode there is
    no account to look up, so it runs on the event loop without a thread hop."""
    return await run_for(request, api_viewer, request)


async def run_for(request: Request, function: Callable[..., R], *args: Any) -> R:
    """Run a diary call for an `async def` route.

    Local mode (one person): on the event loop. Every diary call of the one
    owner waits for the owner's lock anyway, so a thread would add two hops
    and GIL hand-overs and buy no parallelism. Multi-user mode: in the
    threadpool, so one person's database round trips never hold up another's.
    """
    if not request.app.state.web.multi_user:
        return function(*args)
    return await run_in_threadpool(function, *args)


def page_viewer(request: Request) -> Viewer:
    """Dependency for pages: a redirect to the login page when nobody is logged in."""
    viewer = resolve_viewer(request)
    if viewer is None:
        raise NeedsLogin()
    return viewer


async def page_viewer_on_loop(request: Request) -> Viewer:
    """`page_viewer` for the busiest page (the overview), as `api_viewer_on_loop`."""
    return await run_for(request, page_viewer, request)
