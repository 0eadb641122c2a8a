"""A seeded simulator of realistic twitch diaries, with the truth it planted.

The insights engine is validated against this module, and `nosetwitch demo`
fills a fresh database from it. Everything is driven by one seed, so the same
parameters always give the same diary.

How a simulated person works (all of it adjustable in `SimulationParams`):

- **Factors** (sleep, caffeine, stress, water, minerals, facial strain,
  screen time, exercise, alcohol, nicotine for smokers) each follow their own
  day-to-day autocorrelated wobble around a personal mean, shifted by the
  weekday: workdays bring more caffeine, stress, screen time and less sleep.
- **Twitching** happens at a daily rate whose logarithm is the sum of
  a slowly drifting baseline (AR(1), strongly autocorrelated), a workday bump
  for reasons nobody records, and the *planted* factor effects (log rate
  ratio per standard deviation of the factor, same day or the day before).
- **Counts** are negative binomial (a gamma-mixed Poisson), so some days are
  far busier than the rate alone explains.
- **Check-ins** are skipped on some days (~8 %), and each factor is only
  recorded on some of the remaining days (minerals rarely, sleep nearly
  always). A missing check-in does not stop the twitching.
- **Episodes** fall in waking hours (more in the afternoon and evening), last
  seconds to a couple of minutes, are mostly mild, mostly on the nose.
  Remedies are tried on some episodes, more often on strong ones, and whether
  they helped depends on the remedy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nosetwitch.domain.clock import zone
from nosetwitch.domain.models import (
    DAY_FACTORS,
    DayCheckIn,
    Diary,
    Episode,
    OwnFactor,
    Person,
    RemedyAttempt,
    RemedyCode,
    Side,
    Site,
)

__all__ = [
    "DEMO_EFFECTS",
    "FACTOR_MODELS",
    "FactorModel",
    "OwnFactorModel",
    "Simulation",
    "SimulationParams",
    "simulate",
    "simulate_diary",
]


@dataclass(frozen=True)
class FactorModel:
    """How one day factor behaves for a typical person."""

    mean: float
    sd: float
    workday_shift: float  # added on Monday-Friday, relative to the mean
    weekend_shift: float  # added on Saturday and Sunday
    low: float
    high: float | None
    step: float  # recorded with this resolution (1 = whole numbers)
    phi: float  # day-to-day autocorrelation of the personal wobble
    recorded: float  # chance the factor is filled in on a check-in day


FACTOR_MODELS: dict[str, FactorModel] = {
    "sleep_h": FactorModel(7.2, 0.8, -0.3, 0.6, 3.0, 11.0, 0.25, 0.4, 0.97),
    "caffeine_mg": FactorModel(220, 90, 50, -90, 0, 900, 10, 0.5, 0.95),
    "nicotine_units": FactorModel(8, 3, 1, -1, 0, 40, 1, 0.6, 0.9),
    "alcohol_units": FactorModel(0.8, 0.9, -0.3, 1.0, 0, 12, 0.5, 0.2, 0.85),
    "stress": FactorModel(4.5, 1.6, 1.0, -1.6, 0, 10, 1, 0.6, 0.92),
    "water_l": FactorModel(1.8, 0.45, 0.0, 0.1, 0.3, 5, 0.1, 0.4, 0.75),
    "magnesium_mg": FactorModel(320, 80, 0, 10, 50, 900, 10, 0.5, 0.45),
    "potassium_mg": FactorModel(2600, 600, 0, 100, 500, 6000, 50, 0.4, 0.3),
    "calcium_mg": FactorModel(900, 220, 0, 50, 200, 2500, 25, 0.4, 0.35),
    "facial_strain": FactorModel(3.5, 1.5, 0.8, -1.4, 0, 10, 1, 0.5, 0.7),
    "screen_h": FactorModel(6.5, 1.8, 1.5, -2.0, 0, 18, 0.5, 0.5, 0.8),
    "exercise_min": FactorModel(30, 22, -8, 20, 0, 240, 5, 0.3, 0.8),
}
"""Typical means, spreads and weekday patterns; a person's own means vary around them."""

