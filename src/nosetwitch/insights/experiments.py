"""n-of-1 self-experiments: a randomised A/B schedule and its analysis (pure).

A person who wonders whether, say, caffeine matters to *their* twitching can
test it: on **A** days they change one thing (no caffeine), on **B** days
they live as usual. The days come in pairs of blocks (two days each, the last
pair one day each when needed), and a seeded coin decides for each pair
whether A or B comes first: the schedule is balanced (as many A days as B
days), spreads both over the weekdays, and cannot drift with the season.

The report compares the daily twitch rate on A and B days by intention to
treat (by the day's assignment, whatever was done) and shows how often the A
days were kept. It gives **no verdict before the last day is over**: looking
every day and stopping at the first difference would see chance differences
far more often than 5 % of the time. At the end, the verdict is a
**randomisation test over the actual assignment**: the difference in
episodes a day is compared with the differences under every other schedule
the coin could have drawn (each pair of blocks swapped or not), which is
exact whatever the twitching does from day to day. The weekday-adjusted
rate ratio and its model-based interval are shown beside it as an estimate.
The person knows which days are A days and counts their own twitches, so
the report says that such an outcome can follow expectations.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

import numpy as np

from nosetwitch.domain.models import Diary
from nosetwitch.insights.triggers import fit_poisson

BLOCK_DAYS = 2
MIN_DAYS, MAX_DAYS = 8, 84
MIN_DAYS_PER_ARM = 3
"""The report gives a figure only with at least this many finished days in each arm."""
GROUP_DAYS = 2 * BLOCK_DAYS
"""A pair of blocks: the coin swaps A and B within each run of this many days."""
EXACT_LIMIT = 2**14
"""Up to this many possible schedules the randomisation test enumerates them all; beyond, a seeded sample."""
SAMPLED_SCHEDULES = 20_000
UNBLINDED = (
    "You knew which days were A days and counted the twitches yourself: an outcome that is seen and "
    "reported by the person who expects a change can follow that expectation, so a difference may be "
    "partly expectation rather than the change itself."
)


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
    stopped_early: bool = False  # stopped before its planned last day (its arms end at the stop)

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
    p_randomisation: float | None = None  # two-sided, over the schedules the coin could have drawn
    schedules_compared: int | None = None  # how many (all of them, or a sample)
    caveat: str = UNBLINDED

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
            "p_randomisation": None if self.p_randomisation is None else float(f"{self.p_randomisation:.4g}"),
            "schedules_compared": self.schedules_compared,
            "message": self.message,
            "caveat": self.caveat,
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
    if not report.finished:
        so_far = ""
        if days_a and days_b:
            so_far = (
                f" So far A days averaged {report.rate_a:.1f} episodes and B days {report.rate_b:.1f} "
                "(not a result: these numbers move a lot from day to day)."
            )
        report.message = (
            f"{n_done} of {schedule.days} days are over.{so_far} The comparison comes when all {schedule.days} days "
            "are over: looking for a difference every day would find one by chance far too often."
        )
        return report
    if min(days_a, days_b) < MIN_DAYS_PER_ARM:
        report.message = (
            f"Too short for a result: at least {MIN_DAYS_PER_ARM} A days and {MIN_DAYS_PER_ARM} B days are needed."
        )
        return report
    _compare(report, counts, arm_a, workday)
    if report.rate_ratio is not None:
        _randomisation_verdict(report, counts, arm_a, schedule)
    return report


def can_reach_a_verdict(days: int) -> bool:
    """Can a schedule of `days` days give p < 0.05 at all? (Its smallest p is 2 / number of schedules.)"""
    groups = -(-days // GROUP_DAYS)
    return 2 / 2**groups < 0.05


def randomisation_p(counts: np.ndarray, arm_a: np.ndarray, seed: int) -> tuple[float, int]:
    """Two-sided p of the A-minus-B difference in mean episodes a day, over the schedules the
    coin could have drawn (A and B swapped or not within each pair of blocks), and how many were compared.

    Exact (every schedule) up to `EXACT_LIMIT` schedules; beyond, the observed one plus a seeded
    sample of `SAMPLED_SCHEDULES` (still a valid test: p = (1 + as extreme) / (1 + sampled)).
    """
    n = len(counts)
    sign = np.where(arm_a, 1.0, -1.0)
    groups = np.arange(n) // GROUP_DAYS
    n_groups = int(groups[-1]) + 1 if n else 0
    if 2**n_groups <= EXACT_LIMIT:
        flips = ((np.arange(2**n_groups)[:, None] >> np.arange(n_groups)[None, :]) & 1) * -2 + 1
        exact = True
    else:
        rng = np.random.default_rng(seed)
        flips = rng.choice([-1, 1], size=(SAMPLED_SCHEDULES, n_groups))
        exact = False
    signs = flips[:, groups] * sign[None, :]
    n_a = (signs > 0).sum(axis=1)
    n_b = n - n_a
    a_sum = (signs > 0) @ counts
    b_sum = (signs < 0) @ counts
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = np.where((n_a > 0) & (n_b > 0), a_sum / n_a - b_sum / n_b, 0.0)
    observed = abs(counts[arm_a].mean() - counts[~arm_a].mean())
    extreme = int((np.abs(stats) >= observed - 1e-9).sum())
    if exact:
        return extreme / len(stats), len(stats)
    return (1 + extreme) / (1 + len(stats)), len(stats) + 1


def _randomisation_verdict(report: ExperimentReport, counts: np.ndarray, arm_a: np.ndarray, schedule: Schedule) -> None:
    # Called once _compare has filled these in: both arms have days, the rate ratio its interval.
    assert report.rate_a is not None and report.rate_b is not None and report.rate_ratio_ci95 is not None
    p, compared = randomisation_p(counts, arm_a, schedule.seed)
    report.p_randomisation, report.schedules_compared = p, compared
    smallest = 2 / compared if compared <= EXACT_LIMIT else 0.0
    difference = report.rate_a - report.rate_b
    if p < 0.05:
        verdict = f"A days went with {'fewer' if difference < 0 else 'more'} episodes than B days"
    elif smallest >= 0.05:
        verdict = (
            f"too short to tell: with {schedule.days} days the coin had only {compared} possible schedules, "
            "so even the clearest difference could be chance"
        )
    else:
        verdict = "no clear difference between A and B days"
    low, high = report.rate_ratio_ci95
    report.message = (
        f"{verdict[0].upper()}{verdict[1:]}: A days averaged {report.rate_a:.2f} episodes a day, B days {report.rate_b:.2f}; "
        f"a difference at least this large came up in {p:.1%} of the {compared} schedules the coin could have drawn"
        f"{'' if compared <= EXACT_LIMIT else ' (a sample of them)'}. "
        f"Allowing for workdays and weekends, the rate on A days was {report.rate_ratio:.2f} times that on B days "
        f"(95 % interval {low:.2f} to {high:.2f})."
        + (" The experiment was stopped early: if it was stopped because of what the days showed, this can mislead." if schedule.stopped_early else "")
    )


def _compare(report: ExperimentReport, counts: np.ndarray, arm_a: np.ndarray, workday: np.ndarray) -> None:
    """Quasi-Poisson log-linear model: arm + workday; adjusted rates and their difference."""
    from scipy.special import stdtrit

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
