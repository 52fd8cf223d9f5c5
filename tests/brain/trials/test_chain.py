"""Chains of task blocks (brain.trials.chain): one session, learning frozen in the frozen blocks,
the same trials in the Python loop and in-graph."""
import numpy as np
import pytest

from brain.backends import configure
from brain.brain import Brain
from brain.config import ConfigError
from brain.schema import build_config
from brain.trials.chain import Chain
from brain.trials.engine import Session
from brain.trials.tasks import GoalCued, Reversal, Salience, TwoStep
from tests.brain.trials.test_engine import _spec

PROJ = "cue->pool:exc"


def _plastic_brain(backend="numpy"):
    """test_engine's brain plus a plastic STDP projection from the cue onto the pool."""
    cfg = build_config({"seed": 3, "dt": "0.1 ms", "backend": backend, "regions": {
        "cue": {"type": "channel_input", "n_channels": 2, "n_per_channel": 20},
        "pool": {"type": "cortex", "n_exc": 80, "n_inh": 20, "p_connect": 0.1}},
        "projections": {PROJ: {"source": "out", "target": "exc", "p": 0.5, "weight": "1 nS", "w_init": 0.5,
                               "rule": "stdp", "rule_params": {"A_plus": 0.05, "A_minus": 0.05}}}})
    return Brain(cfg, configure(backend, dt=cfg.dt), record=False)


def _chain(frozen=(False, True)):
    return Chain([GoalCued(n_trials=6, seed=1), GoalCued(n_trials=4, goals=[0], seed=2)], frozen=frozen)


def test_chain_concatenates_its_blocks():
    a, b = GoalCued(n_trials=6, seed=1), GoalCued(n_trials=4, goals=[0], seed=2)
    c = Chain([a, b], frozen=[False, True])
    assert c.n_trials == 10 and c.n_actions == 2 and c.fields == a.fields
    assert list(c.frozen) == [False] * 6 + [True] * 4
    assert np.array_equal(c.sequence()["goal"], np.concatenate([a.goal, b.goal]))
    obs, goals, blocks = c.reset(), [], []
    while not c.done:
        goals.append(obs["goal"])
        out = c.step(int(c.correct_action()))
        assert out.correct and out.reward == 1.0
        blocks.append(out.info["chain_block"])
        obs = out.observation
    assert goals == [*a.goal, *b.goal] and blocks == [0] * 6 + [1] * 4


def test_chain_asks_the_current_block_for_the_correct_action():
    """Salience overrides _correct_at (None on an all-zero trial); the chain defers to it."""
    a, b = Salience(n_trials=20, p_zero=0.5, seed=1), Salience(n_trials=20, p_zero=0.5, seed=2)
    c = Chain([a, b])
    expected = [None if g < 0 else int(g) for g in (*a.good, *b.good)]
    assert None in expected
    c.reset()
    got = []
    while not c.done:
        got.append(c.correct_action())
        c.step(None)
    assert got == expected and c.correct_action() is None


@pytest.mark.parametrize("tasks, frozen, match", [
    ([], None, "one or more one-step tasks"),
    ([TwoStep(n_trials=3, seed=1)], None, "one or more one-step tasks"),
    ([GoalCued(n_trials=3, seed=1), Reversal(n_before=2, n_after=2, seed=1)], None, "every block must be"),
    ([GoalCued(n_trials=3, seed=1), GoalCued(n_trials=3, n_stimuli=3, seed=1)], None, "every block must be"),
    ([GoalCued(n_trials=3, seed=1)], [True, False], "one flag per block"),
    ([Chain([GoalCued(n_trials=3, seed=1)])], None, "not chains"),
])
def test_chain_checks_its_blocks(tasks, frozen, match):
    with pytest.raises(ValueError, match=match):
        Chain(tasks, frozen=frozen)


def _weights(brain) -> np.ndarray:
    return np.array(brain.projections[PROJ].w[:])


def test_frozen_block_keeps_the_weights_and_learning_resumes_after_the_session():
    """The Python loop freezes at the first frozen trial's start; the weights learned before are
    kept through the frozen block, and the session unfreezes at its end."""
    b = _plastic_brain()
    seen = []
    s = Session(b, _spec(), task=_chain())
    s.log = lambda m: None
    original = b.set_plastic

    def spy(on, **kw):
        seen.append((on, s.step))
        original(on, **kw)
    b.set_plastic = spy
    w0 = _weights(b)
    rows = s.run()
    assert len(rows) == 10 and [r["chain_block"] for r in rows] == [0] * 6 + [1] * 4
    assert seen == [(False, 6), (True, 10)] and not b.is_frozen
    assert not np.allclose(_weights(b), w0)             # it learned in the first block


def test_graph_loop_runs_a_chain_as_the_python_loop_does():
    """Same rows, and the same final weights: gating the learning off from the frozen block's first
    trial is all a freeze does when nothing follows it."""
    a_brain = _plastic_brain()                   # each brain built right before its run (one random stream)
    a = Session(a_brain, _spec(), task=_chain()).run()
    g_brain = _plastic_brain()
    s = Session(g_brain, _spec(loop="graph"), task=_chain())
    b = s.run()
    assert s.graph.mismatches == 0 and len(a) == len(b) == 10
    for ra, rb in zip(a, b):
        assert ra["choice"] == rb["choice"] and ra["reward"] == rb["reward"]
        assert np.isclose(ra["exc_outcome_hz"], rb["exc_outcome_hz"])
    assert np.allclose(_weights(a_brain), _weights(g_brain))
    # after the session the brain learns again, as after the Python loop's unfreezing
    assert all(not o.active for o in s.graph._freezers) and g_brain.projections[PROJ].plastic[:] == 1.0
    # and unfrozen, the last block learns on: the weights differ from the frozen session's
    c_brain = _plastic_brain()
    Session(c_brain, _spec(loop="graph"), task=_chain(frozen=(False, False))).run()
    assert not np.allclose(_weights(c_brain), _weights(g_brain))


def test_graph_loop_refuses_a_frozen_block_before_a_learning_one():
    with pytest.raises(ConfigError, match="frozen blocks must come last"):
        Session(_plastic_brain(), _spec(loop="graph"), task=_chain(frozen=(True, False)))
