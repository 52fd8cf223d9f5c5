"""Helpers of the hippocampus region: plastic pathways, the Hopfield energy, activity overlaps.

Defines no Region (imported by :mod:`regions.hippocampus` only).

Plastic pathways use the rules of ``plasticity/`` unchanged (``hebbian`` for the symmetric,
autoassociative storage in CA3 and the CA3 -> CA1 heteroassociation; ``stdp`` for the
asymmetric, sequence-forming variant). The only addition is the cholinergic gate on
transmission: the line ``g_ampa_post += w * w_unit * (1 - ach_supp * ach)`` precedes the rule's
``on_pre``, where ``ach`` (shared, 0 or 1) is set by the region. High acetylcholine during
encoding suppresses transmission at recurrent and Schaffer collateral synapses while leaving
their plasticity intact, so that old memories do not interfere with storing new ones
(Hasselmo, Schnell & Barkai 1995; Hasselmo 2006).

Energy (Hopfield 1982, with a global inhibition term as in Amit 1989, ch. 7 / Golomb, Rubin &
Sompolinsky 1990 for sparse codes)::

    E(x) = -1/2 sum_{i != j} W_ij x_i x_j + gamma/2 (sum_i x_i)^2,    normalised by M^2 / 2

for a binary activity vector ``x`` and stored dimensionless weights ``W`` (row: presynaptic).
For a stored pattern of ``M`` cells with saturated weights, ``E ~ -(1 - gamma)``; for a random
state of the same size, ``E ~ -(p1 - gamma)`` with ``p1`` the fraction of potentiated synapses,
so stored patterns are energy minima while ``p1 < gamma`` (Willshaw half-full matrix for
``gamma = 0.5``).

References
----------
Hasselmo ME, Schnell E, Barkai E (1995) Dynamics of learning and recall at excitatory recurrent
    synapses and cholinergic modulation in rat hippocampal region CA3. J Neurosci 15:5249-5262.
Hasselmo ME (2006) The role of acetylcholine in learning and memory. Curr Opin Neurobiol 16:710-715.
Hopfield JJ (1982) Neural networks and physical systems with emergent collective computational
    abilities. PNAS 79:2554-2558.
Amit DJ (1989) Modeling Brain Function. Cambridge University Press.
Golomb D, Rubin N, Sompolinsky H (1990) Willshaw model: associative memory with sparse coding
    and low firing rates. Phys Rev A 41:1843-1854.
"""
from __future__ import annotations

import numpy as np
from brian2 import Synapses

from plasticity.base import attach_regular
from plasticity.hebbian import HebbianParams, hebbian
from plasticity.stdp import STDPParams, stdp

RULE_NAMES = ("hebbian", "stdp")


def rule_spec(rule: str, eta: float, tau, a_minus_ratio: float = 1.05, w_max: float = 1.0, pre_ltd: float = 0.0):
    """The plasticity rule of a hippocampal pathway (a :class:`plasticity.base.RuleSpec`).

    ``hebbian``: at each postsynaptic spike ``Δw = eta * x_pre`` (symmetric in expectation for
    co-active cells: the spike-based counterpart of the clipped Willshaw rule); with ``pre_ltd``
    each presynaptic spike also scales ``w`` by ``1 - pre_ltd`` (w -> P(post | pre)).
    ``stdp``: additive pair STDP with ``A+ = eta``, ``A- = a_minus_ratio * eta`` (Song et al.
    2000), which potentiates ``i -> j`` when ``i`` fires before ``j`` (sequence links).
    """
    if rule == "hebbian":
        return hebbian(HebbianParams(eta=eta, tau_pre=tau, w_max=w_max, pre_ltd=pre_ltd))
    if rule == "stdp":
        return stdp(STDPParams(A_plus=eta, A_minus=a_minus_ratio * eta, tau_plus=tau, tau_minus=tau,
                               w_max=w_max))
    raise ValueError(f"rule must be one of {RULE_NAMES}, got {rule!r}")


def gated_plastic_synapses(spec, source, target, weight, ach_supp: float, name: str, delay=None,
                           target_var: str = "g_ampa") -> Synapses:
    """Synapses running ``spec`` whose transmission is scaled by ``1 - ach_supp * ach``."""
    on_pre = f"{target_var}_post += w * w_unit * (1 - ach_supp * ach)\n" + spec.on_pre
    syn = Synapses(source, target, model=spec.model + "\nach : 1 (shared)", on_pre=on_pre,
                   on_post=spec.on_post or None, delay=delay, method=spec.method,
                   namespace={**spec.namespace, "w_unit": weight, "ach_supp": ach_supp}, name=name)
    attach_regular(spec, syn)
    return syn


def dense_weights(syn, n_pre: int, n_post: int) -> np.ndarray:
    """The (n_pre, n_post) matrix of dimensionless weights ``w`` (0 where no synapse)."""
    W = np.zeros((n_pre, n_post))
    W[np.asarray(syn.i[:]), np.asarray(syn.j[:])] = np.asarray(syn.w[:])
    return W


def hopfield_energy(W: np.ndarray, x: np.ndarray, gamma: float = 0.5) -> float:
    """Normalised energy ``(-x W x / 2 + gamma (sum x)^2 / 2) / (M^2 / 2)`` of a binary state."""
    x = np.asarray(x, dtype=float)
    m = x.sum()
    if m == 0:
        return 0.0
    quad = x @ W @ x - np.sum(np.diag(W) * x)
    return float((-0.5 * quad + 0.5 * gamma * m * m) / (0.5 * m * m))


def cosine_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap of two binary (or count) vectors: ``a.b / (|a| |b|)`` (0 when either is empty)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return float(a @ b / (na * nb)) if na > 0 and nb > 0 else 0.0