@dataclass(frozen=True)
class OwnFactorModel:
    """A factor of the person's own (`own:KEY`): a yes/no habit or a number.

    yes/no: "yes" on about `mean` of the days (0-1), in runs (autocorrelation
    `phi`), more often on workdays by `workday_shift` (a share); its planted
    effect is the log rate ratio of yes days against no days. number: like a
    built-in factor (`mean`, `sd`, `workday_shift`), its effect per SD.
    """

    kind: str  # "yes_no" | "number"
    mean: float
    label: str = ""  # as the person named it (default: the key)
    unit: str | None = None  # for a number
    sd: float = 1.0
    workday_shift: float = 0.0
    phi: float = 0.4
    recorded: float = 0.9
    step: float = 1.0


DEMO_EFFECTS: dict[str, float] = {"caffeine_mg": 0.35, "sleep_h": -0.3}
"""Planted in `simulate_diary()` when no effect is named: more caffeine and
shorter sleep go with more twitching, so the demo's insights show something."""

# Remedies: how often each is picked, and how often it helps a mild episode.
_REMEDY_CHOICE = {
    RemedyCode.WARM_COMPRESS: (0.2, 0.72),
    RemedyCode.MASSAGE: (0.22, 0.62),
    RemedyCode.DEEP_BREATHING: (0.18, 0.5),
    RemedyCode.MINDFULNESS: (0.08, 0.45),
    RemedyCode.HYDRATION: (0.12, 0.4),
    RemedyCode.REDUCE_CAFFEINE: (0.06, 0.35),
    RemedyCode.SLEEP: (0.05, 0.55),
    RemedyCode.MAGNESIUM: (0.06, 0.3),
    RemedyCode.OTHER: (0.03, 0.35),
}

# Relative chance of an episode starting in each local hour (waking hours only).
_HOUR_WEIGHTS = np.array(
    [0, 0, 0, 0, 0, 0, 0.2, 0.6, 0.9, 1.0, 1.0, 1.0, 1.1, 1.1, 1.2, 1.3, 1.3, 1.3, 1.2, 1.2, 1.1, 1.0, 0.7, 0.3]
)


@dataclass
class SimulationParams:
    """Everything the simulator can be asked for. Effects are log rate ratios
    per standard deviation of the factor (positive: more of it, more twitching)."""

    days: int = 90
    seed: int = 0
    end: dt.date | None = None  # last day; None = today in `timezone` (episodes stop at now)
    timezone: str = "Europe/Berlin"
    effects: dict[str, float] = field(default_factory=dict)  # same-day effects
    lag1_effects: dict[str, float] = field(default_factory=dict)  # effects of the day before
    base_rate: float = 4.0  # average episodes per day
    workday_effect: float = 0.25  # log rate bump on Mon-Fri for unrecorded reasons
    drift_sd: float = 0.3  # stationary SD of the drifting log baseline
    drift_phi: float = 0.97  # its day-to-day autocorrelation (1 = random walk)
    dispersion: float | None = 8.0  # negative-binomial shape k (var = mu + mu^2/k); None = Poisson
    missing_rate: float = 0.08  # share of days without any check-in
    smoker: bool | None = None  # None: drawn from the seed (about one person in five)
    remedy_rate: float = 0.12  # chance a remedy is tried on an average episode
    record_rates: dict[str, float] = field(default_factory=dict)  # overrides FactorModel.recorded
    personal_variation: bool = True  # shift each person's means a little, from the seed
    assigned: dict[str, dict[dt.date, float]] = field(default_factory=dict)
    """Factor values imposed on given days (e.g. no caffeine on an experiment's A days)."""
    # The harder knobs of the validation grid (defaults leave the diary of a seed unchanged).
    weekday_pattern_sd: float = 0.0
    """SD of a person's own day-by-day weekday pattern (log rate), beyond workday/weekend;
    the factors follow the same pattern (each with its own sign), so it confounds them."""
    factor_drift_sd: float = 0.0  # slow drift of every factor's level, in units of its SD
    logged_share: float = 1.0  # share of twitches the person logs (the rest are never written down)
    own_factors: dict[str, OwnFactorModel] = field(default_factory=dict)
    """The person's own factors by key; plant effects on them as `effects={"own:KEY": ...}`."""
    materialise: bool = True  # False: no episode or check-in objects (the bench's fast path)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("days must be at least 1")
        own = {f"own:{key}" for key in self.own_factors}
        for name in (*self.effects, *self.lag1_effects):
            if name not in FACTOR_MODELS and name not in own:
                raise ValueError(f"unknown factor {name!r}; use one of {', '.join((*DAY_FACTORS, *sorted(own)))}")
        for name in (*self.record_rates, *self.assigned):
            if name not in FACTOR_MODELS:
                raise ValueError(f"unknown factor {name!r}; use one of {', '.join(DAY_FACTORS)}")
        if not 0 < self.logged_share <= 1:
            raise ValueError("logged_share must be in (0, 1]")
        if not 0 <= self.missing_rate < 1:
            raise ValueError("missing_rate must be in [0, 1)")
        zone(self.timezone)


