"""two_step's metrics from its trial rows (what each is: the Metrics section of
:mod:`experiments.two_step`): the revaluation block's choices, the Daw et al. (2011) stay analysis and the
lagged regression of Akam et al. (2015), the rollouts' values, and the dorsal critic's responses."""
from __future__ import annotations

import numpy as np

from brain.trials.stay import lagged_regression, stay_probabilities, stay_regression


def _outcomes(rows: list[dict]) -> tuple[list[dict], list[tuple[int, int, int]]]:
    """The rows with a choice and an outcome, and their ``(choice, common, rewarded)`` sequence (the
    input of :mod:`brain.trials.stay`)."""
    made = [r for r in rows if r["choice"] >= 0 and "reached" in r]
    return made, [(r["choice"], int(r["reached"] == 1 + r["choice"]), int(r["reward"] > 0)) for r in made]


def _stay_analysis(rows: list[dict], n_lags: int = 0) -> dict[str, float]:
    """The Daw et al. (2011) stay analysis over ``rows`` with a choice and an outcome (and, with
    ``n_lags``, the lagged regression of Akam et al. 2015); empty below 3 such trials."""
    made, seq = _outcomes(rows)
    if len(made) < 3:
        return {}
    m = {f"stay_{k}": v for k, v in stay_probabilities(seq).items()}
    reg = stay_regression(seq)
    m.update(reward_effect=reg["reward"], transition_effect=reg["transition"], interaction=reg["interaction"])
    if n_lags and len(made) > 4 * n_lags + 1:
        m.update({f"lagged_{k}": v for k, v in lagged_regression(seq, n_lags).items() if k != "intercept"})
    return m


def _silent_values(rows: list[dict], min_n: int = 20) -> dict[str, float]:
    """Stay-protocol decisions whose two imagined values were both 0 Hz (no ventral spike in either
    rollout): their share (``value_silent_rate``) and the stay regression's interaction over the
    stays into them only (``interaction_silent``; NaN below ``min_n`` such stays). What the
    interaction owes to something other than the imagined values."""
    made, seq = _outcomes(rows)
    silent = np.array([r["value0_hz"] == 0 and r["value1_hz"] == 0 for r in made], bool)
    m = {"value_silent_rate": float(np.mean(silent)) if made else float("nan"), "interaction_silent": float("nan")}
    if silent[1:].sum() >= min_n:
        m["interaction_silent"] = stay_regression(seq, select=silent)["interaction"]
    return m


def _dopamine(rows: list[dict]) -> dict[str, float]:
    """The dorsal critic's response in the second half of the choice trials (stay or training):
    the DA cells' mean rate (Hz) in the outcome window of paid / unpaid trials, and while the state
    reached is shown (the relay of its ventral value); empty without a ``dopamine`` region."""
    made = [r for r in rows if r.get("block") in ("stay", "train") and "da_outcome_hz" in r]
    late = made[len(made) // 2:]
    m = {}
    for key, sel in (("da_outcome_paid_hz", lambda r: r["reward"] > 0), ("da_outcome_unpaid_hz", lambda r: r["reward"] == 0)):
        got = [r["da_outcome_hz"] for r in late if sel(r)]
        if got:
            m[key] = float(np.mean(got))
    if late:
        m["da_state_hz"] = float(np.mean([r["da_state_hz"] for r in late]))
    return m


def metrics(rows: list[dict], p, better_first: int, agent: str) -> dict[str, float]:
    if p.protocol == "stay":
        made = [r for r in rows if r["block"] == "stay"]
        m = {"no_choice_rate": float(np.mean([r["choice"] < 0 for r in made])),
             "reward_rate": float(np.mean([r.get("reward", 0.0) for r in made])),
             **_stay_analysis(made, p.n_lags)}
    else:
        train = [r for r in rows if r["block"] == "train"]
        test = [r for r in rows if r["block"] == "test"]
        good_before, good_after = better_first - 1, 2 - better_first    # action whose common destination pays
        last = train[-p.n_window:]
        pick = lambda rs, a: float(np.mean([r["choice"] == a for r in rs]))  # noqa: E731
        made = train + test
        m = {"revaluation_index": pick(test, good_after) - pick(last, good_after),
             "train_accuracy": pick(last, good_before),
             "test_choice_better": pick(test, good_after),
             "no_choice_rate": float(np.mean([r["choice"] < 0 for r in made])),
             **_stay_analysis(train)}
        reval = [r for r in rows if r["block"] == "revalue"]
        late = reval[len(reval) // 2:]
        for key, state in (("value_seen_better_hz", 3 - better_first), ("value_seen_worse_hz", better_first)):
            seen = [r["value_seen_hz"] for r in late if r["reached"] == state and "value_seen_hz" in r]
            m[key] = float(np.mean(seen)) if seen else float("nan")
        if agent != "mf":
            m["value_better_hz"] = float(np.mean([r[f"value{good_after}_hz"] for r in test]))
            m["value_worse_hz"] = float(np.mean([r[f"value{1 - good_after}_hz"] for r in test]))
    m.update(_dopamine(rows))
    if agent != "mf":
        hits = [r[f"imagined{a}"] == 1 + a for r in made for a in (0, 1)]
        m["rollout_common_accuracy"] = float(np.mean(hits))
        v = np.array([[r["value0_hz"], r["value1_hz"]] for r in made if r["choice"] >= 0])
        c = np.array([r["choice"] for r in made if r["choice"] >= 0])
        clear = np.abs(v[:, 0] - v[:, 1]) > p.value_margin if len(v) else np.zeros(0, bool)
        m["choice_follows_value"] = float(np.mean(c[clear] == v[clear].argmax(1))) if clear.any() else float("nan")
        m["value_clear_rate"] = float(np.mean(clear)) if len(v) else float("nan")
        if p.protocol == "stay":
            m.update(_silent_values(made))
    return {f"{k}_{agent}": v for k, v in m.items()}
