"""Which day factors went with more or less twitching: the trigger analysis.

The model, for each factor and lag (same day, day before), fitted to the days
with a check-in that recorded the factor:

    log E[episodes on day d] = weekday(d) + trend(d) + beta * factor(d - lag)

- **weekday** fixed effects: workdays bring both more coffee and more
  twitching for reasons nobody writes down; comparing within weekdays stops
  that pattern posing as a trigger;
- **trend**: a cubic B-spline in calendar time (one degree of freedom per
  `Method.trend_days_per_df` days, 30 by default) soaks up slow drifts of the baseline, so a factor
  that merely rose while the twitching happened to rise is not blamed;
- **overdispersion and autocorrelation**: a quasi-Poisson fit (Pearson
  dispersion) whose standard errors are then widened by a Newey-West style
  (HAC) correction when day-to-day residuals are correlated, so busy spells
  lasting several days do not masquerade as evidence;
- **mutual adjustment**: once some same-day factors stand out, every row is
  fitted again with those factors in the model (a day without the value gets
  the mean plus a missing-flag column), until the set stops changing;
- every row gets a p-value (t reference, n - k degrees of freedom), then
  **Benjamini-Hochberg** across all rows controls the share of false leads
  among those flagged.

The choice of model and settings was made by simulation
(`bench/insights_validation.py`, figures in `docs/insights.md`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nosetwitch.domain.models import DAY_FACTORS
from nosetwitch.insights.daily import DailyTable

PER_UNIT: dict[str, tuple[float, str]] = {
    "sleep_h": (1.0, "hour of sleep"),
    "caffeine_mg": (100.0, "100 mg of caffeine"),
    "nicotine_units": (1.0, "unit of nicotine"),
    "alcohol_units": (1.0, "standard drink"),
    "stress": (1.0, "point of stress (0-10)"),
    "water_l": (1.0, "litre of fluid"),
    "magnesium_mg": (100.0, "100 mg of magnesium"),
    "potassium_mg": (100.0, "100 mg of potassium"),
    "calcium_mg": (100.0, "100 mg of calcium"),
    "facial_strain": (1.0, "point of facial strain (0-10)"),
    "screen_h": (1.0, "hour of screen time"),
    "exercise_min": (30.0, "30 minutes of exercise"),
}
"""The unit each effect is reported per, and how a sentence names it."""

LAGS = (0, 1)
MIN_FACTOR_DAYS = 28
"""A factor is tested only when recorded (with an outcome day) on at least this many days."""
MAX_MODE_SHARE = 0.9
"""...and when its most common value covers at most this share of those days."""
ALPHA = 0.05
MAX_ROUNDS = 3
"""Rounds of the analysis: alone, then adjusted for what stood out, until that set stops changing."""


@dataclass(frozen=True)
class Method:
    """The analysis settings (the defaults are the validated ones)."""

    trend_days_per_df: float = 30.0
    hac: bool = True
    hac_lags: int | None = None  # None: a rule of thumb from the number of days

    def describe(self, trend_df: int) -> str:
        se = "HAC (Newey-West) standard errors" if self.hac else "Pearson-dispersion standard errors"
        return (
            f"quasi-Poisson GLM of daily counts; weekday effects + B-spline trend ({trend_df} df); "
            f"{se}; same-day factors that stand out adjusted for each other; Benjamini-Hochberg across all rows"
        )


DEFAULT_METHOD = Method()


@dataclass
class Association:
    factor: str
    lag_days: int
    direction: str
    rate_ratio: float
    per: float
    ci95: tuple[float, float]
    p: float
    q: float
    significant: bool
    n_days: int
    method: str
    log_rr: float  # per `per` units, unrounded
    se: float

    def to_dict(self) -> dict:
        return {
            "factor": self.factor,
            "lag_days": self.lag_days,
            "direction": self.direction,
            "rate_ratio": round(self.rate_ratio, 3),
            "per": self.per,
            "ci95": [round(self.ci95[0], 3), round(self.ci95[1], 3)],
            "p": _sig(self.p),
            # Rounding must not move q across the 0.05 line that `significant` was decided on.
            "q": _sig(self.q) if (_sig(self.q) < ALPHA) == self.significant else self.q,
            "significant": self.significant,
            "n_days": self.n_days,
            "method": self.method,
        }


def _sig(value: float) -> float:
    """Four significant digits, enough for a p-value."""
    return float(f"{value:.4g}")


def trend_basis(n_days: int, days_per_df: float) -> np.ndarray:
    """Cubic B-spline basis over day 0..n-1; its columns sum to one (it carries the intercept)."""
    from scipy.interpolate import BSpline

    interior = max(0, int(round(n_days / days_per_df)) - 3)
    x = np.arange(n_days, dtype=float)
    lo, hi = -0.5, n_days - 0.5
    inner = np.linspace(lo, hi, interior + 2)
    knots = np.concatenate([[lo] * 3, inner, [hi] * 3])
    return BSpline.design_matrix(x, knots, 3).toarray()


def base_design(table: DailyTable, method: Method) -> np.ndarray:
    """Trend basis plus weekday dummies (Monday is the reference)."""
    trend = trend_basis(table.n_days, method.trend_days_per_df)
    weekday = table.weekday
    dummies = (weekday[:, None] == np.arange(1, 7)[None, :]).astype(float)
    return np.hstack([trend, dummies])


def analyse_factors(table: DailyTable, method: Method = DEFAULT_METHOD) -> list[Association]:
    """Every testable (factor, lag) row, with BH q-values across all of them.

    First each factor alone (with weekday and trend); then every row again,
    adjusted for the same-day factors that stood out, until that set stops
    changing (at most `MAX_ROUNDS` rounds). Adjusting for a factor that really
    moves the twitching removes its noise from the comparison, and keeps two
    factors that rise together from both being credited with the same effect.
    """
    from threadpoolctl import threadpool_limits

    # Dozens of small fits: BLAS threads only fight each other (and other processes) here.
    with threadpool_limits(limits=1):
        return _analyse(table, method)


def _analyse(table: DailyTable, method: Method) -> list[Association]:
    base = base_design(table, method)
    trend_df = base.shape[1] - 6
    outcome_day = table.outcome_days
    candidates = []
    for name in DAY_FACTORS:
        for lag in LAGS:
            x = np.full(table.n_days, np.nan)
            x[lag:] = table.factors[name][: table.n_days - lag]
            use = outcome_day & ~np.isnan(x)
            if _testable(x[use]):
                candidates.append((name, lag, x, use))
    start = _base_start(table.counts[outcome_day], base[outcome_day])
    description = method.describe(trend_df)
    flagged: list[str] = []
    for _ in range(MAX_ROUNDS):
        rows = _fit_all(table, candidates, base, start, flagged, method, description)
        now_flagged = [r.factor for r in rows if r.significant and r.lag_days == 0]
        if now_flagged == flagged:
            break
        flagged = now_flagged
    return rows


def _fit_all(table, candidates, base, start, flagged: list[str], method: Method, description: str) -> list[Association]:
    """One round: every candidate row, each adjusted for the flagged factors other than itself."""
    rows: list[Association] = []
    for name, lag, x, use in candidates:
        adjusters = [f for f in flagged if f != name]
        design = base[use]
        initial = start
        if adjusters:
            extra = _adjustment_columns(table, adjusters, use)
            design = np.hstack([design, extra])
            initial = np.append(start, np.zeros(extra.shape[1])) if start is not None else None
        fitted = _fit(table.counts[use], design, x[use], method, initial)
        if fitted is not None:
            rows.append(_association(name, lag, fitted, int(use.sum()), description + _adjusted_note(adjusters)))
    for row, q in zip(rows, benjamini_hochberg([r.p for r in rows])):
        row.q = q
        row.significant = q < ALPHA
    return rows


def _base_start(y: np.ndarray, base: np.ndarray) -> np.ndarray | None:
    """Weekday-and-trend coefficients on all analysed days: the warm start of every factor's fit."""
    keep = base.any(axis=0)
    fitted = fit_poisson(y, base[:, keep]) if keep.any() and len(y) > keep.sum() else None
    if fitted is None:
        return None
    start = np.zeros(base.shape[1])
    start[keep] = fitted[0]
    return start


