"""What the doctor's report says, worked out from the diary (no layout, no I/O).

`gather(diary, start, end, as_of, triage_result, insights)` returns a
`ReportContent`: every number and sentence the PDF shows, so the layout code
only places things and tests can check the figures directly.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nosetwitch.domain import vocabulary
from nosetwitch.domain.clock import local_date
from nosetwitch.domain.models import Diary, Site

LEVEL_WORDS = vocabulary.LEVELS
LEVEL_ORDER = ("self_care", "consult", "urgent", "emergency")
SITE_ORDER: tuple[Site, ...] = tuple(Site)


@dataclass(frozen=True)
class Note:
    when: dt.date
    kind: str  # "episode", "day", "symptom", "remedy"
    text: str


@dataclass(frozen=True)
class RemedyRow:
    code: str
    tried: int
    helped: int
    not_helped: int
    unknown: int
    overall: str  # from insights, all of the diary: "9 of 12 helped (95% interval 45-92%)" or ""


@dataclass(frozen=True)
class MedicineRow:
    name: str
    dose: str
    period: str
    taking: bool
    linked_class: str | None


@dataclass(frozen=True)
class AssociationRow:
    factor: str
    lag: str
    sentence: str
    interval: str


@dataclass
class ReportContent:
    start: dt.date
    end: dt.date
    as_of: dt.datetime
    person_line: str
    level: str
    level_words: str
    reasons: list[tuple[str, str]]  # (level, summary)
    safety_net: list[str]
    days: list[dt.date]
    daily_counts: list[int]
    rolling_7d: list[float]
    site_matrix: dict[Site, list[int]]  # site -> count per day of `days`
    durations_s: list[float]
    by_hour: list[int]
    symptoms: list[dict[str, Any]]  # {"code", "start", "end", "onset", "severity"} in the period
    medicines: list[MedicineRow]
    associations: list[AssociationRow]
    associations_status: str  # "", or the reason there is nothing to show
    remedies: list[RemedyRow]
    notes: list[Note]
    totals: dict[str, Any] = field(default_factory=dict)


def age_band(birth_year: int | None, on: dt.date) -> str | None:
    """A ten-year band ("30-39") rather than an exact age: enough for a doctor, less identifying."""
    if birth_year is None:
        return None
    age = on.year - birth_year  # exact within a year; the band absorbs that
    if age < 0:
        return None
    low = (age // 10) * 10
    return f"{low}-{low + 9}"


def _person_line(diary: Diary, on: dt.date) -> str:
    band = age_band(diary.person.birth_year, on)
    parts = [f"Age {band}" if band else "Age not given"]
    parts.append(diary.person.sex.value if diary.person.sex is not None else "sex not given")
    parts.append(f"time zone {diary.person.timezone}")
    return ", ".join(parts)


def _rolling(counts_by_day: dict[dt.date, int], days: list[dt.date], window: int = 7) -> list[float]:
    """Trailing mean over `window` days (days before the period count when the diary has them)."""
    first_known = min(counts_by_day, default=days[0])
    out = []
    for day in days:
        span = [day - dt.timedelta(days=k) for k in range(window)]
        span = [d for d in span if d >= min(first_known, days[0])]
        out.append(sum(counts_by_day.get(d, 0) for d in span) / len(span))
    return out


def _fmt_pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _factor_words(field: str) -> tuple[str, str]:
    """('sleep', 'h'): the factor's name mid-sentence and its unit (or counted noun)."""
    if field.startswith("own:"):  # a factor of the person's own
        return field.removeprefix("own:").replace("_", " "), ""
    words = vocabulary.FACTORS.get(field)
    if words is None:
        return vocabulary.factor_label(field).lower(), ""
    return words.label.lower(), words.unit.replace("/10", "points") or words.many


def _association_rows(insights: dict[str, Any] | None) -> tuple[list[AssociationRow], str]:
    if insights is None:
        return [], "Pattern analysis was not available."
    if insights.get("status") != "ok":
        return [], "Not enough data yet to say which daily factors go with the twitching."
    rows = []
    for row in insights.get("associations", []):
        if not row.get("significant"):
            continue
        word, unit = _factor_words(row["factor"])
        per = row.get("per", 1)
        ratio = row["rate_ratio"]
        change = f"{abs(ratio - 1) * 100:.0f}% {'more' if ratio >= 1 else 'less'} twitching"
        per_text = f"{per:g} {unit}".strip()
        lag = "same day" if row.get("lag_days", 0) == 0 else "the day before"
        low, high = row["ci95"]
        rows.append(
            AssociationRow(
                factor=word,
                lag=lag,
                sentence=f"each {per_text} more {word} ({lag}) went with about {change}",
                interval=f"rate ratio {ratio:.2f} (95% interval {low:.2f}-{high:.2f}), {row.get('n_days', '?')} days",
            )
        )
    if not rows:
        return [], "No daily factor showed a clear link with the twitching."
    return rows, ""


