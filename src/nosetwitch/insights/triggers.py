"""Which day factors went with more or less twitching: the trigger analysis.

The model, for each factor (built-in or the person's own) and lag (same day,
day before), on the days with a check-in:

    log E[episodes on day d] = weekday(d) + trend(d) + adjusters(d) + beta * factor(d - lag)

- **weekday** effects: workdays (and a person's own weekly rhythm) bring both
  more coffee and more twitching for reasons nobody writes down; comparing
  within weekdays stops that pattern posing as a trigger;
- **trend**: a cubic B-spline in calendar time (one degree of freedom per
  `Method.trend_days_per_df` days) soaks up slow drifts of the baseline, so a
  factor that merely rose while the twitching happened to rise is not blamed;
- **overdispersion**: quasi-Poisson, the Pearson dispersion of the fit over its
  residual degrees of freedom, n - tr(2A - A^2) (floored at 1);
- **score tests from one base fit**: the weekday-and-trend model (plus the
  adjusters) is fitted once per round; every factor row is then a score
  (Rao) test of adding its column, with the one-step estimate of its effect.
  A day on which the factor was not recorded keeps its count (the column is 0
  there and a missing-day flag is a nuisance column of that test);
- **mutual adjustment**: rows that stand out become (and stay) adjusters of
  every other row in the next round, until no new row stands out;
- **weighted Benjamini-Hochberg**: same-day rows weigh more than day-before
  rows (`Method.lag_weights`, mean weight 1: the false-discovery rate is still
  controlled), so testing the day before costs the same-day rows little.

The choice of model and settings was made by simulation
(`bench/insights_validation.py`, figures in `docs/insights.md`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

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
SPARSE_FROM = 40
"""Base designs wider than this (long diaries: one trend column per month) are kept sparse."""
MIN_YES_NO_DAYS = 5
"""A yes/no factor needs at least this many days of each answer (and the mode rule above)."""
ALPHA = 0.05
MAX_ROUNDS = 4
"""Rounds of the analysis: alone, then adjusted for what stood out, until that set stops changing."""


@dataclass(frozen=True)
class Method:
    """The analysis settings (the defaults are the validated ones)."""

    trend_days_per_df: float = 60.0
    lag_weights: tuple[float, float] = (1.4, 0.6)
    """Weighted BH: weight of same-day and day-before rows (normalised to a mean of 1)."""
    weekday_ridge: float = 200.0
    """Ridge penalty on each weekday's own deviation from its workday/weekend level (0: plain
    fixed effects); a negative value: estimated from the diary (empirical Bayes), at most -value."""
    rounds: str = "monotone"
    """"monotone": a row that stood out in a round stays an adjuster of the other rows, so the
    rounds always settle; "last": the adjusters are the rows that stood out in the round before
    (the setting before: in 3-4 % of diaries that set kept flipping and the last round was reported)."""
    effective_df: bool = True
    """The dispersion's and the t reference's degrees of freedom: n - tr(2A - A^2), a ridge-shrunk
    weekday column counting less than one (False: n - number of columns, the setting before)."""

    def describe(self, trend_df: int) -> str:
        w0, w1 = self.lag_weights
        return (
            f"quasi-Poisson GLM of daily counts; weekday effects + B-spline trend ({trend_df} df); "
            "Pearson dispersion; score test from one base fit per round, one-step estimate; "
            "factors that stand out adjusted for each other; "
            f"weighted Benjamini-Hochberg across all rows (same day {w0:g} : day before {w1:g})"
        )


DEFAULT_METHOD = Method()


def factor_unit(name: str, table: DailyTable | None = None) -> tuple[float, str, str]:
    """(per, unit words, kind) of a factor: built-in per `PER_UNIT`, own ones per 1 unit (yes/no: yes vs no)."""
    if name in PER_UNIT:
        per, words = PER_UNIT[name]
        return per, words, "number"
    label, kind, unit = (table.own.get(name) if table is not None else None) or (name.removeprefix("own:"), "number", None)
    if kind == "yes_no":
        return 1.0, label, kind
    if kind == "scale":
        return 1.0, f"point of {label} (0-10)", kind
    return 1.0, f"{unit} of {label}" if unit else f"unit of {label}", kind


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
    unit: str = ""  # how a sentence names `per` units (a yes/no factor: its label)
    kind: str = "number"  # "number", "scale" or "yes_no" (then the rate ratio is yes days vs no days)

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
    """Trend basis plus weekday columns (the last `weekday_columns(method)` ones).

    Plain: six dummies, Monday the reference. With a weekday ridge: a weekend
    column (not penalised) and one dummy per weekday (penalised), so each
    day's own deviation is shrunk towards its workday or weekend level.
    """
    trend = trend_basis(table.n_days, method.trend_days_per_df)
    weekday = table.weekday
    if method.weekday_ridge:
        dummies = (weekday[:, None] == np.arange(7)[None, :]).astype(float)
        return np.hstack([trend, (weekday >= 5)[:, None].astype(float), dummies])
    dummies = (weekday[:, None] == np.arange(1, 7)[None, :]).astype(float)
    return np.hstack([trend, dummies])


def analyse_factors(table: DailyTable, method: Method = DEFAULT_METHOD) -> list[Association]:
    """Every testable (factor, lag) row, with weighted BH q-values across all of them.

    First each factor alone (with weekday and trend); then every row again,
    adjusted for the rows that stood out in any round so far, until no new row
    stands out (at most `MAX_ROUNDS` rounds). Adjusting for a factor that really moves the
    twitching removes its noise from the comparison, and keeps two factors
    (or two days of one factor) that rise together from sharing one's credit.
    """
    # Many small matrices: BLAS threads only fight each other (and other processes) here.
    with _blas_controller().limit(limits=1, user_api="blas"):
        return _analyse(table, method)


@functools.cache
def _blas_controller():
    """threadpoolctl's view of the loaded BLAS, found once (finding it reads the loaded libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@dataclass
