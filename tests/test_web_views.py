"""The web layer's pure parts: the windowed diary behind the overview, the
SVG charts, and the copy of the diary each owner keeps in memory (`DiaryOwner`)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections import Counter
from zoneinfo import ZoneInfo

from diary_strategies import diaries_and_moments, same_answer
from hypothesis import HealthCheck, given, settings

from nosetwitch.domain.models import Diary, Episode, Person
from nosetwitch.interfaces.web import charts
from nosetwitch.interfaces.web.views import current_streak, overview
from nosetwitch.triage import triage

SVG = "{http://www.w3.org/2000/svg}"


def test_a_long_run_of_twitching_days_counts_whole_in_the_streak():
    tz = "Europe/Berlin"
    start = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    episodes = [Episode(id=f"e{i}", started_at=start + dt.timedelta(days=i)) for i in range(70)]
    diary = Diary(person=Person(timezone=tz), episodes=episodes)
    now = start + dt.timedelta(days=69, hours=5)
    assert overview(diary, now).streak_days == 70
    persistent = next(r for r in triage(diary, now).reasons if r.code == "persistent")
    assert len(persistent.evidence) == 70 and "70 days in a row" in persistent.summary


def test_streak_counts_today_or_yesterday():
    today = dt.date(2026, 3, 10)
    days = {today - dt.timedelta(days=n) for n in (1, 2, 3, 5)}
    assert current_streak(days, today) == 3  # nothing today yet: the run up to yesterday
    assert current_streak(days | {today}, today) == 4
    assert current_streak({today - dt.timedelta(days=2)}, today) == 0


def test_overview_counts_days_in_the_persons_time_zone():
    # 23:30 in Berlin on 9 March is 22:30 UTC: it belongs to the 9th, not the 10th.
    diary = Diary(
        person=Person(timezone="Europe/Berlin"),
        episodes=[Episode(id="late", started_at=dt.datetime(2026, 3, 9, 22, 30, tzinfo=dt.timezone.utc)), Episode(id="now", started_at=dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.timezone.utc))],
    )
    numbers = overview(diary, dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone.utc))
    assert (numbers.today_count, numbers.week_count, numbers.streak_days) == (1, 2, 2)


def _parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    return root


def test_heat_map_writes_each_count_and_names_each_day():
    end = dt.date(2026, 3, 10)
    root = _parse(charts.calendar_heatmap({end: 7, end - dt.timedelta(days=1): 2}, end, weeks=4))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "7" in texts and "2" in texts and "Mon" in texts
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "Tue 10 Mar 2026: 7 twitch episodes" in titles
    assert "Busiest day: 2026-03-10 with 7" in root.find(f"{SVG}desc").text


def test_daily_chart_draws_a_bar_per_day_with_episodes_and_the_factor_line():
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 10)
    root = _parse(charts.daily_counts_chart({start: 3, end: 1}, start, end, factor="caffeine_mg", factor_values={start: 200.0, end: 400.0}))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar" and r.find(f"{SVG}title") is not None]
    assert len(bars) == 2
    assert root.find(f"{SVG}polyline").get("class") == "overlay"
    assert "Caffeine (mg) (dashed line, right scale)" in [t.text for t in root.iter(f"{SVG}text")]


def test_forest_plot_prints_each_estimate_and_marks_significance_by_shape():
    rows = [
        {"factor": "caffeine_mg", "lag_days": 0, "rate_ratio": 1.41, "per": 100.0, "ci95": [1.18, 1.69], "significant": True},
        {"factor": "stress", "lag_days": 1, "rate_ratio": 0.9, "per": 1.0, "ci95": [0.7, 1.2], "significant": False},
    ]
    root = _parse(charts.forest_plot(rows))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "1.41 (1.18–1.69) *" in texts and "0.90 (0.70–1.20)" in texts
    assert "Caffeine, same day" in texts and "Stress, day before" in texts and "per 1 point" in texts
    assert len([p for p in root.iter(f"{SVG}path") if p.get("class") == "mark sig"]) == 2  # the row and the legend
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("class") == "mark nonsig"]) == 2


def test_remedy_chart_says_how_many_tries_helped():
    root = _parse(charts.remedy_chart([{"code": "warm_compress", "tried": 19, "helped": 14, "helped_rate": 0.74, "ci95": [0.51, 0.88]}], {"warm_compress": "Warm compress"}))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "14 of 19 helped" in texts and "Warm compress" in texts
    assert "74% (51%–88%)" in texts


def test_charts_without_data_say_so():
    assert "Not enough check-ins" in str(charts.forest_plot([]))
    assert "No remedies logged yet" in str(charts.remedy_chart([]))


def test_the_owners_copy_follows_writes_from_another_program(db_url: str):
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner

    web = DiaryService(db_url)
    owner = DiaryOwner(web)
    first = owner.log_twitch({"started_at": dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)})
    assert first.id == "e1" and [e.id for e in owner.load_diary().episodes] == ["e1"]
    cli = DiaryService(db_url)  # another program on the same database
    cli.add_episode(id="e2", started_at=dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.timezone.utc))
    assert [e.id for e in owner.load_diary().episodes] == ["e1", "e2"]  # noticed by the probe
    assert owner.log_twitch({"started_at": dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.timezone.utc)}).id == "e3"
    cli.delete_episode("e1")
    assert [e.id for e in owner.load_diary().episodes] == ["e2", "e3"]
    cli.update_episode("e2", intensity=4)
    assert owner.load_diary().episodes[0].intensity == 4  # an edit moves the revision too: seen at once
    cli.update_episode("e2", sites=["nose", "cheek"])
    assert owner.read(lambda diary, timeline: [e.sites for e in timeline.episodes.episodes()])[0] == ["nose", "cheek"]
    cli.add_episode(id="e4", started_at=dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone.utc))  # an explicit e<n> id
    assert owner.log_twitch({"started_at": dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.timezone.utc)}).id == "e5"  # stepped over


def test_the_server_keeps_only_the_most_recent_diaries_in_memory(sqlite_url: str, monkeypatch):
    from nosetwitch.services import owner

    monkeypatch.setattr(owner, "MAX_DIARIES_IN_MEMORY", 2)
    monkeypatch.setattr(owner, "_recent", owner.OrderedDict())
    diaries = [owner.owner_for(sqlite_url, f"person{i}") for i in range(3)]
    for diary in diaries:
        diary.load_diary()
    assert diaries[0]._diary is None  # the least recently used one was let go
    assert diaries[1]._diary is not None and diaries[2]._diary is not None
    assert diaries[0].load_diary().episodes == []  # and is simply read again when needed


def test_owners_on_sqlite_share_one_connection_to_ask_for_their_revision(sqlite_url: str):
    from nosetwitch.services import owner
    from nosetwitch.storage.database import open_engine

    # A multi-user server on SQLite: one connection per person would use up the pool
    # (5 + 10 connections) after fifteen people, and the next request would wait for one.
    for i in range(20):
        person = owner.owner_for(sqlite_url, f"person{i}")
        person.load_diary()
        assert person.get_person().timezone
    assert open_engine(sqlite_url).pool.checkedout() <= 1


# --- the overview against a plain recount -------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(diaries_and_moments())
def test_the_overview_equals_a_plain_recount(case):
    diary, now = case
    counts = Counter(e.started_at.astimezone(diary.tz).date() for e in diary.episodes)
    today = now.astimezone(diary.tz).date()
    week = [today - dt.timedelta(days=i) for i in range(7)]
    past = [e for e in diary.episodes if e.started_at <= now]
    numbers = overview(diary, now)
    assert numbers.today == today and numbers.today_count == counts[today]
    assert numbers.week_count == sum(counts[d] for d in week)
    assert numbers.week_days == sum(1 for d in week if counts[d])
    assert numbers.previous_week_count == sum(counts[today - dt.timedelta(days=i)] for i in range(7, 14))
    assert numbers.streak_days == current_streak(set(counts), today)
    latest = max(past, key=lambda e: e.started_at, default=None)  # the first listed among equal instants
    assert (numbers.last_episode_at and numbers.last_episode_at.isoformat()) == (latest and latest.started_at.isoformat())


def test_the_owners_copy_keeps_episodes_in_the_order_a_reload_gives(sqlite_url: str):
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner

    service = DiaryService(sqlite_url)
    owner = DiaryOwner(service)
    base = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)
    for hours in (5, 1, 3, 1, -30, 2):  # logged out of order, two at the same moment
        owner.log_twitch({"started_at": base + dt.timedelta(hours=hours)})
    kept = [e.id for e in owner.load_diary().episodes]
    assert kept == [e.id for e in service.load_diary().episodes]  # what reading it again gives
    starts = [e.started_at for e in owner.load_diary().episodes]
    assert starts == sorted(starts)


def test_overview_and_triage_from_the_owners_copy_equal_those_of_the_diary_read_again(sqlite_url: str):
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner

    service = DiaryService(sqlite_url)
    service.set_person(Person(timezone="Europe/Berlin"))
    owner = DiaryOwner(service)
    now = dt.datetime(2026, 3, 10, 21, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    service.add_symptom(id="s1", code="pain", onset="gradual", started_at=now - dt.timedelta(days=40), ended_at=now - dt.timedelta(days=39))  # over: no reason
    for days, sites, hours in ((0, ["nose"], 1), (1, ["nose"], 2), (2, ["nose", "cheek"], 3), (2, ["nose"], 3), (9, ["nose"], 0), (40, ["nose"], 0)):
        owner.log_twitch({"started_at": now - dt.timedelta(days=days, hours=hours), "sites": sites})  # out of order, two at one instant
    from_owner = owner.read(lambda diary, timeline: (overview(diary, now, timeline), same_answer(triage(diary, now, timeline=timeline))))
    again = service.load_diary()
    assert from_owner == (overview(again, now), same_answer(triage(again, now)))
    assert [r["code"] for r in from_owner[1]["reasons"]] == ["persistent", "spread"]
    assert from_owner[0].streak_days == 3 and from_owner[0].today_count == 1


def test_a_remembered_answer_is_given_again_only_while_the_diary_is_unchanged(sqlite_url: str):
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner

    owner = DiaryOwner(DiaryService(sqlite_url))
    asked = []

    def count(diary, timeline) -> int:
        asked.append(1)
        return len(timeline.episodes)

    at = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)
    assert owner.read(count, memo="count") == 0
    owner.log_twitch({"started_at": at})
    assert owner.read(count, memo="count") == 1  # our own twitch, added to the copy in place
    DiaryService(sqlite_url).add_episode(id="e7", started_at=at)  # another program
    assert owner.read(count, memo="count") == 2
    DiaryService(sqlite_url).update_episode("e7", intensity=3)  # an edit counts the same and still moves the revision
    assert owner.read(count, memo="count") == 2 and len(asked) == 4
    assert owner.read(count, memo="count") == 2 and len(asked) == 4  # nothing changed: the answer is remembered
    assert owner.read(count, memo="another question") == 2 and len(asked) == 5


def test_the_person_comes_from_the_copy_and_follows_edits_from_another_program(sqlite_url: str):
    from nosetwitch.services.diary import DiaryService
    from nosetwitch.services.owner import DiaryOwner

    owner = DiaryOwner(DiaryService(sqlite_url))
    DiaryService(sqlite_url).set_person(Person(timezone="Asia/Tokyo"))
    owner.load_diary()
    assert owner.get_person().timezone == "Asia/Tokyo"
    DiaryService(sqlite_url).set_person(Person(timezone="America/Denver"))  # the CLI, say
    assert owner.get_person().timezone == "America/Denver"


def test_heat_map_marks_days_before_the_diary_and_links_days_with_twitching():
    end = dt.date(2026, 3, 10)
    began = end - dt.timedelta(days=2)
    svg = str(charts.calendar_heatmap({end: 3}, end, weeks=2, first_day=began, day_link="/history?date={date}"))
    root = ET.fromstring(svg)
    assert root.get("role") == "group"  # it holds links, so it is not one image
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "Sat 7 Mar 2026: no diary yet" in titles
    assert "Sun 8 Mar 2026: 0 twitch episodes" in titles  # the diary's first day counts
    links = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert links == ["/history?date=2026-03-10"]  # only the day with twitching opens records
    assert "The diary began on 2026-03-08" in root.find(f"{SVG}desc").text
