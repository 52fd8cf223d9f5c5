"""Action selection by disinhibition in a spiking basal ganglia (striatum -> GPi -> thalamus).

Protocol after Gurney, Prescott & Redgrave (2001), Fig. 5 (selection of the channel with the
largest salience, switching, no selection without input) and Stewart, Bekolay & Eliasmith (2012),
Fig. 3 (spiking BG selects within ~15-40 ms of an input change). The session is a declaration for
the trial engine (:mod:`brain.trials`): the ``salience`` task presents a salience vector to the
``n_channels`` cortical pools (phase ``stimulus``), then silence (phase ``rest``). In a fraction
``p_zero`` of the trials every salience is 0; otherwise the strongest salience is drawn in
[``s_low``, ``s_high``] and the others uniformly below ``s_max / margin`` (the strongest exceeds
the next by at least ``margin - 1``, 20 % by default). Salience vectors come from the brain seed.

A channel is *selected* when its thalamic pool fires above ``threshold`` over the stimulus window
(from ``read_from`` after onset); the winner (the engine's choice) is the pool with the highest
thalamic rate, if above threshold.

Metrics
-------
selection_accuracy : fraction of non-zero trials whose winner is the channel of largest salience.
selection_latency_ms : median over correct trials of the time from stimulus onset until the
    winner's thalamic pool rate (over ``latency_window``, on a ``sample_dt`` grid) first exceeds
    ``threshold``.
no_action_rate : fraction of zero-input trials with no selected channel.
multi_selection_rate : fraction of non-zero trials with more than one selected channel.
thal_rate_winner_hz, thal_rate_losers_hz : thalamic rates in the stimulus window (non-zero trials).
gpi_rate_rest_hz, gpi_rate_winner_hz : GPi/SNr tonic rate during rest, and of the winning channel.
d1_rate_winner_hz : D1 MSN rate of the winning channel.

References
----------
Gurney K, Prescott TJ, Redgrave P (2001) Biol Cybern 84:401-410 and 411-423 (Fig. 5).
Humphries MD, Stewart RD, Gurney KN (2006) J Neurosci 26:12921-12942.
Stewart TC, Bekolay T, Eliasmith C (2012) Front Neurosci 6:2 (Fig. 3: selection latency).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brain.config import ConfigError
from brain.trials.engine import Session
from brain.trials.specs import SessionSpec, check_session
from plasticity.params import ParamError
from regions.base import derive_seed

BACKENDS = ("numpy", "cython")     # trial engine: a network_operation sets the saliences


@dataclass(frozen=True)
class Params(SessionSpec):
    """The session (``salience`` task, stimuli, readouts ``choice``, ``gpi``, ``d1``; phases
    ``stimulus`` and ``rest``) plus the name of the basal-ganglia region."""

    region: str = "striatum"

    def __post_init__(self):
        check_session(self)
        if self.task.get("type") != "salience":
            raise ParamError("task.type", f"action_selection runs the salience task, got {self.task.get('type')!r}")
        for key in ("choice", "gpi", "d1"):
            if key not in self.readouts:
                raise ParamError("readouts", f"needs a {key!r} readout")
        names = [ph.name for ph in self.phases]
        if names != ["stimulus", "rest"]:
            raise ParamError("phases", f"must be [stimulus, rest], got {names}")


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    if p.region not in ctx.config.regions:
        raise ConfigError(f"experiment.region: region {p.region!r} is not defined")
    brain = ctx.brain()
    nc = brain.region(p.region).params.n_channels
    if p.task.get("n_channels", nc) != nc:
        raise ConfigError(f"experiment.task.n_channels: must equal {p.region}'s n_channels ({nc})")
    task = dict(p.task, n_channels=nc)
    session = Session(brain, p, seed=derive_seed(ctx.seed, "action_selection"), rows=ctx.trials, epochs=ctx.epochs,
                      log=ctx.log, task_params=task)
    rows = session.run()

    def pools(key, phase="stimulus"):
        return np.array([[r[f"{key}{k}_{phase}_hz"] for k in range(nc)] for r in rows])

    thal, gpi, d1 = pools("choice"), pools("gpi"), pools("d1")
    sal = np.array([[r[f"salience{k}"] for k in range(nc)] for r in rows])
    choice = np.array([r["choice"] for r in rows])
    lat = np.array([r["latency_ms"] for r in rows], dtype=float)
    nonzero, made = sal.any(1), choice >= 0
    correct = made & (choice == sal.argmax(1))
    multi = (thal > float(p.readouts["choice"].threshold)).sum(1) > 1
    win = nonzero & made
    k = np.flatnonzero(win)
    losers = thal[win][np.arange(nc)[None, :] != choice[win][:, None]]

    def mean(x):
        return float(np.nanmean(x)) if len(x) else float("nan")

    return {
        "selection_accuracy": mean(correct[nonzero]),
        "selection_latency_ms": float(np.nanmedian(lat[nonzero & correct])) if (nonzero & correct).any() else float("nan"),
        "no_action_rate": mean(~made[~nonzero]),
        "multi_selection_rate": mean(multi[nonzero]),
        "thal_rate_winner_hz": mean(thal[k, choice[k]]),
        "thal_rate_losers_hz": mean(losers),
        "gpi_rate_rest_hz": mean(pools("gpi", "rest").mean(1)),
        "gpi_rate_winner_hz": mean(gpi[k, choice[k]]),
        "d1_rate_winner_hz": mean(d1[k, choice[k]]),
        "n_nonzero_trials": float(nonzero.sum()),
    }