@dataclass
class Simulation:
    """A simulated diary and what was planted in it."""

    diary: Diary
    params: SimulationParams
    truth: dict[tuple[str, int], float]  # (factor, lag) -> planted log rate ratio per SD
    factor_sd: dict[str, float]  # the SD each effect was scaled by
    dates: list[dt.date]
    rate: np.ndarray  # the true expected episodes per day
    counts: np.ndarray  # simulated episodes per day that were logged (before clipping at now)
    values: dict[str, np.ndarray]  # true daily factor values (recorded or not); own factors as "own:KEY"
    baseline: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The true expected *logged* episodes per day without any factor effect (drift,
    weekday pattern, logging share): what an oracle would know."""
    checked_in: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    recorded: dict[str, np.ndarray] = field(default_factory=dict)  # factor -> recorded on that day (bool)

    def per_unit_log_rr(self, factor: str, lag: int = 0) -> float:
        """The planted effect per one unit of the factor (log rate ratio)."""
        return self.truth.get((factor, lag), 0.0) / self.factor_sd[factor]

    @property
    def planted(self) -> dict[tuple[str, int], float]:
        """Only the effects that are not zero."""
        return {key: value for key, value in self.truth.items() if value != 0}


def simulate_diary(
    *,
    days: int = 90,
    seed: int = 0,
    end: dt.date | None = None,
    timezone: str = "Europe/Berlin",
    **effects: float,
) -> Diary:
    """A realistic diary of `days` days ending on `end` (default: today).

    Keyword effects are log rate ratios per SD: `caffeine_mg=0.4` (same day)
    or `sleep_h_lag1=-0.3` (the night before). With none named, `DEMO_EFFECTS`
    are planted; name any factor with 0 (`caffeine_mg=0`) for a diary with no
    factor effect at all. About 4 episodes a day on average.
    """
    same_day: dict[str, float] = {}
    day_before: dict[str, float] = {}
    for key, value in effects.items():
        if key.endswith("_lag1"):
            day_before[key.removesuffix("_lag1")] = float(value)
        else:
            same_day[key] = float(value)
    if not effects:
        same_day = dict(DEMO_EFFECTS)
    params = SimulationParams(
        days=days, seed=seed, end=end, timezone=timezone, effects=same_day, lag1_effects=day_before
    )
    return simulate(params).diary


def simulate_following(
    start: dt.date, arms: Sequence[str], *, factor: str, effect: float, seed: int, **params: Any
) -> Simulation:
    """A person who follows an A/B self-experiment from `start`.

    On the "A" days of `arms` the factor is cut to 0 (and recorded so); on
    "B" days it runs as usual. `effect` is planted on the factor (log rate
    ratio per SD); the diary ends the day after the schedule, with 30 days
    of ordinary diary before it. Other `SimulationParams` fields pass through.
    """
    end = start + dt.timedelta(days=len(arms))
    cut = {start + dt.timedelta(days=i): 0.0 for i, arm in enumerate(arms) if arm == "A"}
    return simulate(
        SimulationParams(
            days=len(arms) + 30, seed=seed, end=end, effects={factor: effect}, assigned={factor: cut}, **params
        )
    )


def simulate(params: SimulationParams) -> Simulation:
    """Simulate one person's diary from the parameters (deterministic in `seed`)."""
    rng = np.random.default_rng(params.seed)
    tz = zone(params.timezone)
    now = None
    end = params.end
    if end is None:
        now = dt.datetime.now(tz)
        end = now.date()
    n = params.days
    start = end - dt.timedelta(days=n - 1)
    dates = [start + dt.timedelta(days=i) for i in range(n)]
    weekday = np.array([d.weekday() for d in dates])
    workday = weekday < 5

    smoker = params.smoker if params.smoker is not None else bool(rng.random() < 0.2)
    values = {name: _factor_series(FACTOR_MODELS[name], workday, weekday, rng, params.personal_variation) for name in DAY_FACTORS}
    # The harder knobs draw from a stream of their own, so the default diary of a seed never changes.
    extra = np.random.default_rng([params.seed, 15])
    pattern = extra.standard_normal(7)
    pattern -= pattern.mean()
    for name in DAY_FACTORS:
        model = FACTOR_MODELS[name]
        shift = np.zeros(n)
        if params.weekday_pattern_sd:
            shift += 2.0 * params.weekday_pattern_sd * model.sd * extra.choice([-1.0, 1.0]) * pattern[weekday]
        if params.factor_drift_sd:
            shift += params.factor_drift_sd * model.sd * _ar1(n, 0.98, extra)
        if shift.any():
            values[name] = _rounded(values[name] + shift, model.low, model.high, model.step)
    if not smoker:
        values["nicotine_units"] = np.zeros(n)
    for name, by_day in params.assigned.items():
        for day, value in by_day.items():
            if start <= day <= end:
                values[name][(day - start).days] = value
    for key, own in params.own_factors.items():
        values[f"own:{key}"] = _own_series(own, workday, extra, params.factor_drift_sd)

    # Expected twitching per day, on the log scale.
    eta = _drift(n, params.drift_sd, params.drift_phi, rng) + params.workday_effect * workday
    if params.weekday_pattern_sd:
        eta = eta + params.weekday_pattern_sd * pattern[weekday]
    base_eta = eta
    factor_sd: dict[str, float] = {}
    truth: dict[tuple[str, int], float] = {}
    for name in values:
        series = values[name]
        yes_no = name.startswith("own:") and params.own_factors[name[4:]].kind == "yes_no"
        # A yes/no factor's effect is yes against no (its "SD" is 1); others per SD.
        sd = 1.0 if yes_no else float(series.std()) or 1.0
        factor_sd[name] = sd
        z = series - (0.0 if yes_no else series.mean())
        z = z / sd
        for lag, effects in ((0, params.effects), (1, params.lag1_effects)):
            effect = float(effects.get(name, 0.0))
            truth[(name, lag)] = effect
            if effect:
                shifted = z if lag == 0 else np.concatenate([[0.0], z[:-1]])
                eta = eta + effect * shifted
    norm = math.log(np.exp(eta).mean())
    rate = params.base_rate * np.exp(eta - norm)
    baseline = params.base_rate * params.logged_share * np.exp(base_eta - norm)
    if params.dispersion:
        mixed = rate * rng.gamma(params.dispersion, 1.0 / params.dispersion, size=n)
    else:
        mixed = rate
    counts = rng.poisson(mixed)
    if params.logged_share < 1:
        counts = extra.binomial(counts, params.logged_share)

    present, recorded = _recording(n, params, extra, rng)
    if params.materialise:
        checkins = _checkins(dates, values, present, recorded, smoker, params.own_factors)
        episodes, remedies = _episodes(dates, counts, tz, now, params.remedy_rate, rng)
    else:
        checkins, episodes, remedies = [], [], []
    own_factors = [
        OwnFactor(key=key, label=model.label or key.replace("_", " "), kind=model.kind, unit=model.unit if model.kind == "number" else None)
        for key, model in params.own_factors.items()
    ]
    diary = Diary(
        person=Person(
            timezone=params.timezone,
            birth_year=int(rng.integers(1955, 2004)),
            sex=rng.choice(["female", "male"]).item(),
            own_factors=own_factors,
        ),
        episodes=episodes,
        days=checkins,
        remedies=remedies,
    )
    return Simulation(diary, params, truth, factor_sd, dates, rate, counts, values, baseline, present, recorded)