class _Candidate:
    name: str
    lag: int
    column: np.ndarray  # standardised on known days, 0 elsewhere (outcome days only)
    missing: np.ndarray | None  # missing-day flag, None when recorded on every outcome day
    scale: float  # SD of the factor on its known days (1 for yes/no: yes vs no)
    n_days: int

    @property
    def key(self) -> tuple[str, int]:
        return self.name, self.lag


def _candidates(table: DailyTable, use: np.ndarray) -> list[_Candidate]:
    out = []
    for name, values in table.factors.items():
        kind = factor_unit(name, table)[2]
        for lag in LAGS:
            x = np.full(table.n_days, np.nan)
            x[lag:] = values[: table.n_days - lag]
            x = x[use]
            known = ~np.isnan(x)
            if not testable(x[known], kind):
                continue
            if kind == "yes_no":
                centre, scale = 0.0, 1.0  # the coefficient is yes days against no days
            else:
                centre, scale = float(x[known].mean()), float(x[known].std()) or 1.0
            column = np.where(known, (x - centre) / scale, 0.0)
            missing = None if known.all() else (~known).astype(float)
            out.append(_Candidate(name, lag, column, missing, scale, int(known.sum())))
    return out


def _analyse(table: DailyTable, method: Method) -> list[Association]:
    use = table.outcome_days
    y = table.counts[use].astype(float)
    base = base_design(table, method)[use]
    penalty = np.zeros(base.shape[1])
    if method.weekday_ridge:
        penalty[-7:] = method.weekday_ridge if method.weekday_ridge > 0 else _weekday_ridge(table, y, use, method)
    keep = base.any(axis=0)
    base, penalty = base[:, keep], penalty[keep]
    trend_df = base.shape[1] - (8 if method.weekday_ridge else 6)
    if base.shape[1] > SPARSE_FROM:
        from scipy.sparse import csr_array

        base = csr_array(base)
    candidates = _candidates(table, use)
    description = method.describe(trend_df)
    flagged: list[tuple[str, int]] = []
    rows: list[Association] = []
    for _ in range(MAX_ROUNDS):
        rows = _score_round(table, y, base, penalty, candidates, flagged, method, description)
        now_flagged = [(r.factor, r.lag_days) for r in rows if r.significant]
        if method.rounds == "monotone":
            # Once a row stood out, its effect stays out of the other comparisons. Dropping it again
            # can flip the set back and forth: adjusting a factor's two days for each other may hide
            # both, and the next round then leaves its effect in everyone else's residuals again.
            now_flagged = flagged + [key for key in now_flagged if key not in flagged]
        if now_flagged == flagged:
            break
        flagged = now_flagged
    return rows