def _adjustment_columns(table: DailyTable, factors: list[str], use: np.ndarray) -> np.ndarray:
    """Standardised columns for the adjusting factors; a day without the value gets the mean plus a flag."""
    columns = []
    for name in factors:
        values = table.factors[name][use]
        known = ~np.isnan(values)
        if known.sum() < 3:
            continue
        centred = (values - values[known].mean()) / (values[known].std() or 1.0)
        columns.append(np.where(known, centred, 0.0))
        if not known.all():
            columns.append((~known).astype(float))
    return np.column_stack(columns) if columns else np.empty((int(use.sum()), 0))


def _adjusted_note(adjusters: list[str]) -> str:
    return f"; adjusted for {', '.join(adjusters)}" if adjusters else ""


def _association(name: str, lag: int, fitted: tuple[float, float, float], n_days: int, method: str) -> Association:
    beta, se, p = fitted
    per = PER_UNIT[name][0]
    log_rr, log_se = beta * per, se * per
    z = 1.959963984540054
    return Association(
        factor=name,
        lag_days=lag,
        direction="up" if beta > 0 else "down",
        rate_ratio=math.exp(log_rr),
        per=per,
        ci95=(math.exp(log_rr - z * log_se), math.exp(log_rr + z * log_se)),
        p=p,
        q=1.0,
        significant=False,
        n_days=n_days,
        method=method,
        log_rr=log_rr,
        se=log_se,
    )


