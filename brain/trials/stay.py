"""Two-step analyses: stay probabilities, the Daw et al. (2011) logistic regression, the lagged
regression of Akam et al. (2015), and tabular reference agents (pure TD(lambda) MF, pure MB).

Input is a list of completed trials ``(choice1, common, reward)`` (stage-1 choice 0/1, common
transition 1/0, reward 1/0); trials without a stage-1 choice are left out by the caller.

- :func:`stay_probabilities`: P(repeat the stage-1 choice) in the four (previous reward x previous
  transition) cells (Daw et al. 2011, Fig. 2).
- :func:`stay_regression`: logistic regression ``stay ~ 1 + r + t + r x t`` with ``r``, ``t`` coded
  +-1; model-free control shows as a reward main effect, model-based as the interaction.
- :func:`lagged_regression`: P(choose action 0) from the trial types at lags 1..n (common /
  rare x rewarded / unrewarded, each signed by whether that past choice was action 0): true
  model-based control gives opposite signs for common and rare trials at every lag, whereas
  model-free strategies that mimic the interaction at lag 1 do not (Akam, Costa & Dayan 2015).
- :func:`run_tabular`: the reference agents on :class:`brain.trials.tasks.TwoStep` (Daw et al. 2011
  equations; these are baselines for the figures, not part of the spiking brain, whose learning is
  local only).

References
----------
Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011) Neuron 69:1204-1215.
Akam T, Costa R, Dayan P (2015) PLoS Comput Biol 11:e1004648.
Firth D (1993) Bias reduction of maximum likelihood estimates. Biometrika 80:27-38.
"""
from __future__ import annotations

import numpy as np

CELLS = ("rewarded_common", "rewarded_rare", "unrewarded_common", "unrewarded_rare")


def stay_probabilities(trials) -> dict[str, float]:
    """P(stay) after each (reward, transition) cell; NaN for an empty cell."""
    c, t, r = (np.asarray(x) for x in zip(*trials)) if len(trials) else (np.zeros(0),) * 3
    stay = c[1:] == c[:-1]
    out = {}
    for name, rr, tt in zip(CELLS, (1, 1, 0, 0), (1, 0, 1, 0)):
        sel = (r[:-1] == rr) & (t[:-1] == tt)
        out[name] = float(stay[sel].mean()) if sel.any() else float("nan")
    return out


def logistic(X: np.ndarray, y: np.ndarray, firth: bool = True, iters: int = 100):
    """Logistic regression by Newton's method; returns (coefficients, standard errors from the
    inverse Fisher information).

    ``firth=True`` (default) maximises the likelihood penalised by Jeffreys' prior (Firth 1993): the
    estimates stay finite when a session's stays are (quasi-)separated, as when an agent almost
    always repeats its choice after a reward, and their small-sample bias shrinks (Heinze &
    Schemper 2002, Stat Med 21:2409). ``firth=False`` is plain maximum likelihood.
    """
    X, y = np.asarray(X, float), np.asarray(y, float)
    beta = np.zeros(X.shape[1])
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-X @ beta))
        w = p * (1 - p)
        info_inv = np.linalg.pinv(X.T @ (X * w[:, None]))
        resid = y - p
        if firth:
            hat = w * np.einsum("ij,jk,ik->i", X, info_inv, X)      # leverages
            resid = resid + hat * (0.5 - p)
        step = info_inv @ (X.T @ resid)
        step *= min(1.0, 5.0 / max(np.max(np.abs(step)), 1e-300))   # no overshoot far from the optimum
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    p = 1.0 / (1.0 + np.exp(-X @ beta))
    return beta, np.sqrt(np.diag(np.linalg.pinv(X.T @ (X * (p * (1 - p))[:, None]))))


def stay_regression(trials, select=None) -> dict[str, float]:
    """Coefficients of ``stay ~ 1 + r + t + r x t`` (r, t coded +-1) and their standard errors
    (Firth-penalised, :func:`logistic`). ``select`` (booleans, one per trial): only the stays *into*
    the selected trials count (e.g. the decisions that some signal did not decide); ``select[0]``
    is ignored."""
    c, t, r = (np.asarray(x, float) for x in zip(*trials))
    stay = (c[1:] == c[:-1]).astype(float)
    rs, ts = 2 * r[:-1] - 1, 2 * t[:-1] - 1
    X = np.column_stack([np.ones_like(rs), rs, ts, rs * ts])
    if select is not None:
        keep = np.asarray(select, bool)[1:]
        X, stay = X[keep], stay[keep]
    beta, se = logistic(X, stay)
    names = ("intercept", "reward", "transition", "interaction")
    return {**{n: float(b) for n, b in zip(names, beta)}, **{f"{n}_se": float(s) for n, s in zip(names, se)}}


def lagged_regression(trials, n_lags: int = 3) -> dict[str, float]:
    """Akam et al. (2015) lagged regression: coefficient per (trial type, lag)."""
    c, t, r = (np.asarray(x, int) for x in zip(*trials))
    sign = 2 * (c == 0) - 1.0
    rows, y = [], []
    for k in range(n_lags, len(c)):
        x = [1.0]
        for lag in range(1, n_lags + 1):
            j = k - lag
            for rr, tt in ((1, 1), (1, 0), (0, 1), (0, 0)):
                x.append(sign[j] if (r[j] == rr and t[j] == tt) else 0.0)
        rows.append(x)
        y.append(float(c[k] == 0))
    beta, _ = logistic(np.array(rows), np.array(y))
    out = {"intercept": float(beta[0])}
    for lag in range(1, n_lags + 1):
        for q, name in enumerate(CELLS):
            out[f"{name}_lag{lag}"] = float(beta[1 + 4 * (lag - 1) + q])
    return out


def _softmax_choice(q: np.ndarray, beta: float, rng, bonus=None) -> int:
    v = beta * q + (0.0 if bonus is None else bonus)
    p = np.exp(v - v.max())
    return int(rng.choice(len(q), p=p / p.sum()))


def run_tabular(task, kind: str, alpha: float = 0.5, beta: float = 5.0, lam: float = 1.0,
                persev: float = 0.0, seed=None) -> list[tuple[int, int, int]]:
    """Play ``task`` (a fresh :class:`~brain.trials.tasks.TwoStep`) with a tabular agent: ``mf``
    (SARSA(lambda), Daw et al. 2011 eqs. 1-3) or ``mb`` (stage-1 values from the known transition
    matrix and learned stage-2 values). Returns ``(choice1, common, reward)`` per trial."""
    if kind not in ("mf", "mb"):
        raise ValueError(f"kind must be 'mf' or 'mb', got {kind!r}")
    rng = np.random.default_rng(seed)
    q1, q2, out, last = np.zeros(2), np.zeros((2, 2)), [], None
    task.reset()
    T = np.array([[task.p_common, 1 - task.p_common], [1 - task.p_common, task.p_common]])
    while not task.done:
        vals = q1 if kind == "mf" else T @ q2.max(axis=1)
        bonus = None if last is None else persev * (np.arange(2) == last)
        a1 = _softmax_choice(vals, beta, rng, bonus)
        o1 = task.step(a1)
        common = int(o1.info["common"])
        s2 = a1 if common else 1 - a1          # second-stage state 1 + s2
        a2 = _softmax_choice(q2[s2], beta, rng)
        o2 = task.step(a2)
        r = o2.reward
        d1 = q2[s2, a2] - q1[a1]
        q1[a1] += alpha * d1
        d2 = r - q2[s2, a2]
        q2[s2, a2] += alpha * d2
        q1[a1] += alpha * lam * d2
        out.append((a1, common, int(r)))
        last = a1
    return out
