"""Building blocks of the basal-ganglia circuit (helpers of :mod:`regions.striatum`).

- :func:`msn_model`: medium spiny neuron, conductance LIF with a hyperpolarised rest (down state)
  whose cortical (AMPA) input is multiplied by a goal-context gain, plus the neuron-level
  dopamine concentration ``da`` and goal trace ``goal`` read by three-factor rules.
- :func:`channel_pairs`: channel-structured connectivity between populations laid out as
  ``n_channels`` contiguous blocks (focused, diffuse, or to the other channels only).

The salience-coded cortical input region lives in :mod:`regions.channel_input`.

References
----------
Wilson CJ, Kawaguchi Y (1996) J Neurosci 16:2397-2410 (MSN down state near -80 mV, up state).
Gurney K, Prescott TJ, Redgrave P (2001) Biol Cybern 84:401-410 (channels, focused/diffuse).
Humphries MD, Stewart RD, Gurney KN (2006) J Neurosci 26:12921-12942 (spiking BG model).
"""
from __future__ import annotations

import numpy as np
from brian2 import mV, ms, nS, pF, second

from plasticity.three_factor import DOPAMINE_AVG_POST, DOPAMINE_POST, DOPAMINE_TONIC_POST, GOAL_POST
from regions.connect import random_pairs
from regions.neurons import NeuronModel

_MSN_EQS = """
dv/dt = (g_L * (E_L - v) + (gain_goal * g_ctx + g_ampa) * (E_ampa - v) + g_gaba * (E_gaba - v) + I_ext) / C : volt (unless refractory)
dg_ctx/dt = -g_ctx / tau_ampa : siemens
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dg_gaba/dt = -g_gaba / tau_gaba : siemens
gain_goal = 1 + k_goal * goal_level : 1
I_ext : amp
"""


def msn_model(C=200 * pF, g_L=10 * nS, E_L=-80 * mV, V_th=-50 * mV, V_reset=-70 * mV, t_ref=2 * ms,
              tau_ampa=5 * ms, tau_gaba=10 * ms, E_ampa=0 * mV, E_gaba=-80 * mV, k_goal=1.0,
              tau_da=200 * ms, tau_goal=100 * ms, tau_da_avg=5 * second) -> NeuronModel:
    """Medium spiny neuron: LIF at a -80 mV down state with goal-gated cortical gain.

    ``gain_goal = 1 + k_goal goal_level`` (``goal_level = clip(goal, 0, 1)``, the bounded signal
    that ``goal_three_factor`` reads too) multiplies the cortical conductance ``g_ctx`` only (the
    corticostriatal ports): goal context alone never fires an MSN, it amplifies the cortical input
    of the MSNs it targets (multiplicative gating, O'Reilly & Frank 2006). Thalamostriatal feedback
    and background arrive on ``g_ampa`` with no gain: a gain on the efference copy would make
    every goal-gained channel excite itself (both channels selected at once). ``da`` and ``goal`` decay with
    ``tau_da`` / ``tau_goal`` (plasticity.three_factor DOPAMINE_POST / GOAL_POST); ``da_avg`` is the
    running mean of ``da`` (DOPAMINE_AVG_POST) read by rules with an adaptive baseline, ``da_tonic``
    its mean outside cue and outcome windows (DOPAMINE_TONIC_POST, ``tonic_window`` set by the trial
    engine) read by rules with ``baseline_tonic``.
    """
    eqs = "\n".join([_MSN_EQS, DOPAMINE_POST.eqs, GOAL_POST.eqs, DOPAMINE_AVG_POST.eqs, DOPAMINE_TONIC_POST.eqs])
    ns = dict(**DOPAMINE_TONIC_POST.namespace, C=C, g_L=g_L, E_L=E_L, V_th=V_th, V_reset=V_reset, tau_ampa=tau_ampa, tau_gaba=tau_gaba,
              E_ampa=E_ampa, E_gaba=E_gaba, k_goal=k_goal, tau_da=tau_da,
              tau_goal=tau_goal, tau_da_avg=tau_da_avg)
    return NeuronModel(eqs, "v > V_th", "v = V_reset", t_ref, ns, method="euler")


def channel_pairs(n_channels: int, n_pre: int, n_post: int, p: float, rng: np.random.Generator,
                  mode: str = "focused", pre_offset: int = 0, post_offset: int = 0):
    """Connectivity between two channel-structured populations (``n_pre``/``n_post`` per channel).

    ``focused``: channel k -> channel k only; ``diffuse``: every channel -> every channel;
    ``others``: channel k -> every channel but k (lateral inhibition). Offsets shift indices
    (populations stored as blocks of one larger group). Returns int32 arrays (i, j).
    """
    if mode == "diffuse":
        i, j = random_pairs(n_channels * n_pre, n_channels * n_post, p, rng)
        return i + pre_offset, j + post_offset
    ii, jj = [], []
    for a in range(n_channels):
        for b in range(n_channels):
            if (mode == "focused") != (a == b):
                continue
            i, j = random_pairs(n_pre, n_post, p, rng)
            ii.append(i + a * n_pre + pre_offset)
            jj.append(j + b * n_post + post_offset)
    if not ii:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    return np.concatenate(ii).astype(np.int32), np.concatenate(jj).astype(np.int32)