def _weekday_ridge(table: DailyTable, y: np.ndarray, use: np.ndarray, method: Method) -> float:
    """Empirical-Bayes ridge for the weekday deviations: 1 / tau^2, tau^2 being how much the seven
    days differ from their workday/weekend level beyond what chance alone would give."""
    cap = -method.weekday_ridge
    plain = base_design(table, Method(trend_days_per_df=method.trend_days_per_df))[use]
    plain = plain[:, plain.any(axis=0)]
    fitted = fit_poisson(y, plain)
    if fitted is None or plain.shape[1] < 7:
        return cap
    beta, mu, bread = fitted
    dispersion = max(1.0, float(((y - mu) ** 2 / mu).sum()) / max(len(y) - plain.shape[1], 1))
    levels = np.concatenate([[0.0], beta[-6:]])  # Monday .. Sunday, Monday the reference
    cov = np.zeros((7, 7))
    cov[1:, 1:] = dispersion * bread[-6:, -6:]
    groups = np.array([0, 0, 0, 0, 0, 1, 1])
    centre = np.zeros((7, 7))
    for g in (0, 1):
        members = groups == g
        centre[np.ix_(members, members)] = 1.0 / members.sum()
    project = np.eye(7) - centre  # each day minus its group's mean
    deviations = project @ levels
    noise = float(np.trace(project @ cov @ project.T))
    tau2 = (float(deviations @ deviations) - noise) / 5.0
    return cap if tau2 <= 1.0 / cap else 1.0 / tau2


def _score_round(table, y, base, penalty, candidates, flagged, method: Method, description: str) -> list[Association]:
    """One round: every candidate row scored against a base fit holding the flagged rows other than itself."""
    by_key = {c.key: c for c in candidates}
    fits: dict[tuple, tuple | None] = {(): _base_fit(y, base, penalty, [], effective_df=method.effective_df)}
    start = None if fits[()] is None else fits[()][3]
    scored = []
    for cand in candidates:
        adjusters = tuple(key for key in flagged if key != cand.key and key in by_key)
        if adjusters not in fits:
            fits[adjusters] = _base_fit(y, base, penalty, [by_key[key] for key in adjusters], start, method.effective_df)
        fit = fits[adjusters]
        if fit is None:
            continue
        result = _score(y, fit, cand)
        if result is not None:
            scored.append((cand, result, adjusters))
    weights = [method.lag_weights[cand.lag] for cand, _, _ in scored]
    q_values = weighted_bh([result[2] for _, result, _ in scored], weights)
    rows = []
    for (cand, result, adjusters), q in zip(scored, q_values):
        row = _association(table, cand, result, description + _adjusted_note(adjusters))
        row.q = q
        row.significant = q < ALPHA
        rows.append(row)
    return rows


