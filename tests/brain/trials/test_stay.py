"""Two-step analyses (``brain.trials.stay``) on the tabular reference agents: the model-free agent
shows a reward main effect and no interaction, the model-based agent the reward x transition
interaction (Daw et al. 2011, Fig. 2), over seeds 4-13 of 200-trial sessions."""
import numpy as np
import pytest

from brain.trials.stay import lagged_regression, run_tabular, stay_probabilities, stay_regression
from brain.trials.tasks import TwoStep

SEEDS = range(4, 14)


def _coefficients(kind):
    regs = [stay_regression(run_tabular(TwoStep(n_trials=200, seed=s), kind, seed=s)) for s in SEEDS]
    out = {}
    for key in ("reward", "transition", "interaction"):
        v = np.array([r[key] for r in regs])
        out[key] = (v.mean(), 1.96 * v.std(ddof=1) / np.sqrt(len(v)))    # mean, 95 % half-width
    return out


def test_model_free_agent_shows_reward_effect_without_interaction():
    c = _coefficients("mf")
    reward, half = c["reward"]
    assert reward - half > 0                                   # the interval excludes 0
    assert abs(c["interaction"][0]) < reward / 3


def test_model_based_agent_shows_the_interaction():
    c = _coefficients("mb")
    inter, half = c["interaction"]
    assert inter - half > 0
    assert abs(c["reward"][0]) < inter / 2


def test_lagged_regression_separates_common_and_rare_for_model_based():
    trials = run_tabular(TwoStep(n_trials=400, seed=5), "mb", seed=5)
    lag = lagged_regression(trials, n_lags=2)
    assert lag["rewarded_common_lag1"] > 0 > lag["rewarded_rare_lag1"]
    assert lag["unrewarded_rare_lag1"] > 0 > lag["unrewarded_common_lag1"]


def test_stay_probabilities_count_each_cell():
    # (choice, common, reward): stay after rewarded-common, switch after unrewarded-rare ...
    trials = [(0, 1, 1), (0, 0, 0), (1, 1, 0), (1, 0, 1), (1, 1, 1)]
    p = stay_probabilities(trials)
    assert p == {"rewarded_common": 1.0, "unrewarded_rare": 0.0, "unrewarded_common": 1.0, "rewarded_rare": 1.0}


def test_stay_regression_stays_finite_when_a_cell_always_stays():
    """Quasi-separation (every rewarded trial is followed by a stay, as for a strongly model-free
    agent): maximum likelihood runs off to infinity, Firth's penalised fit stays finite, keeps the
    sign, and is the maximum of the Jeffreys-penalised likelihood."""
    from brain.trials.stay import logistic
    rng = np.random.default_rng(0)
    r, t = rng.choice([-1.0, 1.0], 200), rng.choice([-1.0, 1.0], 200)
    X = np.column_stack([np.ones(200), r, t, r * t])
    y = (rng.random(200) < np.where(r > 0, 1.0, 0.7)).astype(float)
    assert logistic(X, y, firth=False)[0][1] > 10
    beta, se = logistic(X, y)
    assert 0.5 < beta[1] < 5 and np.all(np.isfinite(se))

    def penalised(b):
        p = 1 / (1 + np.exp(-X @ b))
        info = X.T @ (X * (p * (1 - p))[:, None])
        return np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.5 * np.linalg.slogdet(info)[1]
    assert all(penalised(beta) > penalised(beta + d) for d in 0.01 * np.vstack([np.eye(4), -np.eye(4)]))


def test_tabular_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        run_tabular(TwoStep(n_trials=2, seed=1), "hybrid")


def test_two_step_stay_protocol_metrics_skip_no_choice_trials():
    from experiments._two_step_metrics import metrics as _metrics
    from experiments.two_step import Params
    trials = run_tabular(TwoStep(n_trials=200, seed=4), "mb", seed=4)
    rows = [{"block": "forced", "choice": 0, "reached": 1, "reward": 1.0}]
    for c, common, r in trials:
        rows.append({"block": "stay", "choice": c, "reached": 1 + (c if common else 1 - c), "reward": float(r)})
    rows.insert(50, {"block": "stay", "choice": -1})               # a no-choice trial: no outcome
    m = _metrics(rows, Params(protocol="stay", agents="mf"), 1, "mf")
    assert m["no_choice_rate_mf"] == 1 / 201
    assert m["interaction_mf"] == pytest.approx(stay_regression(trials)["interaction"])
    assert m["interaction_mf"] > 0
    lag = {k: m[f"lagged_{k}_lag1_mf"] for k in ("rewarded_common", "rewarded_rare", "unrewarded_common",
                                                  "unrewarded_rare")}
    assert lag["rewarded_common"] == pytest.approx(lagged_regression(trials, 2)["rewarded_common_lag1"])
    # the lag-1 common-vs-rare contrast: positive for model-based control
    assert lag["rewarded_common"] - lag["rewarded_rare"] + lag["unrewarded_rare"] - lag["unrewarded_common"] > 0
    assert "revaluation_index_mf" not in m


