"""The critic's local learning rule (helper of :mod:`regions.dopamine`).

Two modulated presynaptic-trace rules, integrated every ``update_dt`` like the three-factor
rules of ``plasticity.three_factor`` (weights clipped to ``[0, w_max]``)::

    timed inhibition (timing cell -> DA, GABA):
        dw/dt = eta x_pre (da_post - da_bar_post)
    cue excitation (cue cell -> DA, AMPA):
        dw/dt = eta elig_pre (g_rew_post / g_us) (w_max - w) - eta_ext elig_pre [da_bar - da]_+ w

``x_pre`` / ``elig_pre`` are activity traces of the presynaptic cell, ``da_post`` the dopamine
concentration at the postsynaptic DA cell (somatodendritic release of the whole population),
``da_bar_post`` its slow running mean (the tonic level) and ``g_rew_post`` the conductance of
the primary-reward input onto that cell. Inhibition grows where bursts occur until the burst is
cancelled, and shrinks where it causes dips: its fixed point is a DA rate at tonic, so omitting
an expected reward leaves a dip. The cue pathway learns that the cue predicts the reward input
(the unconditioned stimulus, as in the excitatory CS pathway of Brown et al. 1999) and is
extinguished by dips. Every factor is available at the synapse: presynaptic trace,
postsynaptic variables.

These rules are not in ``plasticity/`` (no rule there multiplies a presynaptic trace by a
neuromodulator); they are kept here, local to the dopamine region.

References
----------
Brown J, Bullock D, Grossberg S (1999) J Neurosci 19:10502-10511 (excitatory cue pathway and
    adaptively timed inhibitory pathway onto DA cells).
Montague PR, Dayan P, Sejnowski TJ (1996) J Neurosci 16:1936-1947 (DA as prediction error).
Frémaux N, Gerstner W (2016) Front Neural Circuits 9:85 (modulated Hebbian rules).
"""
from __future__ import annotations

from brian2 import Synapses

MODEL = "w : 1\nplastic : 1 (shared)"


def critic_synapses(pre, post, var: str, w_unit, dw: str, namespace: dict, update_dt, delay, name: str):
    """Synapses transmitting ``w * w_unit`` onto ``var`` whose weight changes by ``dw`` per second.

    ``dw`` is evaluated every ``update_dt`` (times ``plastic``), then ``w`` is clipped to
    ``[0, w_max]`` (``w_max`` in ``namespace``).
    """
    syn = Synapses(pre, post, model=MODEL, on_pre=f"{var}_post += w * w_unit", delay=delay,
                   namespace={"w_unit": w_unit, "h": update_dt, **namespace}, name=name)
    syn.run_regularly(f"w = clip(w + plastic * h * ({dw}), 0, w_max)", dt=update_dt, when="start",
                      name=f"{name}_rule")
    return syn


#: timing cell -> DA inhibition: bursts above the tonic level potentiate, dips depress.
TIMED_INHIBITION = "eta * x_pre * (da_post - da_bar_post)"
#: cue -> DA excitation: potentiated by the reward input (US-gated, soft bound), depressed by dips.
CUE_EXCITATION = ("eta * elig_pre * (g_rew_post / g_us) * (w_max - w)"
                  " - eta_ext * elig_pre * clip(da_bar_post - da_post, 0, da_bar_post) * w")
