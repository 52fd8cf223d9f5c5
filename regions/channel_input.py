"""Salience-coded cortical input to the basal ganglia: one Poisson pool per action channel.

References
----------
Gurney K, Prescott TJ, Redgrave P (2001) Biol Cybern 84:401-410 (salience-coded channels).
Humphries MD, Stewart RD, Gurney KN (2006) J Neurosci 26:12921-12942 (input rates 0-40 Hz).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, NeuronGroup

from plasticity.params import check_nonneg, check_positive_int, quantity
from regions.base import Region


@dataclass(frozen=True)
class ChannelInputParams:
    """Salience-coded cortical input: ``n_per_channel`` Poisson units per action channel."""

    n_channels: int = 3
    n_per_channel: int = 50
    rate_max: object = quantity(40 * Hz)   # rate per unit at salience 1 (cortical pyramidal cells
                                           # fire up to tens of Hz; Humphries et al. 2006 use 0-40 Hz)
    rate_base: object = quantity(0 * Hz)   # background rate at salience 0

    def __post_init__(self):
        check_positive_int(self, "n_channels", "n_per_channel")
        check_nonneg(self, "rate_max", "rate_base")


class ChannelInput(Region):
    """Cortical salience input to the basal ganglia: one Poisson pool per action channel.

    Unit ``n`` of channel ``k = n // n_per_channel`` fires as a Poisson process at
    ``rate_base + rate_max * salience_k``; set saliences with :meth:`set_salience` between runs.

    Ports
    -----
    out : every unit (spikes out).
    ch0 .. ch{n_channels-1} : the pool of one channel (spikes out).
    """

    kind = "channel_input"
    Params = ChannelInputParams
    default_output = "out"

    def build(self) -> None:
        p = self.params
        n = p.n_channels * p.n_per_channel
        grp = NeuronGroup(n, "rate : Hz\nch : integer (constant)", threshold="rand() < rate * dt",
                          namespace={}, name=self.object_name("units"))
        grp.ch = np.arange(n) // p.n_per_channel
        grp.rate = p.rate_base
        self.add_group("units", grp)
        self.add_port("out", grp, None, "every cortical unit")
        for k in range(p.n_channels):
            self.add_port(f"ch{k}", grp[k * p.n_per_channel:(k + 1) * p.n_per_channel], None,
                          f"cortical pool of channel {k}")

    def set_salience(self, salience) -> None:
        """Set the rate of every channel's pool from a salience vector in [0, 1]."""
        s = np.asarray(salience, dtype=float)
        if s.shape != (self.params.n_channels,):
            raise ValueError(f"salience: need {self.params.n_channels} values, got {s.shape}")
        grp = self.groups["units"]
        grp.rate = self.params.rate_base + s[np.asarray(grp.ch[:])] * self.params.rate_max
