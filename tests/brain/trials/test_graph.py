"""The in-graph loop (loop: graph): the trial logic in generated code gives the Python loop's trials."""
import math

import numpy as np
import pytest
from brian2 import ms

from brain.backends import configure
from brain.config import ConfigError
from brain.trials.engine import Session
from tests.brain.trials.test_engine import _brain, _spec


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    return a == b


#: a second readout read in the deciding phase (as goal_gating's PFC readout): only the deciding
#: readout's winner is compared with the in-graph choice, and n_selected is its count
SECOND = [{"name": "cue", "duration": "60 ms", "drive": {"cue": "stimulus", "kick": "all"}, "read": ["choice", "exc"],
           "read_from": "10 ms", "decide": "choice"},
          {"name": "outcome", "duration": "20 ms", "drive": {"kick": "reward"}, "read": ["exc"]}]
LAST = [{"name": "iti", "duration": "20 ms", "tonic": True, "drive": {"kick": "reward"}},
        {"name": "cue", "duration": "60 ms", "drive": {"cue": "stimulus"}, "read_from": "10 ms", "decide": "choice"}]


#: both pools driven above threshold: the winner is the higher rate (the multi-selection path, where
#: an arithmetic max would round: 38.6 + (126.2 - 38.6) != 126.2 made a no-choice on cpp_standalone)
BOTH = [{"name": "cue", "duration": "60 ms", "drive": {"cue": "all"}, "read_from": "10 ms", "decide": "choice"},
        {"name": "outcome", "duration": "20 ms", "drive": {"kick": "reward"}, "read": ["exc"]}]


@pytest.mark.parametrize("phases", [None, LAST, BOTH, SECOND],
                         ids=["reward_after_choice", "decision_ends_the_trial", "both_pools_above_threshold",
                              "two_readouts_in_the_deciding_phase"])
def test_graph_loop_gives_the_operation_loops_trials(phases):
    """Same seed, same random numbers (the graph loop draws none): every row and epoch agrees,
    rates and latencies up to float rounding. With the decision at the trial's end, the reward
    phase before it shows nothing (the outcome belongs to the trial that ends)."""
    spec = dict(settle="20 ms", settle_tonic="10 ms", **({"phases": phases} if phases else {}))
    ep_a, ep_b = [], []
    a = Session(_brain(), _spec(**spec), seed=7, epochs=ep_a).run()
    s = Session(_brain(), _spec(loop="graph", **spec), seed=7, epochs=ep_b)
    b = s.run()
    assert s.graph.mismatches == 0
    assert len(a) == len(b) == 12
    for ra, rb in zip(a, b):
        assert set(ra) == set(rb)
        bad = [k for k in ra if not _same(ra[k], rb[k])]
        assert not bad, (ra["step"], bad)
    assert len(ep_a) == len(ep_b) and all(x["shown"] == y["shown"] for x, y in zip(ep_a, ep_b))
    choices = {r["choice"] for r in b}
    rewarded = np.array([r["reward"] for r in b]) > 0
    assert {0, 1} <= choices and rewarded.any() and (~rewarded).any()
    if phases is BOTH:
        assert all(r["n_selected"] == 2 for r in b)
    if phases in (None, BOTH):
        exc = np.array([r["exc_outcome_hz"] for r in b])     # the in-graph reward kicks `pool`
        assert exc[rewarded].min() > exc[~rewarded].max()
    elif phases is LAST:
        assert all(e["shown"] == "reward=0" for e in ep_b if e["name"] == "kick")


def test_graph_loop_runs_on_cpp_standalone():
    """One compiled program: the cue's pool is chosen, and only rewarded trials get the reward kick."""
    b = _brain(backend="cpp_standalone")
    try:
        rows = Session(b, _spec(loop="graph"), seed=7).run()
    finally:
        b.backend.close()
    assert len(rows) == 12 and all(r["choice"] == r["stimulus"] for r in rows)
    rewarded = np.array([r["reward"] for r in rows]) > 0
    assert rewarded.any() and (~rewarded).any()
    exc = np.array([r["exc_outcome_hz"] for r in rows])
    assert exc[rewarded].min() > exc[~rewarded].max()
    assert all(10 <= r["latency_ms"] <= 60 for r in rows)


def test_python_loops_refuse_cpp_standalone():
    with pytest.raises(ConfigError, match="experiment.loop: 'operation' needs a runtime backend"):
        Session(_brain(backend="cpp_standalone"), _spec(), seed=7)


@pytest.mark.parametrize("over, match", [
    ({"task": {"type": "two_step", "n_trials": 3}, "stimuli": {"cue": {"port": "cue.out", "pools": 2}},
      "phases": [{"name": "cue", "duration": "20 ms", "decide": "choice"}]}, "two_step task cannot run in-graph"),
    ({"phases": [{"name": "cue", "duration": "20 ms", "decide": "choice", "reset": ["pool"]}]}, "reset"),
    ({"phases": [{"name": "cue", "duration": "20 ms", "decide": "choice"},
                 {"name": "out", "duration": "20 ms", "drive": {"cue": "reward"}}]}, "stimuli.cue.kind"),
    ({"phases": [{"name": "show", "duration": "20 ms", "drive": {"cue": "stimulus"}}]}, "deciding phase"),
])
def test_graph_loop_refuses_what_it_cannot_run(over, match):
    with pytest.raises(ConfigError, match=match):
        Session(_brain(), _spec(loop="graph", **over), seed=7)


def test_graph_loop_runs_once_and_right_after_it_is_built():
    b = _brain()
    s = Session(b, _spec(loop="graph", task={"type": "goal_cued", "n_trials": 2}), seed=7)
    b.run(10 * ms)
    with pytest.raises(ConfigError, match="right after the session is built"):
        s.run()


@pytest.mark.parametrize("rates, thr, excl, expected", [
    ((38.6, 126.2), 20.0, 0, 1),          # the cpp_standalone case: an arithmetic max rounded, no choice
    ((126.2, 38.6), 20.0, 0, 0),
    ((30.0, 30.0), 20.0, 0, -1),          # a tie at the top: no choice
    ((10.0, 15.0), 20.0, 0, -1),          # none above threshold
    ((25.0, 40.0), 20.0, 1, -1),          # exclusive: two above
    ((5.0, 40.0, 40.0 / 3 * 3), 20.0, 0, -1),
    ((5.0, 41.0, 40.0), 40.5, 1, 1),      # exclusive: one above
])
def test_decision_code_is_the_readouts_winner_rule(rates, thr, excl, expected):
    from brian2 import NeuronGroup, Network, TimedArray, prefs

    from brain.trials.graph import decision_code
    configure("numpy")
    prefs.codegen.target = "numpy"
    n = len(rates)
    eqs, code = decision_code(n)
    ns = {"thr": thr, "excl": float(excl), "n_act": n, **{f"sw{k}": 1.0 for k in range(n)},
          "events": TimedArray(np.array([[0.0, 1.0, 0.0]]), dt=1 * ms),
          "rewarded": TimedArray(np.ones((1, n)), dt=1 * ms)}
    g = NeuronGroup(1, eqs, namespace=ns)
    for k, r in enumerate(rates):
        setattr(g, f"count{k}", r)
    g.run_regularly(code, dt=1 * ms)
    Network(g).run(0.1 * ms, namespace={})
    assert g.choice[0] == expected and g.rew[0] == float(expected >= 0)