def _testable(x: np.ndarray) -> bool:
    if len(x) < MIN_FACTOR_DAYS:
        return False
    _, counts = np.unique(x, return_counts=True)
    return len(counts) >= 3 and counts.max() <= MAX_MODE_SHARE * len(x)


def _fit(
    y: np.ndarray, base: np.ndarray, x: np.ndarray, method: Method, start: np.ndarray | None = None
) -> tuple[float, float, float] | None:
    """beta (per unit of x), its standard error and two-sided p for the factor column.

    A quasi-Poisson GLM fitted by iteratively reweighted least squares in
    numpy (the same estimates as statsmodels' GLM, checked by a test, but
    without its per-call overhead: one diary needs dozens of fits).
    """
    from scipy.special import stdtr

    keep = base.any(axis=0)
    scale_x = x.std() or 1.0
    design = np.column_stack([base[:, keep], (x - x.mean()) / scale_x])
    n, k = design.shape
    if n - k < 10:
        return None
    fitted = fit_poisson(y, design, None if start is None else np.append(start[keep], 0.0))
    if fitted is None:
        return None
    beta, mu, bread = fitted
    if bread[-1, -1] * (design[:, -1] ** 2 * mu).sum() > 1e6:
        return None  # the factor only moves with the weekday or the trend: nothing left to test
    # Dispersion below 1 (steadier than chance) is not trusted: it would shrink the interval.
    pearson = max(1.0, float(((y - mu) ** 2 / mu).sum() / (n - k)))
    variance = pearson * bread[-1, -1]
    if method.hac:
        variance = max(variance, hac_variance(design, y, mu, bread[:, -1], method.hac_lags))
    se = math.sqrt(variance)
    if not math.isfinite(se) or se <= 0:
        return None
    t = abs(beta[-1]) / se
    p = float(2 * stdtr(n - k, -t))
    return float(beta[-1]) / scale_x, se / scale_x, p


def fit_poisson(
    y: np.ndarray, design: np.ndarray, start: np.ndarray | None = None, max_iter: int = 50
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Poisson log-link IRLS: coefficients, fitted means and (X'WX)^-1; None if it cannot be fitted."""
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    if start is None:
        mu = (y + y.mean()) / 2.0 + 0.1
        eta = np.log(mu)
    else:
        eta = design @ start
        mu = np.exp(eta)
    deviance = math.inf
    for _ in range(max_iter):
        working = eta + (y - mu) / mu
        weighted = design.T * mu
        try:
            factor = cho_factor(weighted @ design)
        except LinAlgError:
            return None
        beta = cho_solve(factor, weighted @ working)
        eta = np.clip(design @ beta, -30, 30)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            new_deviance = 2.0 * float(np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
        if abs(new_deviance - deviance) <= 1e-8 * (abs(new_deviance) + 0.1):
            break
        deviance = new_deviance
    try:
        factor = cho_factor((design.T * mu) @ design)
    except LinAlgError:
        return None
    bread = cho_solve(factor, np.eye(design.shape[1]))
    return beta, mu, bread


def hac_variance(design: np.ndarray, y: np.ndarray, mu: np.ndarray, bread_column: np.ndarray, lags: int | None) -> float:
    """Newey-West (Bartlett) sandwich variance of the last coefficient, with n/(n-k) correction.

    Only one coefficient matters, so the score contributions collapse to one
    series u_i = (x_i . c)(y_i - mu_i), c being the last column of the bread.
    """
    n, k = design.shape
    maxlags = lags if lags is not None else max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))
    u = (design @ bread_column) * (y - mu)
    total = float(u @ u)
    for lag in range(1, maxlags + 1):
        weight = 1.0 - lag / (maxlags + 1.0)
        total += 2.0 * weight * float(u[lag:] @ u[:-lag])
    return total * n / (n - k)


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """BH-adjusted p-values (q), in the input order."""
    m = len(p_values)
    if m == 0:
        return []
    order = np.argsort(p_values)
    ranked = np.asarray(p_values, dtype=float)[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(adjusted, 1.0)
    return [float(v) for v in q]
