"""Action-plan buffer: one pool per candidate action that holds the value imagined for it.

During a mental rollout the brain imagines one action at a time (the orchestrator sequences
which, as it presents the hippocampal cue): the pool of that action is *gated* (``gate = 1`` on
its cells, the efference copy of the imagined action, a prefrontal plan signal; O'Reilly & Frank
2006 for gated prefrontal input) and integrates what arrives on its ``input`` port, e.g. the
ventral-striatal response to the imagined state. Input arrives on a fast AMPA-like trace ``x_in``
(5 ms); only the gated part reaches the slow NMDA-like conductance ``g_slow``::

    dx_in/dt   = -x_in / tau_in
    dg_slow/dt = -g_slow / tau_slow + gate * x_in / tau_in

so each gated input spike adds its weight to ``g_slow``, which then decays with ``tau_slow``
(100 ms: NMDA decay, Wang 1999) after the gate closes. The pool fires in proportion to the input
it collected, and its output (``pool0`` ..) projects onto the D1 MSNs of its action channel:
the imagined values become channel-specific biases that decay, and the basal ganglia competition
compares them (Daw et al. 2005; Doll et al. 2015 for prefrontal-striatal model-based values).
Nothing here learns. The cells are conductance LIFs (Vogels & Abbott 2005 constants).

Ports
-----
input : every cell's ``x_in`` (gated slow input; a projection from the value population).
pool0 .. pool{n_pools-1} : the cells of one pool (spikes out; as a target, ``x_in``).
exc : every cell's ``g_ampa`` (ungated fast excitation).

References
----------
Wang X-J (1999) J Neurosci 19:9587-9603 (NMDA decay ~100 ms and persistent activity).
O'Reilly RC, Frank MJ (2006) Neural Comput 18:283-328 (gated prefrontal input).
Daw ND, Niv Y, Dayan P (2005) Nat Neurosci 8:1704-1711 (model-based values compete with cached ones).
Doll BB, Duncan KD, Simon DA, Shohamy D, Daw ND (2015) Nat Neurosci 18:767-772 (hippocampal
    prospection in model-based choice).
Vogels TP, Abbott LF (2005) J Neurosci 25:10786-10795 (LIF constants).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, NeuronGroup, mV, ms, nS, pF

from plasticity.params import check_nonneg, check_positive, check_positive_int, quantity
from regions.base import Region
from regions.poisson_input import PoissonInput


@dataclass(frozen=True)
class PlanParams:
    n_pools: int = 2
    n_per_pool: int = 40
    tau_in: object = quantity(5 * ms)        # AMPA-like input trace
    tau_slow: object = quantity(100 * ms)    # NMDA-like hold (Wang 1999)
    n_bg: int = 50                           # background: Poisson synapses per cell
    rate_bg: object = quantity(5 * Hz)
    w_bg: object = quantity(0.5 * nS)

    def __post_init__(self):
        check_positive_int(self, "n_pools", "n_per_pool", "n_bg")
        check_positive(self, "tau_in", "tau_slow")
        check_nonneg(self, "rate_bg", "w_bg")


_EQS = """
dv/dt = (g_L * (E_L - v) + (g_ampa + g_slow) * (E_ampa - v)) / C : volt (unless refractory)
dg_ampa/dt = -g_ampa / tau_ampa : siemens
dx_in/dt = -x_in / tau_in : siemens
dg_slow/dt = -g_slow / tau_slow + gate * x_in / tau_in : siemens
gate : 1
pool : integer (constant)
"""


class Plan(Region):
    """Gated value-holding pools, one per action (see the module docstring)."""

    kind = "plan"
    Params = PlanParams
    default_output = "exc"
    default_input = "input"

    def build(self) -> None:
        p = self.params
        n = p.n_pools * p.n_per_pool
        ns = dict(C=200 * pF, g_L=10 * nS, E_L=-60 * mV, E_ampa=0 * mV, tau_ampa=5 * ms,
                  tau_in=p.tau_in, tau_slow=p.tau_slow, V_th=-50 * mV, V_reset=-60 * mV)
        cells = NeuronGroup(n, _EQS, threshold="v > V_th", reset="v = V_reset", refractory=2 * ms,
                            method="euler", namespace=ns, name=self.object_name("cells"))
        cells.v = -60 * mV
        cells.pool = np.arange(n) // p.n_per_pool
        self.add_group("cells", cells)
        if float(p.rate_bg) > 0 and float(p.w_bg) > 0:
            self.add(PoissonInput(cells, "g_ampa", p.n_bg, p.rate_bg, p.w_bg, name=self.object_name("bg")))
        self.add_port("input", cells, "x_in", "every cell: gated slow input")
        self.add_port("exc", cells, "g_ampa", "every cell: ungated fast excitation")
        for k in range(p.n_pools):
            self.add_port(f"pool{k}", cells[k * p.n_per_pool:(k + 1) * p.n_per_pool], "x_in",
                          f"the pool of action {k}")

    def open_gate(self, pool: int | None) -> None:
        """Gate pool ``pool`` in (``None``: every gate closed); the other pools are closed."""
        cells = self.groups["cells"]
        cells.gate = 0.0 if pool is None else (np.asarray(cells.pool[:]) == int(pool)).astype(float)

    def reset_activity(self) -> None:
        """Clear the held values (every gate closed)."""
        cells = self.groups["cells"]
        cells.x_in, cells.g_slow, cells.g_ampa, cells.v = 0 * nS, 0 * nS, 0 * nS, -60 * mV
        self.open_gate(None)
