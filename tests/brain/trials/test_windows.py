"""Stimulus patterns and CA1 state scores (brain.trials.windows)."""
import numpy as np
import pytest

from brain.trials.windows import disjoint_patterns, state_scores


def test_disjoint_patterns_have_their_sizes_and_share_no_cell():
    pats = disjoint_patterns([40, 40, 40, 20, 20], 400, np.random.default_rng(3))
    assert [int(p.sum()) for p in pats] == [40, 40, 40, 20, 20]
    assert int(np.sum(pats, axis=0).max()) == 1          # no cell in two patterns


def test_disjoint_patterns_reject_too_many_cells():
    with pytest.raises(ValueError, match="need 30 cells"):
        disjoint_patterns([20, 10], 25, np.random.default_rng(0))


def test_state_scores_count_only_cells_outside_the_cue():
    states = np.zeros((2, 10), bool)
    states[0, :4], states[1, 4:8] = True, True
    cue = np.zeros(10, bool)
    cue[:2] = True                                       # half of state 0 is in the cue
    counts = np.zeros(10)
    counts[[0, 1, 2, 4]] = 1                             # cue cells fire, one own cell of each state
    assert state_scores(states, counts, cue).tolist() == [0.5, 0.25]
