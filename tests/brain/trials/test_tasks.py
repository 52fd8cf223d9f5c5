"""brain.trials.tasks: seeded pre-drawn sequences, draw statistics, the step protocol and validation."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from brain.config import ConfigError
from brain.trials.tasks import TASKS, Bandit, GoalCued, Outcome, Reversal, TwoStep, make_task, reflect

KINDS = sorted(k for k in TASKS if k not in ("salience", "delayed_recall"))  # own tests below:
# salience has graded observations, delayed_recall fields that are None in some trials


def _play(task, policy):
    """Run a whole session; ``policy(task, obs, k)`` -> choice. Returns the outcomes."""
    obs, outs, k = task.reset(), [], 0
    while True:
        out = task.step(policy(task, obs, k))
        outs.append(out)
        assert set(out.observation) == set(obs), "observation keys change"
        obs, k = out.observation, k + 1
        if out.done:
            return outs


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("kind", KINDS)
def test_seeded_reproducible_and_reset(kind):
    a, b, c = make_task(kind, {}, 7), make_task(kind, {}, 7), make_task(kind, {}, 8)
    assert _same(a.sequence(), b.sequence())
    assert not _same(a.sequence(), c.sequence())
    first = _play(a, lambda t, o, k: k % t.n_actions)
    again = _play(a, lambda t, o, k: k % t.n_actions)            # reset() restarts the same sequence
    assert [o.reward for o in first] == [o.reward for o in again]
    assert [(o.correct, o.observation) for o in first] == [(o.correct, o.observation) for o in again]
    assert _same(a.sequence(), b.sequence())


@pytest.mark.parametrize("kind", KINDS)
def test_protocol(kind):
    task = make_task(kind, {}, 1)
    obs = task.reset()
    assert obs["trial"] == 0 and set(obs) == {"trial", *task.fields}
    assert all(0 <= obs[f] < n for f, n in task.fields.items())
    assert isinstance(task.n_actions, int) and task.correct_action() in range(task.n_actions)
    out = task.step(task.correct_action())
    assert isinstance(out, Outcome) and out.correct and out.reward in (0.0, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        out.reward = 1.0
    assert all(np.isscalar(v) for v in out.info.values())
    outs = _play(task, lambda t, o, k: 0)
    assert outs[-1].done and not any(o.done for o in outs[:-1])
    assert len(outs) == getattr(task, "max_steps", task.n_trials)
    assert task.correct_action() is None
    with pytest.raises(RuntimeError):
        task.step(0)
    task.reset()
    with pytest.raises(ValueError):
        task.step(task.n_actions)


@pytest.mark.parametrize("kind", KINDS)
def test_no_choice_is_unrewarded_and_advances(kind):
    task = make_task(kind, {"p_reward": 1.0} if kind in ("goal_cued", "reversal") else {}, 3)
    obs = task.reset()
    outs = _play(task, lambda t, o, k: None)
    assert all(o.reward == 0.0 and not o.correct for o in outs)
    assert len(outs) == task.n_trials                          # two-step: a stage-1 no-choice ends the trial
    assert [o.observation["trial"] for o in outs[:-1]] == list(range(1, task.n_trials))
    assert obs["trial"] == 0


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_independent_of_choices(kind):
    """Two policies see the same draws: wherever they take the same action in the same trial and
    state, the reward is the same."""
    a, b = make_task(kind, {}, 11), make_task(kind, {}, 11)
    rng = np.random.default_rng(0)

    def record(task, policy):
        obs, seen = task.reset(), {}
        while True:
            choice = policy(task, obs)
            out = task.step(choice)
            seen[(obs["trial"], obs.get("state", 0), choice)] = out.reward
            obs = out.observation
            if out.done:
                return seen

    ra = record(a, lambda t, o: 0)
    rb = record(b, lambda t, o: int(rng.integers(t.n_actions)))
    assert _same(a.sequence(), b.sequence())
    shared = ra.keys() & rb.keys()
    assert len(shared) > 20 and all(ra[k] == rb[k] for k in shared)
    assert any(ra[k] for k in shared) and not all(ra[k] for k in shared)


def test_bandit_reward_frequency():
    task = Bandit(n_arms=3, p=[0.8, 0.5, 0.1], n_trials=20000, seed=5)
    for arm, p in enumerate([0.8, 0.5, 0.1]):
        task.reset()
        r = [o.reward for o in _play(task, lambda t, o, k: arm)]
        assert abs(np.mean(r) - p) < 0.015
    seq = task.sequence()
    assert seq["p"].shape == seq["u"].shape == (20000, 3) and np.all(seq["p"] == [0.8, 0.5, 0.1])
    task.reset()
    out = task.step(1)
    assert not out.correct and out.info["good_action"] == 0 and out.info["p_chosen"] == 0.5


def test_drifting_walk_statistics():
    p = Bandit(n_arms=4, n_trials=20000, drift_sd=0.025, seed=2).sequence()["p"]
    assert p.min() >= 0.25 and p.max() <= 0.75
    d = np.diff(p, axis=0)
    inner = (p[:-1] > 0.35) & (p[:-1] < 0.65)                    # away from the bounds: plain Gaussian steps
    assert abs(d[inner].std() - 0.025) < 0.001 and abs(d[inner].mean()) < 0.001
    q = TwoStep(n_trials=5000, seed=2).sequence()["p"]
    assert q.shape == (5000, 2, 2) and q.min() >= 0.25 and q.max() <= 0.75
    assert abs(np.diff(q, axis=0)[(q[:-1] > 0.35) & (q[:-1] < 0.65)].std() - 0.025) < 0.0015
    assert np.all(Bandit(drift_sd=0.0, seed=1).sequence()["p"] == [0.8, 0.2])


def test_reflect():
    x = reflect([0.8, 0.1, 0.5, 1.9, -1.0], 0.25, 0.75)
    assert np.allclose(x[:3], [0.7, 0.4, 0.5]) and np.all((x >= 0.25) & (x <= 0.75))


def test_two_step_transitions_and_rewards():
    task = TwoStep(n_trials=10000, seed=4)
    obs, common, correct2 = task.reset(), [], []
    while True:
        assert obs["state"] == 0
        a = obs["trial"] % 2
        out = task.step(a)
        assert out.info["stage"] == 1 and out.reward == 0.0 and not out.done
        s2 = out.observation["state"]
        assert s2 in (1, 2) and out.observation["trial"] == obs["trial"]
        common.append(int(s2 == 1 + a))
        assert out.info["common"] == common[-1] and out.info["next_state"] == s2
        good = task.correct_action()
        assert good == int(np.argmax(task.sequence()["p"][obs["trial"], s2 - 1]))
        out2 = task.step(good)
        assert out2.info["stage"] == 2 and out2.info["state"] == s2 and out2.correct
        correct2.append(out2.reward)
        obs = out2.observation
        if out2.done:
            break
    assert len(common) == 10000 and abs(np.mean(common) - 0.7) < 0.015
    assert np.mean(correct2) > 0.55
    assert task.max_steps == 20000


def test_two_step_stage1_correct():
    task = TwoStep(n_trials=50, seed=9)
    task.reset()
    p = task.sequence()["p"][0]
    best = int(np.argmax(p.max(axis=1)))
    assert task.correct_action() == best
    assert task.step(best).correct


@pytest.mark.parametrize("first", [None, 0, 1])
def test_reversal(first):
    task = Reversal(n_before=300, n_after=300, p_reward=0.8, first_good=first, seed=13)
    f = int(np.random.default_rng(13).integers(2)) if first is None else first
    assert task.first_good == f and task.n_trials == 600
    good = task.sequence()["good"]
    assert np.all(good[:300] == f) and np.all(good[300:] == 1 - f)
    outs = _play(task, lambda t, o, k: f)
    rew = np.array([o.reward for o in outs])
    assert abs(rew[:300].mean() - 0.8) < 0.07 and abs(rew[300:].mean() - 0.2) < 0.07
    assert [o.info["reversed"] for o in outs] == [0] * 300 + [1] * 300
    assert [o.correct for o in outs] == [True] * 300 + [False] * 300
    # first_good does not shift the reward draws
    assert np.array_equal(Reversal(first_good=0, seed=13).sequence()["u"], Reversal(first_good=1, seed=13).sequence()["u"])


def test_goal_cued_mapping_depends_on_goal():
    task = GoalCued(n_trials=400, seed=3)
    assert task.fields == {"goal": 2, "stimulus": 2} and task.n_actions == 2
    obs = task.reset()
    seen = set()
    while True:
        g, s = obs["goal"], obs["stimulus"]
        good = task.correct_action()
        assert good == (s if g == 0 else 1 - s)
        seen.add((g, s))
        wrong = task.step(1 - good) if obs["trial"] % 2 else None
        if wrong is None:
            out = task.step(good)
            assert out.correct and out.reward == 1.0
        else:
            out = wrong
            assert not out.correct and out.reward == 0.0
        obs = out.observation
        if out.done:
            break
    assert seen == {(0, 0), (0, 1), (1, 0), (1, 1)}
    goal = GoalCued(n_trials=100, block=20, seed=3).sequence()["goal"]
    assert all(len(set(goal[i:i + 20])) == 1 for i in range(0, 100, 20))


def test_goal_cued_three_stimuli():
    task = GoalCued(n_goals=3, n_stimuli=3, n_trials=50, seed=1)
    seq = task.sequence()
    assert np.array_equal(seq["good"], (seq["stimulus"] + seq["goal"]) % 3)


@pytest.mark.parametrize("kind, params, match", [
    ("bandit", {"p": [0.8, 1.2]}, "experiment.task.p"),
    ("bandit", {"p": [0.8, 0.1, 0.1]}, "experiment.task.p"),
    ("bandit", {"n_arms": 3}, "experiment.task.p"),
    ("bandit", {"n_trials": 0}, "experiment.task.n_trials"),
    ("bandit", {"drift_sd": -0.1}, "experiment.task.drift_sd"),
    ("bandit", {"bounds": [0.75, 0.25]}, "experiment.task.bounds"),
    ("bandit", {"drift_sd": 0.02, "p": [0.9, 0.5]}, "experiment.task.p"),
    ("bandit", {"colour": "red"}, "experiment.task.colour: unknown field"),
    ("reversal", {"p_reward": -0.1}, "experiment.task.p_reward"),
    ("reversal", {"n_before": 2.5}, "experiment.task.n_before"),
    ("reversal", {"first_good": 2}, "experiment.task.first_good"),
    ("goal_cued", {"n_goals": 0}, "experiment.task.n_goals"),
    ("goal_cued", {"block": -1}, "experiment.task.block"),
    ("two_step", {"p_common": 1.5}, "experiment.task.p_common"),
    ("two_step", {"bounds": [0.3]}, "experiment.task.bounds"),
    ("nope", {}, r"experiment.task.type: unknown task 'nope' \(known: bandit"),
])
def test_make_task_errors(kind, params, match):
    with pytest.raises(ConfigError, match=match):
        make_task(kind, params, 1)


def test_make_task_accepts_yaml_lists():
    task = make_task("bandit", {"p": [0.3, 0.6], "bounds": [0.2, 0.8], "n_trials": 10}, 1)
    assert task.correct_action() == 1 and task.n_trials == 10 and task.name == "bandit"
    assert make_task("two_step", {"bounds": [0.2, 0.8]}, 1).bounds == (0.2, 0.8)


# -- salience (action selection) ----------------------------------------------------------------
def test_salience_draws_match_the_protocol():
    t = make_task("salience", {"n_channels": 3, "n_trials": 4000, "p_zero": 0.2, "margin": 1.2}, seed=5)
    sal = t.sequence()["salience"]
    zero = ~sal.any(1)
    assert abs(zero.mean() - 0.2) < 0.03
    top = np.sort(sal[~zero], axis=1)
    assert np.all(top[:, -1] >= 0.6) and np.all(top[:, -1] <= 1.0)
    assert np.all(top[:, -1] >= 1.2 * top[:, -2] - 1e-12)         # the margin holds
    assert np.allclose(np.bincount(sal[~zero].argmax(1)) / (~zero).sum(), 1 / 3, atol=0.03)


def test_salience_observation_is_a_level_per_pool_and_no_choice_is_never_correct():
    t = make_task("salience", {"n_channels": 3, "n_trials": 50}, seed=2)
    obs = t.reset()
    for _ in range(50):
        s = np.asarray(obs["salience"])
        assert s.shape == (3,)
        good = t.correct_action()
        assert good == (int(s.argmax()) if s.any() else None)
        out = t.step(None)
        assert out.reward == 0 and not out.correct
        obs = out.observation
    assert out.done


def test_salience_errors_name_the_field():
    with pytest.raises(ConfigError, match="experiment.task.s_high"):
        make_task("salience", {"s_low": 0.9, "s_high": 0.5}, seed=1)
    with pytest.raises(ConfigError, match="experiment.task.margin"):
        make_task("salience", {"margin": 0.5}, seed=1)


# -- delayed recall (working memory) ------------------------------------------------------------
def test_delayed_recall_draws_match_the_protocol():
    """Cue, then a different distractor, drawn per trial in that order from the seed (the pre-engine
    working_memory draws); conditions cycle none, closed, open."""
    t = make_task("delayed_recall", {"n_items": 4, "n_trials": 300}, seed=9)
    rng = np.random.default_rng(9)
    for k in range(300):
        c = int(rng.integers(4))
        assert (t.cue[k], t.distractor[k]) == (c, (c + int(rng.integers(1, 4))) % 4)
    assert np.all(t.distractor != t.cue)
    assert list(t.condition[:6]) == ["none", "closed", "open"] * 2
    assert np.allclose(np.bincount(t.cue) / 300, 0.25, atol=0.06)
    seq = t.sequence()
    assert np.array_equal(seq["good"], np.where(seq["condition"] == "open", seq["distractor"], seq["cue"]))
    assert _same(seq, make_task("delayed_recall", {"n_items": 4, "n_trials": 300}, seed=9).sequence())
    assert not _same(seq, make_task("delayed_recall", {"n_items": 4, "n_trials": 300}, seed=10).sequence())


def test_delayed_recall_observation_and_outcome():
    t = make_task("delayed_recall", {"n_items": 3, "n_trials": 7, "conditions": ["none", "closed", "open"]}, seed=4)
    assert t.fields == {"cue": 3, "distractor": 3, "gate": 1} and t.n_actions == 3
    obs, seen = t.reset(), []
    while True:
        cond = t.condition[obs["trial"]]
        assert 0 <= obs["cue"] < 3 and set(obs) == {"trial", *t.fields}
        if cond == "none":
            assert obs["distractor"] is None and obs["gate"] is None
        else:
            assert obs["distractor"] != obs["cue"] and 0 <= obs["distractor"] < 3
            assert obs["gate"] == (0 if cond == "open" else None)
        held = obs["distractor"] if cond == "open" else obs["cue"]
        assert t.correct_action() == held
        wrong = (held + 1) % 3
        out = t.step(wrong if obs["trial"] % 2 else held)
        assert out.correct == (obs["trial"] % 2 == 0) and out.reward == float(out.correct)
        assert out.info == {"condition": cond, "good_action": held}
        seen.append(cond)
        obs = out.observation
        if out.done:
            break
    assert seen == ["none", "closed", "open"] * 2 + ["none"] and t.correct_action() is None
    with pytest.raises(RuntimeError):
        t.step(0)
    t.reset()
    assert not t.step(None).correct                               # a no-recall is never correct
    with pytest.raises(ValueError):
        t.step(3)


def test_delayed_recall_conditions_subset_and_replay():
    t = make_task("delayed_recall", {"n_trials": 5, "conditions": ["open"]}, seed=2)
    assert set(t.condition) == {"open"} and np.array_equal(t.good, t.distractor)
    first = [(o.observation, o.correct) for o in _play(t, lambda task, o, k: k % 4)]
    assert first == [(o.observation, o.correct) for o in _play(t, lambda task, o, k: k % 4)]


@pytest.mark.parametrize("params, match", [
    ({"n_items": 1}, "experiment.task.n_items"),
    ({"n_trials": 0}, "experiment.task.n_trials"),
    ({"conditions": []}, "experiment.task.conditions"),
    ({"conditions": "none"}, "experiment.task.conditions"),
    ({"conditions": ["none", "half-open"]}, "experiment.task.conditions"),
])
def test_delayed_recall_errors_name_the_field(params, match):
    with pytest.raises(ConfigError, match=match):
        make_task("delayed_recall", params, seed=1)


def test_goal_cued_distractors_and_goal_blocks():
    plain, task = GoalCued(n_trials=300, seed=5), GoalCued(n_trials=300, distractors=2, seed=5)
    assert task.fields == {"goal": 4, "stimulus": 2, "distractor": 4}
    for k in ("goal", "stimulus", "u"):                      # distractors do not shift the other draws
        assert np.array_equal(plain.sequence()[k], task.sequence()[k])
    obs = task.reset()
    items = []
    while not task.done:
        assert obs["distractor"] in (2, 3) and obs["goal"] in (0, 1)
        items.append(obs["distractor"])
        obs = task.step(task.correct_action()).observation
    assert abs(np.mean(np.array(items) == 2) - 0.5) < 0.1
    only_b = GoalCued(n_trials=50, goals=[1], seed=5)
    assert set(only_b.sequence()["goal"]) == {1}
    assert all(only_b.good == (only_b.stimulus + 1) % 2)
    with pytest.raises(ConfigError, match="experiment.task.goals"):
        GoalCued(goals=[2])
