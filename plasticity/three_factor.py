"""Three-factor rules: STDP tags an eligibility trace, a neuromodulator turns it into weight.

``da_three_factor`` (Izhikevich 2007; NEST ``stdp_dopamine_synapse``)::

    dc/dt = -c / tau_c + STDP(pre, post)          eligibility, written by pair-based STDP
    dw/dt = sign * eta * c * (da_post - baseline) a dip of dopamine below baseline depresses
                                                  (sign = da_sign: +1 D1-like, -1 D2-like)

With ``A_pre`` > 0 each presynaptic spike also adds ``A_pre`` to ``c``: a presynaptic
eligibility that needs no postsynaptic spike (with ``A_plus = A_minus = 0`` the rule is
``dw/dt = eta x_pre (da - b)``, ``x_pre`` the presynaptic trace of time constant ``tau_c``: the
critic's rule of Potjans, Diesmann & Morrison 2011, dopamine times presynaptic activity). A
target that is silent can then still learn a value, and the credit goes to the inputs active
just before the dopamine, in proportion to their activity, not to their pairings with the target.

With ``baseline_tonic`` the baseline is ``baseline + da_tonic_post``, the target's mean of ``da``
measured only in windows with neither cue nor outcome (:data:`DOPAMINE_TONIC_POST`): the
three-factor term is then zero at tonic dopamine whatever the circuit's tonic rate, with no
hand-set constant, while the phasic part (the critic's prediction error) is left intact.

With ``baseline_adaptive`` the baseline is ``baseline + da_avg_post``, the postsynaptic neuron's
running mean of ``da`` (:data:`DOPAMINE_AVG_POST`, tau 5 s, taken constant over a period like
``da_max``): the rule then learns from dopamine relative to its recent level, so a circuit whose
tonic dopamine differs from a hand-set ``b`` does not drift.

With ``soft_bounds`` the update is scaled by the room left towards the bound it moves to:
``dw (w_max - w) / (w_max - w_min)`` when it potentiates, ``dw (w - w_min) / (w_max - w_min)``
when it depresses (soft bounds, van Rossum et al. 2000; Gütig et al. 2003). A weight then
settles where the potentiation it gets balances the depression, ``w_min + (w_max - w_min)
P / (P + D)``: a running estimate of how often its eligibility met a burst rather than a dip,
instead of a walk between the hard bounds whenever bursts and dips do not cancel on average.
The factor is taken at the tick (Euler over one ``update_dt``). It slows the approach to a bound
but does not change the drift's sign: when the mean of ``da`` exceeds ``b`` every eligible weight
still ends near ``w_max`` (two_step's mf cue rule, seed 1: 82 % within 0.001 of it).

With ``dip_gain`` g != 1, a period whose dopamine term is negative (a dip below the baseline)
counts g times: ``dw/dt = sign eta c (da - b) (1 + (g - 1) [da < b])``. Dopamine cells encode
negative prediction errors by pausing, over a range (tonic rate down to 0 Hz) several times
smaller than the bursts' (Bayer & Glimcher 2005); a reader that weights bursts and dips alike
then learns from the mean of a rectified error, and an action whose rare rewards burst more than
its common omissions dip keeps gaining value. Niv, Duff & Dayan (2005) note that the target must
rescale the negative part by the ratio of the two ranges for the prediction error to be unbiased.

``goal_three_factor`` multiplies the same update by the bounded goal context ``goal_level_post``
(``clip(goal, 0, 1)`` of the activity trace ``goal`` of a PFC pool projected onto the
postsynaptic neuron, :data:`GOAL_POST`): ``dw/dt = eta c (da - b) goal_level``. With ``goal = 0``
nothing is learned; above 1 the rate no longer grows with PFC firing.

Dopamine is a neuron variable ``da`` of the postsynaptic group (volume transmission: a dopamine
population projects onto ``da`` with ``rule: static``), see :data:`DOPAMINE_POST`.

Integration (why not purely event-driven)
-----------------------------------------
Between two events of one synapse, ``c`` decays exponentially, but ``da`` jumps whenever any
dopamine spike reaches the neuron. The exact weight change over ``[t0, t1]`` is
``c0 * Σ_k D_k ∫ exp(-(t - t0)/tau_c - (t - t_k)/tau_da) dt`` over the dopamine jumps ``(t_k,
D_k)`` in between: it needs the jump history, which a Brian2 synapse never sees (NEST gets it
from the volume transmitter's spike buffer). A neuron-level accumulator cannot replace it
either: the kernel ``exp(-(t - t0)/tau_c)`` depends on the synapse's own ``t0``, so it factors
only through ``exp(t/tau_c)``, which overflows within minutes. The rule therefore integrates
the weight every ``update_dt`` (``RuleSpec.regular``; Izhikevich's own code updates every
10 ms), exactly under the assumption that no event falls inside the period::

    c_k = c(t_k);  Δw = eta * c_k * [da_k * τ' (1 - e^{-h/τ'}) - b * tau_c (1 - e^{-h/tau_c})]
    1/τ' = 1/tau_c + 1/tau_da,  h = update_dt

An STDP event or dopamine jump inside a period is counted from the next tick on, so the
contribution of one reward is underestimated by (t_next - t_event)/τ': at most h/τ' ≈ 6 %,
3 % on average, for h = 10 ms (0.3 % for h = 1 ms). Cost: ~3 flops per synapse per period,
no ``exp``. ``c`` is stored *referenced to the last tick* ``t_k = h floor(t/h)``: an event at
``t`` adds ``Δc exp((t - t_k)/tau_c)`` and each tick multiplies by ``exp(-h/tau_c)``, which
makes ``c(t_k)`` exact at every tick (the recorded ``c`` between ticks is this referenced
value). ``update_dt`` must be a multiple of the simulation step, ``goal`` is taken constant
over a period, and so is the optional saturation ``min(da, da_max)`` (taken at the tick and then
treated like ``da``: relative error below h/tau_da = 5 % while saturated), and ``tau_da`` must
equal the decay constant of ``da`` in the target group
(it enters only ``τ'``).

References
----------
Izhikevich EM (2007) Cereb Cortex 17:2443-2452 (Fig. 1; code daspnet.m on ModelDB 84167).
van Rossum MCW, Bi GQ, Turrigiano GG (2000) J Neurosci 20:8812-8821 (soft-bounded plasticity).
Gütig R, Aharonov R, Rotter S, Sompolinsky H (2003) J Neurosci 23:3697-3714 (weight dependence).
Potjans W, Morrison A, Diesmann M (2010) Front Comput Neurosci 4:141 (NEST dopamine synapse).
Potjans W, Diesmann M, Morrison A (2011) PLoS Comput Biol 7:e1001133 (dopamine x presynaptic trace).
Richfield EK, Penney JB, Young AB (1989) Neuroscience 30:767-777 (D2 affinity >> D1 affinity).
Frank MJ (2005) J Cogn Neurosci 17:51-72 (D2 / NoGo learning from dopamine dips).
Frémaux N, Gerstner W (2016) Front Neural Circuits 9:85 (three-factor rules review).
Frémaux N, Sprekeler H, Gerstner W (2010) J Neurosci 30:13326-13337 (unbiased reward signal).
Schultz W (2007) Annu Rev Neurosci 30:259-288 (tonic vs phasic dopamine).
Niv Y, Daw ND, Joel D, Dayan P (2007) Psychopharmacology 191:507-520 (tonic dopamine as a separate signal).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from brian2 import Hz, Quantity, ms, second

from plasticity import weights
from plasticity.base import PostSide, RuleSpec
from plasticity.params import ParamError, check_nonneg, check_positive, quantity
from plasticity.stdp import STDPParams, pair_terms, trace_model

#: Neuron-side dopamine concentration (dimensionless, relative units; Izhikevich 2007: 0.2 s).
DOPAMINE_POST = PostSide(eqs="dda/dt = -da / tau_da : 1", namespace={"tau_da": 200 * ms})
DOPAMINE_POST_EQS = DOPAMINE_POST.eqs
#: Neuron-side goal context: a PFC pool projects (``rule: static``) onto the trace ``goal``;
#: ``goal_level = clip(goal, 0, 1)`` is the bounded signal that goal-gated rules read (and that a
#: target's goal gain should use), so the learning rate does not scale with PFC firing; the
#: projection's weight per PFC spike sets how much PFC activity saturates it.
GOAL_POST = PostSide(eqs="dgoal/dt = -goal / tau_goal : 1\ngoal_level = clip(goal, 0, 1) : 1",
                     namespace={"tau_goal": 100 * ms})
GOAL_POST_EQS = GOAL_POST.eqs
#: Neuron-side running mean of ``da`` for ``baseline_adaptive`` rules: the reward-modulated STDP
#: success signal must have zero mean, or every eligible synapse drifts (Frémaux, Sprekeler &
#: Gerstner 2010, "the baseline must be the expected reward"). tau ~ a few trials.
DOPAMINE_AVG_POST = PostSide(eqs="dda_avg/dt = (da - da_avg) / tau_da_avg : 1", namespace={"tau_da_avg": 5 * second})
#: Neuron-side estimate of *tonic* dopamine for ``baseline_tonic`` rules: the mean of ``da`` taken
#: only while ``tonic_window`` is 1 (windows with neither cue nor outcome, set by the trial engine).
#: ``tonic_time`` counts the time spent in such windows; the step ``1 / min(tonic_time, tau)``
#: makes ``da_tonic`` the plain mean of the first ``tau_da_tonic`` of tonic time (no start-up bias
#: from the initial 0, apart from the 1 ms floor: -0.3 % after 100 ms) and an exponential running
#: mean after it. The rule's integration (``tf_kd`` vs ``tf_kb``: jumps inside a period count from
#: the next tick) puts the zero of ``kd da - kb b`` ~2.5 % above ``da_tonic``. Phasic bursts and dips never
#: enter it, so it is not a value estimate: the critic (``regions.dopamine``) learns V(s) and
#: makes the phasic signal, this makes the zero of the three-factor term (Schultz 2007: tonic and
#: phasic dopamine are separate signals; Niv et al. 2007).
DOPAMINE_TONIC_POST = PostSide(
    eqs="tonic_window : 1 (shared)\n"
        "dtonic_time/dt = tonic_window : second\n"
        "dda_tonic/dt = tonic_window * (da - da_tonic) / clip(tonic_time, 1 * ms, tau_da_tonic) : 1",
    namespace={"tau_da_tonic": 4 * second})


@dataclass(frozen=True)
class DopamineParams(STDPParams):
    """Dopamine-gated STDP; defaults follow Izhikevich (2007) with w in units of s_max = 4 mV."""

    A_plus: float = 0.025                    # Izhikevich code: +0.1 per pair / s_max 4
    A_minus: float = 0.0375                  # Izhikevich code: -0.15 per pair / s_max 4 (A-/A+ = 1.5)
    tau_c: Quantity = quantity(1 * second)   # eligibility time constant (Izhikevich 2007: 1 s)
    tau_da: Quantity = quantity(200 * ms)    # dopamine decay, must match the target's tau_da (0.2 s)
    baseline: float = 0.0                    # b (NEST stdp_dopamine_synapse); Izhikevich's tonic 0.002 is b = -0.002
    eta: Quantity = quantity(100 * Hz)       # Izhikevich code: s += DA * sd every 10 ms -> 1/(10 ms)
    update_dt: Quantity = quantity(10 * ms)  # weight integration period (Izhikevich code: 10 ms)
    A_pre: float = 0.0                       # > 0: each pre spike adds A_pre to c (presynaptic eligibility;
                                             # Potjans et al. 2011); 0: c from STDP pairings only
    da_sign: float = 1.0                     # +1: D1-like (bursts potentiate); -1: D2-like (dips
                                             # potentiate; Frank 2005; Shen et al. 2008 Science 321:848)
    da_max: float = 0.0                      # > 0: receptor saturation, da seen as min(da, da_max)
                                             # (high-affinity D2 receptors are saturated by bursts and
                                             # read dips; Richfield et al. 1989; Frank 2005). 0: linear
    baseline_adaptive: bool = False          # True: b = da_avg_post + baseline, the target's running
                                             # mean of da (DOPAMINE_AVG_POST; Frémaux et al. 2010)
    baseline_tonic: bool = False             # True: b = da_tonic_post + baseline, the target's mean
                                             # of da outside cue and outcome (DOPAMINE_TONIC_POST)
    dip_gain: float = 1.0                    # a dip below the baseline counts dip_gain times (the
                                             # range of pauses is smaller than that of bursts; Bayer &
                                             # Glimcher 2005, Niv, Duff & Dayan 2005); 1: symmetric
    soft_bounds: bool = False                # True: a potentiation is scaled by (w_max - w) and a
                                             # depression by (w - w_min), both / (w_max - w_min)
                                             # (soft bounds on the three-factor update; van Rossum
                                             # et al. 2000, Gutig et al. 2003). Not weight_dependence,
                                             # which scales the eligibility: its sign flips with da

    def __post_init__(self):
        super().__post_init__()
        check_positive(self, "tau_c", "tau_da", "eta", "update_dt")
        check_nonneg(self, "A_pre", "dip_gain")
        if self.da_max < 0:
            raise ParamError("da_max", f"must be >= 0 (0: no saturation), got {self.da_max}")
        if self.da_sign not in (1.0, -1.0):
            raise ParamError("da_sign", f"must be 1 or -1, got {self.da_sign}")
        if self.baseline_adaptive and self.baseline_tonic:
            raise ParamError("baseline_tonic", "baseline_adaptive and baseline_tonic exclude each other")
        if self.soft_bounds and not self.w_max > self.w_min:
            raise ParamError("soft_bounds", f"needs w_max > w_min, got {self.w_min} and {self.w_max}")


GoalParams = DopamineParams


def _three_factor(p: DopamineParams, name: str, gate: str, post_vars: tuple[str, ...]) -> RuleSpec:
    h, tc, td = float(p.update_dt), float(p.tau_c), float(p.tau_da)
    tau_p = 1.0 / (1.0 / tc + 1.0 / td)
    ltp, ltd, pre_bump, post_bump = pair_terms(p, "tf")
    ref = "exp((t - tf_period * floor((t + 0.5 * dt) / tf_period)) / tf_tau_c)"  # tick reference
    da = "clip(da_post, 0, tf_da_max)" if p.da_max > 0 else "da_post"
    base = ("(tf_baseline + da_avg_post)" if p.baseline_adaptive else
            "(tf_baseline + da_tonic_post)" if p.baseline_tonic else "tf_baseline")
    dd = f"(tf_kd * {da} - tf_kb * {base})"
    dip = ""
    if p.dip_gain != 1:     # the period's dopamine term, scaled by dip_gain when below the baseline
        dip, dd = f"tf_dd = {dd}", "tf_dd * (1 + tf_dip_extra * int(tf_dd < 0))"
    dw = f"tf_sign * c * {dd}{gate}"
    soft = ""
    if p.soft_bounds:       # the room left towards the bound the update moves to (Euler over one period)
        soft, dw = (f"tf_dw = {dw}", "tf_dw * (int(tf_dw > 0) * (tf_w_max - w) + int(tf_dw < 0) * (w - tf_w_min))"
                                     " / (tf_w_max - tf_w_min)")
    post_vars = ((*post_vars, "da_avg") if p.baseline_adaptive else
                 (*post_vars, "da_tonic") if p.baseline_tonic else post_vars)
    regular = "\n".join(filter(None, ["c = c * tf_c_step", weights.tick_decay(p, "tf"), dip, soft,
                                       weights.update(p, "tf", dw)]))
    ns = {"tf_tau_plus": p.tau_plus, "tf_tau_minus": p.tau_minus, "tf_A_plus": p.A_plus,
          "tf_A_minus": p.A_minus, "tf_A_pre": p.A_pre, "tf_tau_c": p.tau_c, "tf_period": p.update_dt,
          "tf_baseline": p.baseline, "tf_sign": float(p.da_sign), "tf_da_max": float(p.da_max), "tf_c_step": math.exp(-h / tc),
          "tf_dip_extra": float(p.dip_gain) - 1.0,
          "tf_kd": float(p.eta) * tau_p * (1 - math.exp(-h / tau_p)),
          "tf_kb": float(p.eta) * tc * (1 - math.exp(-h / tc)),
          **weights.namespace(p, "tf", period=p.update_dt)}
    return RuleSpec(name=name, model=weights.model(p) + "\nc : 1\n" + trace_model("tf"),
                    on_pre=f"{pre_bump}\nc += ({ltd}{' + tf_A_pre' if p.A_pre > 0 else ''}) * {ref}",
                    on_post=f"{post_bump}\nc += ({ltp}) * {ref}",
                    namespace=ns, recordables=("c", "apre", "apost"), post_vars=post_vars,
                    regular=regular, regular_dt=p.update_dt)


def da_three_factor(p: DopamineParams) -> RuleSpec:
    """Dopamine-gated STDP: ``dw/dt = eta c (da_post - baseline)``."""
    return _three_factor(p, "da_three_factor", "", ("da",))


def goal_three_factor(p: GoalParams) -> RuleSpec:
    """Goal-gated dopamine STDP: ``dw/dt = eta c (da_post - baseline) goal_level_post``."""
    return _three_factor(p, "goal_three_factor", " * goal_level_post", ("da", "goal_level"))