def _base_fit(y, base, penalty, adjusters: list[_Candidate], start: np.ndarray | None = None, effective_df: bool = True):
    """The nuisance model (weekday, trend, adjusting rows): design, fitted means, bread, its
    coefficients of the base columns, and the residual degrees of freedom it uses up."""
    columns = []
    for cand in adjusters:
        columns.append(cand.column)
        if cand.missing is not None and cand.missing.any():
            columns.append(cand.missing)
    if columns:
        extra = np.column_stack(columns)
        if isinstance(base, np.ndarray):
            design = np.hstack([base, extra])
        else:
            from scipy.sparse import csr_array, hstack

            design = hstack([base, csr_array(extra)], format="csr")
    else:
        design = base
    pen = np.concatenate([penalty, np.zeros(design.shape[1] - base.shape[1])])
    initial = None if start is None else np.concatenate([start, np.zeros(design.shape[1] - base.shape[1])])
    fitted = fit_poisson(y, design, initial, penalty=pen)
    if fitted is None or len(y) - design.shape[1] < 10:
        return None
    beta, mu, bread = fitted
    used = _used_df(bread, pen) if effective_df else float(design.shape[1])
    return design, mu, bread, beta[: base.shape[1]], used


def _used_df(bread: np.ndarray, penalty: np.ndarray) -> float:
    """The degrees of freedom a penalised fit takes from the residuals: tr(2A - A^2), A the hat matrix.

    The Pearson statistic's expectation is phi (n - tr(2A - A^2)) (Hastie & Tibshirani 1990, 3.5).
    An unpenalised column counts one; a ridge-shrunk weekday column counts less, so n minus the
    number of columns overstates the dispersion. With B = (X'WX + P)^-1, A = X B X'W and
    tr(2A - A^2) = p - tr(B P B P).
    """
    columns = np.flatnonzero(penalty)
    if not len(columns):
        return float(bread.shape[0])
    block = bread[np.ix_(columns, columns)] * penalty[columns]
    return float(bread.shape[0] - np.trace(block @ block))


def _score(y: np.ndarray, fit, cand: _Candidate) -> tuple[float, float, float, int] | None:
    """Score test of adding the candidate's column: (one-step beta per SD, its SE, p, residual df).

    With a missing-day flag the test is the efficient (C-alpha) score of the
    column with the flag as a further nuisance column.
    """
    from scipy.special import stdtr

    design, mu, bread, _, used = fit
    extra = [cand.column] if cand.missing is None else [cand.missing, cand.column]
    e = np.column_stack(extra)
    we = e * mu[:, None]
    cross = design.T @ we
    info = e.T @ we - cross.T @ bread @ cross
    resid = y - mu
    score = e.T @ resid
    try:
        inverse = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return None
    if not (np.isfinite(inverse).all() and inverse[-1, -1] > 0):
        return None  # the missing-day flag and the factor leave nothing to tell apart
    step = inverse @ score  # one Newton step for the extra columns
    v = 1.0 / float(inverse[-1, -1])  # efficient information of the factor's column
    raw = float((cand.column**2 * mu).sum())
    if not v > 1e-6 * raw:
        return None  # the factor only moves with the weekday or the trend: nothing left to test
    df = len(y) - used - e.shape[1]
    if df < 10:
        return None
    # The fitted means after that step (the nuisance coefficients move too), for the dispersion:
    # a real effect left in the residuals would inflate it and hide itself.
    projected = e - design @ (bread @ cross)
    mu1 = mu * np.exp(np.clip(projected @ step, -20, 20))
    dispersion = max(1.0, float(((y - mu1) ** 2 / mu1).sum()) / df)
    beta = float(step[-1])
    se = math.sqrt(dispersion / v)
    p = float(2 * stdtr(df, -abs(beta) / se))
    return beta, se, p, df


def _adjusted_note(adjusters) -> str:
    if not adjusters:
        return ""
    names = [name if lag == 0 else f"{name} (day before)" for name, lag in adjusters]
    return f"; adjusted for {', '.join(names)}"


