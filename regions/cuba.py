"""The CUBA benchmark network (Brette et al. 2007, benchmark 2; after Vogels & Abbott 2005).

Current-based LIF, 4000 neurons (3200 E / 800 I), p = 0.02, self-sustained activity from
random initial potentials. Used to measure the project's overhead against raw Brian2
(benchmarks/cuba.py) rather than as a model of cortex.

Ports
-----
exc : excitatory cells (input adds to ``ge``, in volts).
inh : inhibitory cells (input adds to ``ge``).

References
----------
Brette R et al. (2007) J Comput Neurosci 23:349-398 (Appendix B, benchmark 2: CUBA).
Vogels TP, Abbott LF (2005) J Neurosci 25:10786-10795.
"""
from __future__ import annotations

from dataclasses import dataclass

from brian2 import Synapses, mV

from plasticity.params import check_positive_int, check_probability, quantity
from regions.base import Region
from regions.connect import connect, random_pairs
from regions.neurons import lif_current, make_group


@dataclass(frozen=True)
class CubaParams:
    n_exc: int = 3200
    n_inh: int = 800
    p_connect: float = 0.02
    w_exc: object = quantity(60 * 0.27 / 10 * mV)   # Brette et al. 2007 (Brian2 CUBA example)
    w_inh: object = quantity(-20 * 4.5 / 10 * mV)

    def __post_init__(self):
        check_positive_int(self, "n_exc", "n_inh")
        check_probability(self, "p_connect")


class Cuba(Region):
    """CUBA benchmark network; see the module docstring."""

    kind = "cuba"
    Params = CubaParams

    def build(self) -> None:
        p = self.params
        cells = make_group(lif_current(), p.n_exc + p.n_inh, self.object_name("cells"))
        cells.v = -60 * mV + self.rng.random(len(cells)) * 10 * mV   # V_r + rand() (V_t - V_r)
        self.add(cells)
        exc = self.add_group("exc", cells[:p.n_exc])
        inh = self.add_group("inh", cells[p.n_exc:])
        # One group and one Synapses object per presynaptic type, as in the Brian2 CUBA example:
        # fewer objects means less per-time-step overhead.
        for key, pre, var, w in (("exc", exc, "ge", p.w_exc), ("inh", inh, "gi", p.w_inh)):
            syn = Synapses(pre, cells, on_pre=f"{var}_post += w_syn", namespace={"w_syn": w},
                           name=self.object_name(f"{key}_all"))
            connect(syn, *random_pairs(len(pre), len(cells), p.p_connect, self.rng))
            self.add_synapses(key, syn)
        self.add_port("exc", exc, "ge", "excitatory cells")
        self.add_port("inh", inh, "ge", "inhibitory cells")