def test_two_step_rollout_agent_reports_how_often_the_imagined_values_decide():
    """value_clear_rate: the fraction of choices whose imagined values differ by more than
    value_margin; choice_follows_value is computed over those only."""
    from experiments._two_step_metrics import metrics as _metrics
    from experiments.two_step import Params
    values = [(20.0, 0.0), (0.0, 30.0), (0.5, 0.0), (3.0, 4.0), (12.0, 2.0)]
    choices = [0, 1, 1, 1, 1]          # the last clear choice goes against its values
    rows = [{"block": "stay", "choice": c, "reached": 1 + c, "reward": 1.0, "imagined0": 1, "imagined1": 2,
             "value0_hz": v0, "value1_hz": v1} for c, (v0, v1) in zip(choices, values)]
    rows.append({"block": "stay", "choice": -1, "imagined0": 1, "imagined1": 2, "value0_hz": 40.0,
                 "value1_hz": 0.0})                                     # no choice: not counted
    m = _metrics(rows, Params(protocol="stay", agents="mb"), 1, "mb")
    assert m["value_clear_rate_mb"] == pytest.approx(3 / 5)
    assert m["choice_follows_value_mb"] == pytest.approx(2 / 3)
    assert m["rollout_common_accuracy_mb"] == 1.0


def test_two_step_interaction_over_decisions_the_imagined_values_did_not_decide():
    """interaction_silent: the stay regression over the stays into decisions whose imagined values
    were both 0 Hz; a tabular MB agent's interaction shows there whatever the values were."""
    from experiments._two_step_metrics import metrics as _metrics
    from experiments.two_step import Params
    trials = run_tabular(TwoStep(n_trials=200, seed=5), "mb", seed=5)
    silent = np.random.default_rng(0).random(len(trials)) < 0.6
    rows = [{"block": "stay", "choice": c, "reached": 1 + (c if common else 1 - c), "reward": float(r),
             "imagined0": 1, "imagined1": 2, "value0_hz": 0.0 if q else 9.0, "value1_hz": 0.0}
            for (c, common, r), q in zip(trials, silent)]
    m = _metrics(rows, Params(protocol="stay", agents="mb"), 1, "mb")
    assert m["value_silent_rate_mb"] == pytest.approx(silent.mean())
    sub = stay_regression(trials, select=silent)["interaction"]
    assert m["interaction_silent_mb"] == pytest.approx(sub) and sub > 0.2
    assert sub != pytest.approx(stay_regression(trials)["interaction"])
    assert stay_regression(trials, select=np.ones(len(trials), bool)) == stay_regression(trials)
    few = _metrics(rows[:30], Params(protocol="stay", agents="mb"), 1, "mb")
    assert np.isnan(few["interaction_silent_mb"])                   # fewer than 20 such stays


def test_two_step_ventral_response_reaches_the_dorsal_critic():
    """The mf agent's TD-like credit: the ventral D1 cells excite the dorsal critic's DA cells on the
    reward's own conductance, every DA cell releases dopamine (``da``) onto every dorsal MSN, the cue's
    onset drives the critic's timing cells, and the cached-value rules subtract tonic dopamine."""
    from brain.experiment import resolve_config, unrun_brain
    with unrun_brain("two_step", resolve_config("two_step")) as (cfg, b):
        relay, reward = cfg.projections["vs->dopamine"], cfg.projections["reward->dopamine"]
        assert (relay.source, relay.target, relay.rule) == ("d1", "reward", "static")
        assert relay.target == reward.target and relay.weight < reward.weight
        assert (cfg.projections["onset->dopamine"].target, cfg.projections["dopamine->striatum"].target) == \
            ("cue", "dopamine")
        syn = b.projections["dopamine->striatum"]
        n_da, n_msn = len(b.regions["dopamine"].ports["da"].group), len(b.regions["striatum"].ports["dopamine"].group)
        assert len(syn) == n_da * n_msn
        assert "da" in syn.pre.code
        for label in ("cue->striatum:d1", "cue->striatum:d2"):
            assert cfg.projections[label].rule_params.baseline_tonic is True