def _own_series(model: OwnFactorModel, workday: np.ndarray, rng: np.random.Generator, drift_sd: float) -> np.ndarray:
    latent = _ar1(len(workday), model.phi, rng)
    if drift_sd:
        latent = latent + drift_sd * _ar1(len(workday), 0.98, rng)
    if model.kind == "yes_no":
        from scipy.special import ndtri

        share = np.clip(model.mean + model.workday_shift * (workday - workday.mean()), 0.02, 0.98)
        return (latent * math.sqrt(1.0 / (1.0 + drift_sd**2)) < ndtri(share)).astype(float)
    raw = model.mean + model.workday_shift * workday + model.sd * latent
    return np.round(raw / model.step) * model.step


def _ar1(n: int, phi: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance AR(1) noise (phi=1 gives a standardised random walk)."""
    shocks = rng.standard_normal(n)
    out = np.empty(n)
    if phi >= 1.0:
        walk = np.cumsum(shocks)
        return (walk - walk.mean()) / (walk.std() or 1.0)
    scale = math.sqrt(1.0 - phi * phi)
    out[0] = shocks[0]
    for i in range(1, n):
        out[i] = phi * out[i - 1] + scale * shocks[i]
    return out


def _drift(n: int, sd: float, phi: float, rng: np.random.Generator) -> np.ndarray:
    if sd <= 0:
        return np.zeros(n)
    return sd * _ar1(n, phi, rng)


def _factor_series(
    model: FactorModel, workday: np.ndarray, weekday: np.ndarray, rng: np.random.Generator, personal: bool
) -> np.ndarray:
    mean = model.mean * (1.0 + 0.15 * rng.standard_normal()) if personal else model.mean
    shift = np.where(workday, model.workday_shift, model.weekend_shift)
    if model is FACTOR_MODELS["alcohol_units"]:
        # Friday is part of the weekend for drinking.
        shift = np.where(weekday == 4, model.weekend_shift, shift)
    raw = mean + shift + model.sd * _ar1(len(workday), model.phi, rng)
    return _rounded(raw, model.low, model.high, model.step)


def _rounded(raw: np.ndarray, low: float, high: float | None, step: float) -> np.ndarray:
    raw = np.clip(raw, low, high if high is not None else None)
    return np.round(raw / step) * step


def _recording(
    n: int, params: SimulationParams, extra: np.random.Generator, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Which days have a check-in, and on which of them each factor was filled in."""
    present = rng.random(n) >= params.missing_rate
    recorded = {}
    for name in DAY_FACTORS:
        rate = params.record_rates.get(name, FACTOR_MODELS[name].recorded)
        recorded[name] = present & (rng.random(n) < rate)
    for key, own in params.own_factors.items():
        recorded[f"own:{key}"] = present & (extra.random(n) < own.recorded)
    return present, recorded


def _checkins(
    dates: list[dt.date],
    values: dict[str, np.ndarray],
    present: np.ndarray,
    recorded: dict[str, np.ndarray],
    smoker: bool,
    own_factors: dict[str, OwnFactorModel],
) -> list[DayCheckIn]:
    integer = {"stress", "facial_strain"}
    checkins = []
    for i in np.flatnonzero(present):
        fields: dict[str, object] = {}
        for name in DAY_FACTORS:
            if not recorded[name][i]:
                continue
            if name == "nicotine_units" and not smoker:
                fields[name] = 0.0
                continue
            value = values[name][i]
            fields[name] = int(value) if name in integer else round(float(value), 2)
        own = {}
        for key, model in own_factors.items():
            if recorded[f"own:{key}"][i]:
                value = values[f"own:{key}"][i]
                own[key] = bool(value > 0.5) if model.kind == "yes_no" else max(0.0, round(float(value), 2))
        checkins.append(DayCheckIn(date=dates[i], **fields, own=own))
    return checkins


def _episodes(
    dates: list[dt.date],
    counts: np.ndarray,
    tz: dt.tzinfo,
    now: dt.datetime | None,
    remedy_rate: float,
    rng: np.random.Generator,
) -> tuple[list[Episode], list[RemedyAttempt]]:
    total = int(counts.sum())
    weights = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
    hours = rng.choice(24, size=total, p=weights)
    seconds = rng.integers(0, 3600, size=total)
    durations = np.round(np.clip(rng.lognormal(math.log(20), 0.8, size=total), 1, 900), 0)
    intensity = rng.choice([1, 2, 3, 4, 5], size=total, p=[0.25, 0.35, 0.25, 0.11, 0.04])
    duration_known = rng.random(total) < 0.9
    site_draw = rng.random(total)
    side_draw = rng.choice(4, size=total, p=[0.4, 0.35, 0.15, 0.1])
    visible = rng.random(total) < (intensity / 6.0)
    # Strong episodes get a remedy more often: the reason remedy statistics mislead.
    tried = rng.random(total) < np.clip(remedy_rate * (0.4 + 0.4 * intensity), 0, 0.9)
    codes = list(_REMEDY_CHOICE)
    choice_p = np.array([_REMEDY_CHOICE[c][0] for c in codes])
    remedy_pick = rng.choice(len(codes), size=total, p=choice_p / choice_p.sum())
    helped_draw = rng.random(total)
    helped_known = rng.random(total) < 0.9
    remedy_delay = rng.integers(10, 300, size=total)
    sides = (Side.LEFT, Side.RIGHT, Side.CENTER, Side.BOTH)

    episodes: list[Episode] = []
    remedies: list[RemedyAttempt] = []
    k = 0
    for day, count in zip(dates, counts):
        order = np.sort(hours[k : k + count] * 3600 + seconds[k : k + count])
        for j, sec in enumerate(order):
            i = k + j
            local = dt.datetime.combine(day, dt.time(0), tzinfo=tz) + dt.timedelta(seconds=int(sec))
            local = local.astimezone(tz)  # wall-clock arithmetic stays correct across DST
            if now is not None and local > now:
                continue
            if site_draw[i] < 0.88:
                sites = [Site.NOSE]
            elif site_draw[i] < 0.95:
                sites = [Site.NOSE, Site.CHEEK]
            else:
                sites = [Site.NOSE, Site.MOUTH]
            episode_id = f"e{day.strftime('%Y%m%d')}-{j + 1}"
            episodes.append(
                Episode(
                    id=episode_id,
                    started_at=local,
                    duration_s=float(durations[i]) if duration_known[i] else None,
                    intensity=int(intensity[i]),
                    side=sides[side_draw[i]],
                    sites=sites,
                    visible=bool(visible[i]),
                )
            )
            if tried[i] and (now is None or local + dt.timedelta(seconds=int(remedy_delay[i])) <= now):
                code = codes[remedy_pick[i]]
                # Stronger episodes settle less often, whatever was tried.
                p_help = _REMEDY_CHOICE[code][1] * (1.15 - 0.1 * intensity[i])
                remedies.append(
                    RemedyAttempt(
                        code=code,
                        at=local + dt.timedelta(seconds=int(remedy_delay[i])),
                        episode_id=episode_id,
                        helped=bool(helped_draw[i] < p_help) if helped_known[i] else None,
                    )
                )
        k += count
    return episodes, remedies