def _association(table: DailyTable, cand: _Candidate, result, method: str) -> Association:
    beta, se, p, _ = result
    per, unit, kind = factor_unit(cand.name, table)
    if kind == "number" and cand.name not in PER_UNIT:
        # An own number: per a round step near its spread ("20 g of chocolate"), not per one unit.
        label, _, own_unit = table.own.get(cand.name) or (cand.name.removeprefix("own:"), kind, None)
        per = _round_step(cand.scale)
        unit = f"{per:g} {own_unit or ('unit' if per == 1 else 'units')} of {label}"
    log_rr, log_se = beta / cand.scale * per, se / cand.scale * per
    z = 1.959963984540054
    return Association(
        factor=cand.name,
        lag_days=cand.lag,
        direction="up" if beta > 0 else "down",
        rate_ratio=_exp(log_rr),
        per=per,
        ci95=(_exp(log_rr - z * log_se), _exp(log_rr + z * log_se)),
        p=p,
        q=1.0,
        significant=False,
        n_days=cand.n_days,
        method=method,
        log_rr=log_rr,
        se=log_se,
        unit=unit,
        kind=kind,
    )


def _round_step(spread: float) -> float:
    """1, 2 or 5 times a power of ten, the largest not above the spread (at least 0.01)."""
    if not spread > 0.01:
        return 0.01
    power = 10.0 ** math.floor(math.log10(spread))
    return max(step * power for step in (1, 2, 5) if step * power <= spread * (1 + 1e-9))


def _exp(value: float) -> float:
    """exp without overflow (a factor almost never varying can give a huge interval)."""
    return math.exp(max(-700.0, min(700.0, value)))


def testable(x: np.ndarray, kind: str = "number") -> bool:
    """Enough recorded days, and enough variation to compare (see `docs/insights.md`)."""
    if len(x) < MIN_FACTOR_DAYS:
        return False
    _, counts = np.unique(x, return_counts=True)
    if counts.max() > MAX_MODE_SHARE * len(x):
        return False
    if kind == "yes_no":
        return len(counts) == 2 and counts.min() >= MIN_YES_NO_DAYS
    return len(counts) >= 3


def fit_poisson(
    y: np.ndarray,
    design: np.ndarray,
    start: np.ndarray | None = None,
    max_iter: int = 50,
    penalty: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Poisson log-link IRLS: coefficients, fitted means and (X'WX + P)^-1; None if it cannot be fitted.

    `penalty`: an optional ridge penalty per coefficient (the diagonal of P).
    """
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
        try:
            factor = cho_factor(_penalised(_gram(design, mu), penalty))
        except LinAlgError:
            return None
        beta = cho_solve(factor, design.T @ (mu * working))
        eta = np.clip(design @ beta, -30, 30)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            new_deviance = 2.0 * float(np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
        if abs(new_deviance - deviance) <= 1e-8 * (abs(new_deviance) + 0.1):
            break
        deviance = new_deviance
    try:
        factor = cho_factor(_penalised(_gram(design, mu), penalty))
    except LinAlgError:
        return None
    bread = cho_solve(factor, np.eye(design.shape[1]))
    return beta, mu, bread


def _gram(design, weights: np.ndarray) -> np.ndarray:
    """X'WX as a dense matrix; X may be a scipy sparse array (a long diary's banded trend basis)."""
    if isinstance(design, np.ndarray):
        return (design.T * weights) @ design
    return (design.T @ design.multiply(weights[:, None])).toarray()


def _penalised(information: np.ndarray, penalty: np.ndarray | None) -> np.ndarray:
    if penalty is None or not penalty.any():
        return information
    return information + np.diag(penalty)


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


def weighted_bh(p_values: list[float], weights: list[float]) -> list[float]:
    """Weighted Benjamini-Hochberg (Genovese, Roeder & Wasserman 2006): BH on p / w,
    the weights normalised to a mean of 1, which keeps the false-discovery rate."""
    if not p_values:
        return []
    w = np.asarray(weights, dtype=float)
    w = w / w.mean()
    return benjamini_hochberg([min(1.0, p / wi) for p, wi in zip(p_values, w)])
