"""Distal reward: dopamine-modulated STDP picks out one synapse among 80 000 (Izhikevich 2007).

Izhikevich (2007), Fig. 1: 800 excitatory + 200 inhibitory Izhikevich neurons, 100 synapses per
neuron (excitatory onto any neuron, inhibitory onto excitatory ones, 1 ms delays), driven by
uniform noise ``13 (rand - 0.5)`` mV per ms. One excitatory synapse n1 -> n2 starts at 0. Every
time n2 fires within 20 ms after n1, a reward (dopamine, +0.5) follows after a random 1-3 s
delay; meanwhile the network fires thousands of other spikes. Eligibility traces (tau_c = 1 s)
bridge the delay, so the rewarded synapse grows to the maximum while the rest stay low.

Everything runs inside generated code (no ``network_operation``): the reward logic is a one-
neuron "critic" group whose ``t_reward`` is set by a synapse from n2 (checking the last n1 spike
time, written by a synapse from n1) and whose threshold ``t >= t_reward`` emits the dopamine
spike; dopamine reaches all neurons' ``da`` through a static projection (volume transmission).
Only one reward can be pending at a time (a coincidence during the 1-3 s wait is ignored; in
the original code rewards queue up) — rare, since coincidences are seconds apart.

Mapping of the original code (daspnet.m) to ``da_three_factor``: weights in units of s_max =
4 mV (A+ = 0.1/4, A- = 0.15/4), weight update every 10 ms with ``s += (0.002 + DA) sd`` ->
``eta = 1/(10 ms)`` and ``baseline = -0.002`` (tonic dopamine); DA decays by 0.995 per ms
(tau_da = 0.2 s); the neurons are integrated with two 0.5 ms half-steps per 1 ms step like the
original. The synaptic input jumps ``v`` by ``w * 4 mV`` instead of entering ``I`` for one ms.

Metrics: rewarded_w_over_wmax (final), median_w_over_wmax (all other excitatory synapses),
t_reach_s (first 1-s sample with the rewarded synapse >= ``criterion`` x w_max; NaN if never),
n_rewards, rate_exc_hz / rate_inh_hz (last ``record_window``), simulated_s.

References
----------
Izhikevich EM (2007) Solving the distal reward problem through linkage of STDP and dopamine
signaling. Cereb Cortex 17:2443-2452, Fig. 1 (code: ModelDB 84167, daspnet.m).
Izhikevich EM (2003) IEEE Trans Neural Netw 14:1569-1572 (neuron model).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import (ExplicitStateUpdater, Network, NeuronGroup, Quantity, SpikeMonitor, StateMonitor,
                    Synapses, mV, ms, second, seed)

from plasticity import make_synapses
from plasticity.base import StaticParams, static
from plasticity.params import check_positive, check_positive_int, check_probability, quantity
from plasticity.three_factor import DOPAMINE_POST, DopamineParams, da_three_factor

BACKENDS = ("numpy", "cython", "cpp_standalone")

#: Izhikevich's integration: two 0.5-ms Euler half-steps per 1-ms step.
HALF_STEPS = ExplicitStateUpdater("x_half = x + 0.5 * dt * f(x, t)\nx_new = x_half + 0.5 * dt * f(x_half, t)")

NEURON = """
dv/dt = (0.04 * v**2 / mV + 5 * v + 140 * mV - u + I_noise) / ms : volt
du/dt = a * (b * v - u) / ms : volt
I_noise = noise_amp * (rand() - 0.5) : volt (constant over dt)
a : 1 (constant)
d : volt (constant)
"""


@dataclass(frozen=True)
class Params:
    rule: DopamineParams = field(default_factory=lambda: DopamineParams(baseline=-0.002))
    n_exc: int = 800                              # Izhikevich 2007
    n_inh: int = 200
    n_syn: int = 100                              # synapses per neuron
    w_unit: Quantity = quantity(4 * mV)           # s_max = 4 mV
    w_init: float = 0.25                          # initial excitatory weight, 1 mV / s_max
    w_inh: Quantity = quantity(1 * mV)            # inhibitory weight (fixed)
    delay: Quantity = quantity(1 * ms)            # conduction delay (daspnet.m: D = 1)
    noise_amp: Quantity = quantity(13 * mV)       # thalamic input 13 (rand - 0.5) per ms
    window: Quantity = quantity(20 * ms)          # n1 -> n2 coincidence interval
    reward_delay_min: Quantity = quantity(1 * second)
    reward_delay_max: Quantity = quantity(3 * second)
    da_per_reward: float = 0.5                    # DA += 0.5 per reward
    criterion: float = 0.9                        # t_reach: rewarded w >= criterion * w_max
    record_window: Quantity = quantity(10 * second)  # spikes recorded at the end (rates, raster)

    def __post_init__(self):
        check_positive_int(self, "n_exc", "n_inh", "n_syn")
        check_positive(self, "w_unit", "w_inh", "delay", "noise_amp", "window", "reward_delay_min",
                       "reward_delay_max", "da_per_reward", "record_window")
        check_probability(self, "criterion", "w_init")


def _targets(rng, sources, pool, n_syn):
    """``n_syn`` distinct random targets in ``range(pool)`` per source (global index; no autapses)."""
    i, j = [], []
    for k, src in enumerate(sources):
        cand = rng.choice(pool - 1 if src < pool else pool, n_syn, replace=False)
        if src < pool:
            cand[cand >= src] += 1
        i.append(np.full(n_syn, k))
        j.append(cand)
    return np.concatenate(i), np.concatenate(j)


def reward_loop(source, n1: int, n2: int, target, p: Params):
    """The reward schedule as Brian2 objects (critic group, two monitoring synapses, dopamine).

    A spike of ``n2`` within ``p.window`` after (strictly) a spike of ``n1`` schedules one
    dopamine spike ``reward_delay_min`` + U(0, max - min] later (1-ms grid) unless one is
    pending; the critic's spike adds ``da_per_reward`` to ``da`` of every ``target`` neuron.
    """
    never = 1e9 * second
    critic = NeuronGroup(1, "t_n1 : second\nt_reward : second\nn_rewards : 1",
                         threshold="t >= t_reward - 0.5 * dt", reset="t_reward = never", name="critic",
                         namespace={"never": never})
    critic.t_n1, critic.t_reward = -1 * second, never
    saw_n1 = Synapses(source, critic, on_pre="t_n1_post = t", name="critic_n1")
    saw_n1.connect(i=n1, j=0)
    saw_n2 = Synapses(source, critic, name="critic_n2", namespace={
        "window": p.window, "d_min": p.reward_delay_min, "step": 1 * ms, "never": never,
        "n_steps": round(float((p.reward_delay_max - p.reward_delay_min) / ms))}, on_pre="""
        hit = int(t - t_n1_post < window) * int(t > t_n1_post) * int(t_reward_post > 0.5 * never)
        t_reward_post = hit * (t + d_min + ceil(n_steps * rand()) * step) + (1 - hit) * t_reward_post
        n_rewards_post += hit""")
    saw_n2.connect(i=n2, j=0)
    dopamine = make_synapses(static(StaticParams()), critic, target, target_var="da", weight=p.da_per_reward,
                             connect={}, name="volume_da")
    dopamine.w = 1.0
    return critic, saw_n1, saw_n2, dopamine


def run(ctx) -> dict[str, float]:
    p: Params = ctx.params
    T, win = float(ctx.duration), min(float(p.record_window), float(ctx.duration))
    seed(ctx.seed)
    rng = np.random.default_rng(ctx.seed)
    n = p.n_exc + p.n_inh
    ns = {**DOPAMINE_POST.namespace, "tau_da": p.rule.tau_da, "noise_amp": p.noise_amp, "b": 0.2}
    G = NeuronGroup(n, NEURON + DOPAMINE_POST.eqs, threshold="v >= 30 * mV", reset="v = -65 * mV\nu += d",
                    method=HALF_STEPS, namespace=ns, name="izh")
    G.v, G.u = -65 * mV, -13 * mV
    G.a = np.r_[np.full(p.n_exc, 0.02), np.full(p.n_inh, 0.1)]
    G.d = np.r_[np.full(p.n_exc, 8.0), np.full(p.n_inh, 2.0)] * mV
    E, I = G[:p.n_exc], G[p.n_exc:]
    i, j = _targets(rng, range(p.n_exc), n, p.n_syn)
    exc = make_synapses(da_three_factor(p.rule), E, G, target_var="v", weight=p.w_unit, delay=p.delay,
                        connect={"i": i, "j": j}, name="exc_syn")
    w0 = np.full(len(i), p.w_init)
    chosen = 0                                   # n1 = neuron 0, its first synapse
    n1, n2 = int(i[chosen]), int(j[chosen])
    w0[chosen] = 0.0
    exc.w = w0
    ii, jj = _targets(rng, range(p.n_exc, n), p.n_exc, p.n_syn)
    inh = make_synapses(static(StaticParams()), I, E, target_var="v", weight=-p.w_inh, delay=p.delay,
                        connect={"i": ii, "j": jj}, name="inh_syn")
    inh.w = 1.0
    critic, *loop = reward_loop(G, n1, n2, G, p)
    w_mon = StateMonitor(exc, "w", record=[chosen], dt=1 * second, name="chosen_w")
    spikes = SpikeMonitor(G, name="izh_spikes")
    spikes.active = False
    net = Network(G, exc, inh, critic, *loop, w_mon, spikes)
    report = "stderr" if T > 60 else None
    if T - win > 0:
        net.run((T - win) * second, namespace={}, report=report, report_period=60 * second)
    spikes.active = True
    net.run(win * second, namespace={})
    ctx.backend.build()
    w = np.asarray(exc.w[:]) / p.rule.w_max
    trace = np.asarray(w_mon.w[0]) / p.rule.w_max
    reached = np.nonzero(trace >= p.criterion)[0]
    si, st = np.asarray(spikes.i[:]), np.asarray(spikes.t[:] / second)
    ctx.add_spikes("izh.all", si, st, n)
    others = np.delete(w, chosen)
    return {"rewarded_w_over_wmax": float(w[chosen]), "median_w_over_wmax": float(np.median(others)),
            "rewarded_percentile": float(100 * np.mean(others < w[chosen])),
            "t_reach_s": float(np.asarray(w_mon.t[:] / second)[reached[0]]) if len(reached) else float("nan"),
            "n_rewards": float(critic.n_rewards[0]),
            "rate_exc_hz": float(np.sum(si < p.n_exc) / p.n_exc / win),
            "rate_inh_hz": float(np.sum(si >= p.n_exc) / p.n_inh / win), "simulated_s": T}