def gather(
    diary: Diary,
    *,
    start: dt.date,
    end: dt.date,
    as_of: dt.datetime,
    triage_result: Any,
    insights: dict[str, Any] | None,
    medicine_class_of: Callable[[str], str | None] = lambda name: None,
) -> ReportContent:
    """Everything the report shows for the local days start..end (inclusive)."""
    if end < start:
        raise ValueError(f"the report period ends ({end}) before it starts ({start})")
    tz = diary.tz
    days = [start + dt.timedelta(days=k) for k in range((end - start).days + 1)]
    index = {day: k for k, day in enumerate(days)}

    counts_by_day: Counter[dt.date] = Counter()
    site_matrix = {site: [0] * len(days) for site in SITE_ORDER}
    durations: list[float] = []
    by_hour = [0] * 24
    notes: list[Note] = []
    in_period = 0
    for episode in diary.episodes:
        day = local_date(episode.started_at, tz)
        counts_by_day[day] += 1
        if day not in index:
            continue
        in_period += 1
        for site in episode.sites:
            site_matrix[site][index[day]] += 1
        if episode.duration_s is not None:
            durations.append(episode.duration_s)
        by_hour[episode.started_at.astimezone(tz).hour] += 1
        if episode.note:
            notes.append(Note(day, "episode", episode.note))
    daily = [counts_by_day.get(day, 0) for day in days]

    symptoms = []
    for symptom in diary.symptoms:
        day = local_date(symptom.started_at, tz)
        ended = local_date(symptom.ended_at, tz) if symptom.ended_at else None
        if day > end or (ended is not None and ended < start):
            continue
        symptoms.append(
            {
                "code": symptom.code.value,
                "start": symptom.started_at,
                "end": symptom.ended_at,
                "onset": symptom.onset.value,
                "severity": symptom.severity,
            }
        )
        if symptom.note and day in index:
            notes.append(Note(day, "symptom", symptom.note))

    for check_in in diary.days:
        if check_in.note and check_in.date in index:
            notes.append(Note(check_in.date, "day", check_in.note))

    tried: dict[str, Counter[str]] = {}
    for remedy in diary.remedies:
        day = local_date(remedy.at, tz)
        if day not in index:
            continue
        outcome = "unknown" if remedy.helped is None else ("helped" if remedy.helped else "not_helped")
        tried.setdefault(remedy.code.value, Counter())[outcome] += 1
        if remedy.note:
            notes.append(Note(day, "remedy", remedy.note))
    overall = {row["code"]: row for row in (insights or {}).get("remedies", [])}
    remedies = []
    for code, outcomes in sorted(tried.items(), key=lambda item: -sum(item[1].values())):
        row = overall.get(code)
        overall_text = ""
        if row and row.get("tried"):
            answered = row.get("answered", row["tried"])
            overall_text = f"whole diary: helped {row['helped']} of {answered} answered"
            if row.get("ci95"):
                low, high = row["ci95"]
                overall_text += f" (95% interval {_fmt_pct(low)}-{_fmt_pct(high)})"
        remedies.append(
            RemedyRow(code, sum(outcomes.values()), outcomes["helped"], outcomes["not_helped"], outcomes["unknown"], overall_text)
        )

    today = as_of.astimezone(tz).date()
    medicines = []
    for medication in diary.medications:
        period = " to ".join(
            part for part in (
                medication.started.isoformat() if medication.started else "start not recorded",
                medication.stopped.isoformat() if medication.stopped else "ongoing",
            )
        )
        medicines.append(
            MedicineRow(medication.name, medication.dose or "", period, medication.is_active_on(today), medicine_class_of(medication.name))
        )

    level = str(getattr(triage_result.level, "value", triage_result.level))
    reasons = [(str(getattr(r.level, "value", r.level)), r.summary) for r in triage_result.reasons]
    associations, status = _association_rows(insights)
    totals = {
        "episodes": in_period,
        "episode_days": sum(1 for count in daily if count),
        "median_duration_s": statistics.median(durations) if durations else None,
        "longest_duration_s": max(durations) if durations else None,
        "days_outside_nose": sum(
            1 for k in range(len(days)) if any(site_matrix[site][k] for site in SITE_ORDER if site is not Site.NOSE)
        ),
    }
    notes.sort(key=lambda note: note.when, reverse=True)  # newest first: the oldest are the ones cut
    return ReportContent(
        start=start,
        end=end,
        as_of=as_of.astimezone(tz),  # shown as the person's own clock time
        person_line=_person_line(diary, today),
        level=level,
        level_words=LEVEL_WORDS.get(level, level),
        reasons=reasons,
        safety_net=list(getattr(triage_result, "safety_net", []) or []),
        days=days,
        daily_counts=daily,
        rolling_7d=_rolling(counts_by_day, days),
        site_matrix=site_matrix,
        durations_s=durations,
        by_hour=by_hour,
        symptoms=symptoms,
        medicines=medicines,
        associations=associations,
        associations_status=status,
        remedies=remedies,
        notes=notes,
        totals=totals,
    )
