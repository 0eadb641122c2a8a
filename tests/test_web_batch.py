"""Twitches logged at the same moment: stored in one transaction (group commit),
each request answered on its own."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from nosetwitch.interfaces.web import create_app
from nosetwitch.services.diary import DiaryService
from nosetwitch.services.owner import DiaryOwner, local_owner


def _in_a_thread(coroutine: Coroutine[Any, Any, Any]) -> Any:
    # In a thread of its own: the browser tests' driver may keep an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@pytest.mark.parametrize("on_loop", [True, False], ids=["on the loop", "in a thread"])
def test_a_mixed_batch_is_stored_together_and_each_twitch_answered_on_its_own(sqlite_url: str, on_loop: bool):
    service = DiaryService(sqlite_url)
    service.add_symptom(id="s1", code="pain", onset="gradual", started_at="2026-03-10T21:30:00+01:00")
    owner = DiaryOwner(service, on_loop=on_loop)
    owner.log_twitch({"started_at": "2026-03-10T08:00:00+01:00"})  # e1
    at = "2026-03-10T09:00:00+01:00"

    async def together(*twitches: dict) -> list:
        return await asyncio.gather(*(owner.log_twitch_soon(t) for t in twitches), return_exceptions=True)

    results = _in_a_thread(together({"started_at": at}, {"started_at": at, "intensity": 9}, {"started_at": at, "sites": ["jaw"]}))
    assert [getattr(r, "id", None) for r in results] == ["e2", None, "e3"]  # the refused one uses up no number
    assert "intensity" in str(results[1])
    # An id in the way (here one a symptom has) sends the batch one by one: the others still go in.
    results = _in_a_thread(together({"started_at": at}, {"id": "s1", "started_at": at}, {"started_at": at}))
    assert [getattr(r, "id", None) for r in results] == ["e4", None, "e5"]
    assert "already used by a symptom" in str(results[1])
    kept = [e.id for e in owner.load_diary().episodes]
    assert kept == [e.id for e in service.load_diary().episodes] == ["e1", "e2", "e3", "e4", "e5"]
    assert owner.read(lambda diary, timeline: timeline.episodes.count_on(dt.date(2026, 3, 10))) == 5


def test_twitches_posted_at_the_same_moment_share_one_transaction(sqlite_url: str, monkeypatch: pytest.MonkeyPatch):
    app = create_app(sqlite_url)
    service = local_owner(sqlite_url)._service
    transactions = []
    original = service.add_episodes
    monkeypatch.setattr(service, "add_episodes", lambda episodes, **kw: (transactions.append(len(episodes)), original(episodes, **kw))[1])

    async def post_together() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            token = (await client.get("/api/v1/session")).json()["csrf_token"]
            bodies = [{"intensity": 2}] * 9 + [{"intensity": 7}, {"sites": ["nose", "cheek"]}]
            return await asyncio.gather(*(client.post("/api/v1/episodes", json=b, headers={"X-CSRF-Token": token}) for b in bodies))

    responses = _in_a_thread(post_together())
    assert [r.status_code for r in responses] == [201] * 9 + [422, 201]
    assert responses[9].json()["errors"][0]["field"] == "intensity"  # a bad one is refused on its own
    ids = [r.json()["id"] for r in responses if r.status_code == 201]
    assert sorted(ids, key=lambda i: int(i[1:])) == [f"e{n}" for n in range(1, 11)]
    assert transactions == [10]  # ten twitches, one commit
    stored = DiaryService(sqlite_url).load_diary().episodes
    assert sorted(e.id for e in stored) == sorted(ids)


def test_stored_twitches_are_answered_before_requests_that_came_in_meanwhile(sqlite_url: str):
    """On the loop, a batch's answers go out on the turn it is stored, ahead of the requests
    that arrived while it waited: otherwise every twitch waits a whole extra round of other
    people's requests (the tail of bench/web_load.py)."""
    owner = DiaryOwner(DiaryService(sqlite_url), on_loop=True)
    owner.log_twitch({})  # the copy and the schema are ready: the turns below only store

    async def scenario() -> list[str]:
        happened: list[str] = []

        async def post(number: int) -> None:
            await owner.log_twitch_soon({"intensity": 2})
            happened.append(f"answer {number}")

        async def arrived_later(number: int) -> None:
            happened.append(f"later request {number}")

        posts = [asyncio.create_task(post(n)) for n in range(5)]
        await asyncio.sleep(0)  # the five run up to their wait, as on one turn of the server
        later = [asyncio.create_task(arrived_later(n)) for n in range(3)]
        await asyncio.gather(*posts, *later)
        return happened

    happened = _in_a_thread(scenario())
    assert happened == [f"answer {n}" for n in range(5)] + [f"later request {n}" for n in range(3)], happened
    assert len(owner.load_diary().episodes) == 6
