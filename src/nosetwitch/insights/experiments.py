"""n-of-1 self-experiments: a randomised A/B schedule and its analysis (pure).

A person who wonders whether, say, caffeine matters to *their* twitching can
test it: on **A** days they change one thing (no caffeine), on **B** days
they live as usual. The days come in pairs of blocks (two days each, the last
pair one day each when needed), and a seeded coin decides for each pair
whether A or B comes first: the schedule is balanced (as many A days as B
days), spreads both over the weekdays, and cannot drift with the season.

The report compares the daily twitch rate on A and B days by intention to
treat (by the day's assignment, whatever was done), adjusted for workday vs
weekend, with a 95 % interval, and shows how often the A days were kept.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

import numpy as np

from nosetwitch.domain.models import Diary

BLOCK_DAYS = 2
MIN_DAYS, MAX_DAYS = 8, 84
MIN_DAYS_PER_ARM = 3
"""The report gives a figure only with at least this many finished days in each arm."""


@dataclass(frozen=True)
class Plan:
    """What changes on A days, and how a check-in shows that it was kept."""

    key: str
    factor: str  # the DayCheckIn field that records it
    a: str  # instruction for A days
    b: str  # instruction for B days
    threshold: float  # A is kept when the factor is at most (or at least) this
    a_is_less: bool  # True: keep it at or below the threshold; False: at or above

    def kept(self, value: float | None) -> bool | None:
        """Was an A day kept, by its check-in? None when the factor was not recorded."""
        if value is None:
            return None
        return value <= self.threshold if self.a_is_less else value >= self.threshold


PLANS: dict[str, Plan] = {
    plan.key: plan
    for plan in (
        Plan("caffeine", "caffeine_mg", "no coffee, strong tea, cola or energy drinks (at most 50 mg caffeine)", "your usual caffeine", 50, True),
        Plan("nicotine", "nicotine_units", "no cigarettes, pouches or vaping", "as usual", 0, True),
        Plan("alcohol", "alcohol_units", "no alcohol", "as usual", 0, True),
        Plan("screen", "screen_h", "at most 3 hours of screens outside work essentials", "as usual", 3, True),
        Plan("sleep", "sleep_h", "at least 8 hours in bed the night before", "as usual", 7.5, False),
        Plan("water", "water_l", "at least 2 litres of fluid", "as usual", 2.0, False),
        Plan("stress", "stress", "two 10-minute breathing or relaxation breaks (aim for stress 3 or less)", "as usual", 3, True),
    )
}
"""The experiments `nosetwitch experiment start` knows, by name."""


@dataclass(frozen=True)
class Schedule:
    plan: str
    start: dt.date
    arms: str  # one letter per day, "A" or "B"
    seed: int

    @property
    def days(self) -> int:
        return len(self.arms)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    def arm_on(self, day: dt.date) -> str | None:
        """'A', 'B', or None outside the experiment."""
        offset = (day - self.start).days
        return self.arms[offset] if 0 <= offset < self.days else None


def propose_schedule(plan: str, days: int, start: dt.date, seed: int) -> Schedule:
    """A balanced, randomised schedule of `days` days (even, 8-84) from `start`."""
    if plan not in PLANS:
        raise ValueError(f"unknown experiment {plan!r}; choose one of {', '.join(PLANS)}")
    if days % 2 or not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"--days must be an even number from {MIN_DAYS} to {MAX_DAYS}, not {days}")
    rng = random.Random(seed)
    arms = []
    remaining = days
    while remaining:
        block = BLOCK_DAYS if remaining >= 2 * BLOCK_DAYS else remaining // 2
        first, second = ("A", "B") if rng.random() < 0.5 else ("B", "A")
        arms += [first] * block + [second] * block
        remaining -= 2 * block
    return Schedule(plan, start, "".join(arms), seed)


@dataclass
class ExperimentReport:
    plan: str
    start: dt.date
    end: dt.date
    days_done: int
    days_a: int
    days_b: int
    rate_a: float | None  # raw episodes per day
    rate_b: float | None
    difference: float | None  # adjusted rate A minus rate B, episodes per day
    difference_ci95: tuple[float, float] | None
    rate_ratio: float | None
    rate_ratio_ci95: tuple[float, float] | None
    adherence_kept: int  # A days whose check-in shows the change was kept
    adherence_recorded: int  # A days whose check-in recorded the factor
    finished: bool
    message: str

    def to_dict(self) -> dict:
        def pair(values):
            return None if values is None else [round(values[0], 3), round(values[1], 3)]

        return {
            "plan": self.plan,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days_done": self.days_done,
            "days_a": self.days_a,
            "days_b": self.days_b,
            "episodes_per_day_a": None if self.rate_a is None else round(self.rate_a, 3),
            "episodes_per_day_b": None if self.rate_b is None else round(self.rate_b, 3),
            "difference_per_day": None if self.difference is None else round(self.difference, 3),
            "difference_ci95": pair(self.difference_ci95),
            "rate_ratio": None if self.rate_ratio is None else round(self.rate_ratio, 3),
            "rate_ratio_ci95": pair(self.rate_ratio_ci95),
            "adherence": {"kept": self.adherence_kept, "recorded": self.adherence_recorded, "a_days": self.days_a},
            "finished": self.finished,
            "message": self.message,
        }


def analyse_experiment(schedule: Schedule, diary: Diary, as_of: dt.datetime) -> ExperimentReport:
    """Compare twitching on A and B days that are over by `as_of` (intention to treat)."""
    tz = diary.tz
    today = as_of.astimezone(tz).date()
    last_done = min(schedule.end, today - dt.timedelta(days=1))
    n_done = max(0, (last_done - schedule.start).days + 1)
    counts = np.zeros(n_done, dtype=float)
    for episode in diary.episodes:
        if episode.started_at > as_of:
            continue
        offset = (episode.started_at.astimezone(tz).date() - schedule.start).days
        if 0 <= offset < n_done:
            counts[offset] += 1
    arm_a = np.array([schedule.arms[i] == "A" for i in range(n_done)], dtype=bool)
    workday = np.array([(schedule.start + dt.timedelta(days=i)).weekday() < 5 for i in range(n_done)], dtype=float)
    plan = PLANS[schedule.plan]
    checkins = {d.date: d for d in diary.days}
    kept = recorded = 0
    for i in np.flatnonzero(arm_a):
        day = checkins.get(schedule.start + dt.timedelta(days=int(i)))
        verdict = plan.kept(getattr(day, plan.factor)) if day is not None else None
        if verdict is not None:
            recorded += 1
            kept += verdict
    days_a, days_b = int(arm_a.sum()), int((~arm_a).sum())
    report = ExperimentReport(
        plan=schedule.plan,
        start=schedule.start,
        end=schedule.end,
        days_done=n_done,
        days_a=days_a,
        days_b=days_b,
        rate_a=float(counts[arm_a].mean()) if days_a else None,
        rate_b=float(counts[~arm_a].mean()) if days_b else None,
        difference=None,
        difference_ci95=None,
        rate_ratio=None,
        rate_ratio_ci95=None,
        adherence_kept=kept,
        adherence_recorded=recorded,
        finished=n_done == schedule.days,
        message="",
    )
    if min(days_a, days_b) < MIN_DAYS_PER_ARM:
        report.message = (
            f"Too early for a result: {n_done} of {schedule.days} days are over; "
            f"at least {MIN_DAYS_PER_ARM} A days and {MIN_DAYS_PER_ARM} B days are needed."
        )
        return report
    _compare(report, counts, arm_a, workday)
    return report


def _compare(report: ExperimentReport, counts: np.ndarray, arm_a: np.ndarray, workday: np.ndarray) -> None:
    """Quasi-Poisson log-linear model: arm + workday; adjusted rates and their difference."""
    from scipy.special import stdtrit

    from nosetwitch.insights.triggers import fit_poisson

    columns = [np.ones_like(counts), arm_a.astype(float)]
    mixed_weekdays = 0 < workday.sum() < len(workday)
    if mixed_weekdays:
        columns.append(workday)
    design = np.column_stack(columns)
    n, k = design.shape
    if counts.sum() == 0 or counts[arm_a].sum() == 0 or counts[~arm_a].sum() == 0:
        report.message = "No episodes in one of the two arms yet, so the rates cannot be compared."
        return
    fitted = fit_poisson(counts, design)
    if fitted is None:
        report.message = "The two arms could not be compared (too little variation)."
        return
    beta, mu, bread = fitted
    dispersion = max(1.0, float(((counts - mu) ** 2 / mu).sum() / max(n - k, 1)))
    cov = dispersion * bread
    t = float(stdtrit(max(n - k, 1), 0.975))
    share = float(workday.mean()) if mixed_weekdays else 0.0
    gradient_b = np.array([1.0, 0.0] + ([share] if mixed_weekdays else []))
    gradient_a = gradient_b + np.array([0.0, 1.0] + ([0.0] if mixed_weekdays else []))
    rate_a, rate_b = math.exp(gradient_a @ beta), math.exp(gradient_b @ beta)
    # Delta method for rate_a - rate_b.
    gradient = rate_a * gradient_a - rate_b * gradient_b
    se_difference = math.sqrt(float(gradient @ cov @ gradient))
    report.difference = rate_a - rate_b
    report.difference_ci95 = (report.difference - t * se_difference, report.difference + t * se_difference)
    se_log = math.sqrt(float(cov[1, 1]))
    report.rate_ratio = math.exp(beta[1])
    report.rate_ratio_ci95 = (math.exp(beta[1] - t * se_log), math.exp(beta[1] + t * se_log))
    low, high = report.difference_ci95
    if high < 0:
        verdict = "A days went with fewer episodes than B days"
    elif low > 0:
        verdict = "A days went with more episodes than B days"
    else:
        verdict = "no clear difference between A and B days so far"
    report.message = (
        f"{verdict}: {report.difference:+.2f} episodes a day (95 % interval {low:+.2f} to {high:+.2f}), "
        "allowing for workdays and weekends."
    )
