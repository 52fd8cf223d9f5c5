"""Behavioural tasks for the trial engine: plain Python (numpy only), gymnasium-style ``reset()/step()``.

A task pre-draws all its randomness from ``np.random.default_rng(seed)`` at construction (reward
draws ``u[t, a]``, reward = ``u[t, a] < p[t, a]``; drifting probabilities as one array), so one
seed gives one sequence whatever the choices, ``reset()`` replays it, and :meth:`sequence`
returns the arrays for an in-graph replay. ``step(None)`` is a no-choice: no reward, not
correct, and the session goes on.

Interface: ``name``, ``n_actions``, ``n_trials``, ``fields`` (observation field -> pools),
optional ``max_steps``; ``reset() -> obs``; ``step(choice) -> Outcome``; ``correct_action()``;
``sequence()``. ``obs`` is ``{"trial": t, <field>: pool index, a tuple of levels per pool, or None}``.

References
----------
Brockman G et al. (2016) OpenAI Gym. arXiv:1606.01540 (the reset/step protocol).
Sutton RS, Barto AG (2018) Reinforcement Learning: An Introduction, 2nd ed., ch. 2 (bandits).
Cools R, Clark L, Owen AM, Robbins TW (2002) J Neurosci 22:4563-4567 (probabilistic reversal).
Daw ND, Gershman SJ, Seymour B, Dayan P, Dolan RJ (2011) Neuron 69:1204-1215 (two-step task).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np


@dataclass(frozen=True)
class Outcome:
    """Result of one ``step``: reward (0/1), correctness, the next observation, end flag, flat log scalars."""
    reward: float
    correct: bool
    observation: dict
    done: bool
    info: dict = field(default_factory=dict)


def _err(name: str, reason: str):
    from brain.config import ConfigError  # lazy: keeps this module free of Brian2
    return ConfigError(f"experiment.task.{name}: {reason}")


def _count(name, v, minimum=1) -> int:
    if isinstance(v, bool) or not (isinstance(v, Integral) or (isinstance(v, float) and v.is_integer())) \
            or int(v) < minimum:
        raise _err(name, f"must be an integer >= {minimum}, got {v!r}")
    return int(v)


def _real(name, v, lo=0.0, hi=1.0, what="a probability in [0, 1]") -> float:
    if isinstance(v, bool) or not isinstance(v, Real) or not lo <= v <= hi:
        raise _err(name, f"must be {what}, got {v!r}")
    return float(v)


def _probs(name, v, n=None) -> np.ndarray:
    if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
        raise _err(name, f"must be a list of probabilities, got {v!r}")
    if n is not None and len(v) != n:
        raise _err(name, f"needs {n} values, got {len(v)}")
    return np.array([_real(name, x) for x in v])


def _bounds(v) -> tuple[float, float]:
    lo, hi = _probs("bounds", v, 2)
    if not lo < hi:
        raise _err("bounds", f"must be ordered [low, high] with low < high, got {list(v)}")
    return float(lo), float(hi)


def reflect(x, lo: float, hi: float) -> np.ndarray:
    """Reflect values outside ``[lo, hi]`` back inside (``x > hi -> 2 hi - x``), repeatedly."""
    x = np.array(x, dtype=float)
    while True:
        above, below = x > hi, x < lo
        if not (above.any() or below.any()):
            return x
        x = np.where(above, 2 * hi - x, np.where(below, 2 * lo - x, x))


def random_walk(p0, n: int, sd: float, bounds, rng) -> np.ndarray:
    """``n`` steps of a Gaussian walk (sd ``sd`` per step) from ``p0`` with reflecting ``bounds``."""
    p0 = np.asarray(p0, dtype=float)
    noise, out = rng.normal(0.0, sd, (n - 1,) + p0.shape), np.empty((n,) + p0.shape)
    out[0] = p0
    for t in range(1, n):
        out[t] = reflect(out[t - 1] + noise[t - 1], *bounds)
    return out


class _OneStep:
    """One action per trial: reward probabilities ``p[t, a]``, draws ``u[t, a]``, rule action ``good[t]``."""
    name, n_actions, fields = "task", 2, {"stimulus": 1}
    _seq = ("p", "u", "good")
    in_graph = True           # observations do not follow the choices: the in-graph loop can run it

    def __init__(self, n_trials: int, seed):
        self.n_trials, self.seed, self.t, self.done = n_trials, seed, 0, False

    def _field_values(self, t: int) -> dict:
        return {"stimulus": 0}

    def observation(self) -> dict:
        vals = {} if self.done else self._field_values(self.t)
        return {"trial": self.t, **{f: vals.get(f) for f in self.fields}}

    def reset(self) -> dict:
        self.t, self.done = 0, False
        return self.observation()

    def correct_action(self):
        return None if self.done else self._correct_at(self.t)

    def _correct_at(self, t: int):
        """The rule's action in trial ``t`` (None where no action is right)."""
        return int(self.good[t])

    def _is_correct(self, t: int, a: int) -> bool:
        return a == self.good[t]

    def _info(self, t: int, a) -> dict:
        return {"p_chosen": float("nan") if a is None else float(self.p[t, a]), "good_action": int(self.good[t])}

    def _check(self, choice):
        if self.done:
            raise RuntimeError(f"{self.name}: step() after the session ended; call reset()")
        if choice is None:
            return None
        if isinstance(choice, bool) or not isinstance(choice, Integral) or not 0 <= choice < self.n_actions:
            raise ValueError(f"{self.name}: choice must be None or an int in [0, {self.n_actions}), got {choice!r}")
        return int(choice)

    def step(self, choice) -> Outcome:
        a, t = self._check(choice), self.t
        info = self._info(t, a)
        reward = 0.0 if a is None else float(self.u[t, a] < self.p[t, a])
        correct = a is not None and bool(self._is_correct(t, a))
        self.t += 1
        self.done = self.t >= self.n_trials
        return Outcome(reward, correct, self.observation(), self.done, info)

    def sequence(self) -> dict:
        return {k: np.array(getattr(self, k)) for k in self._seq}


class Bandit(_OneStep):
    """``n_arms``-armed Bernoulli bandit; fixed ``p`` or, with ``drift_sd > 0``, a reflecting Gaussian walk.

    ``p=None``: (0.8, 0.2) when fixed (needs ``n_arms=2``), uniform in ``bounds`` when drifting;
    a given ``p`` is the start of the walk and must lie in ``bounds``. Correct = an arm of maximal p.
    """
    name = "bandit"

    def __init__(self, n_arms=2, p=None, n_trials=100, drift_sd=0.0, bounds=(0.25, 0.75), seed=None):
        n_arms, n_trials = _count("n_arms", n_arms), _count("n_trials", n_trials)
        drift_sd, (lo, hi) = _real("drift_sd", drift_sd, 0.0, np.inf, "a number >= 0"), _bounds(bounds)
        if p is None and not drift_sd and n_arms != 2:
            raise _err("p", f"needed when n_arms != 2 (n_arms = {n_arms})")
        p0 = None if p is None else _probs("p", p, n_arms)
        if drift_sd and p0 is not None and ((p0 < lo) | (p0 > hi)).any():
            raise _err("p", f"the start of the drift must lie in bounds [{lo}, {hi}], got {list(p)}")
        super().__init__(n_trials, seed)
        self.n_actions, self.drift_sd, self.bounds = n_arms, drift_sd, (lo, hi)
        rng = np.random.default_rng(seed)
        self.u = rng.random((n_trials, n_arms))
        if drift_sd:
            p0 = rng.uniform(lo, hi, n_arms) if p0 is None else p0
            self.p = random_walk(p0, n_trials, drift_sd, (lo, hi), rng)
        else:
            self.p = np.tile(np.array([0.8, 0.2]) if p0 is None else p0, (n_trials, 1))
        self.good = self.p.argmax(axis=1)

    def _is_correct(self, t, a):
        return self.p[t, a] >= self.p[t].max()

    def _info(self, t, a):
        return {**super()._info(t, a), **{f"p{k}": float(v) for k, v in enumerate(self.p[t])}}


class Reversal(_OneStep):
    """Probabilistic reversal (2 actions): the good action pays ``p_reward`` (the other ``1 - p_reward``)
    and swaps after ``n_before`` trials. ``first_good=None``: drawn as the rng's first number."""
    name = "reversal"

    def __init__(self, n_before=50, n_after=70, p_reward=0.8, first_good=None, seed=None):
        n_before, n_after = _count("n_before", n_before), _count("n_after", n_after, 0)
        p_reward = _real("p_reward", p_reward)
        if first_good is not None:
            first_good = _count("first_good", first_good, 0)
            if first_good > 1:
                raise _err("first_good", f"must be 0, 1 or null, got {first_good}")
        super().__init__(n_before + n_after, seed)
        self.n_before, self.n_after, self.p_reward = n_before, n_after, p_reward
        rng = np.random.default_rng(seed)
        drawn = int(rng.integers(2))           # always drawn first, so u does not depend on first_good
        self.first_good = drawn if first_good is None else first_good
        self.u = rng.random((self.n_trials, 2))
        self.good = np.where(np.arange(self.n_trials) < n_before, self.first_good, 1 - self.first_good)
        self.p = np.where(np.arange(2) == self.good[:, None], p_reward, 1 - p_reward)

    def _info(self, t, a):
        return {**super()._info(t, a), "reversed": int(t >= self.n_before)}


class GoalCued(_OneStep):
    """Context-dependent mapping: goal ``g`` and stimulus ``s`` cue action ``(s + g) % n_stimuli``,
    paid with ``p_reward`` (others ``1 - p_reward``). ``block > 0``: the goal holds for ``block`` trials.

    ``distractors > 0``: each trial also shows a distractor item, one of the items ``n_goals ..
    n_goals + distractors - 1`` of the same store as the goals (e.g. other PFC pools); the fields
    ``goal`` and ``distractor`` then index ``n_goals + distractors`` items. ``goal_block``: a list of
    goals to restrict the session to (e.g. ``[1]`` for a goal-B-only block); ``None``: all goals.
    """
    name = "goal_cued"
    _seq = ("p", "u", "good", "goal", "stimulus")

    def __init__(self, n_goals=2, n_stimuli=2, n_trials=200, p_reward=1.0, block=0, distractors=0, goals=None,
                 seed=None):
        n_goals, n_stimuli = _count("n_goals", n_goals), _count("n_stimuli", n_stimuli)
        n_trials, block, p_reward = _count("n_trials", n_trials), _count("block", block, 0), _real("p_reward", p_reward)
        distractors = _count("distractors", distractors, 0)
        super().__init__(n_trials, seed)
        self.n_goals, self.n_actions, self.block, self.p_reward = n_goals, n_stimuli, block, p_reward
        self.distractors = distractors
        items = n_goals + distractors
        self.fields = {"goal": items, "stimulus": n_stimuli, **({"distractor": items} if distractors else {})}
        rng = np.random.default_rng(seed)
        if block:
            self.goal = np.repeat(rng.integers(n_goals, size=-(-n_trials // block)), block)[:n_trials]
        else:
            self.goal = rng.integers(n_goals, size=n_trials)
        self.stimulus = rng.integers(n_stimuli, size=n_trials)
        self.u = rng.random((n_trials, n_stimuli))
        # drawn after the others, so that the goal / stimulus / reward sequence does not depend on them
        self.distractor = n_goals + rng.integers(max(distractors, 1), size=n_trials)
        if goals is not None:
            allowed = [_count("goals", g, 0) for g in goals]
            if not allowed or max(allowed) >= n_goals:
                raise _err("goals", f"must be a non-empty list of goals in [0, {n_goals}), got {goals!r}")
            self.goal = np.asarray(allowed)[self.goal % len(allowed)]
        self.good = (self.stimulus + self.goal) % n_stimuli
        self.p = np.where(np.arange(n_stimuli) == self.good[:, None], p_reward, 1 - p_reward)

    def _field_values(self, t):
        out = {"goal": int(self.goal[t]), "stimulus": int(self.stimulus[t])}
        if self.distractors:
            out["distractor"] = int(self.distractor[t])
        return out


class TwoStep(_OneStep):
    """Two-step task (Daw et al. 2011): state 0 -> action a -> state 1 + a (common, ``p_common``) or
    the other (rare); states 1, 2 have 2 actions each, paid with drifting probabilities ``p[t, s - 1, a]``.
    Two steps per trial (``info["stage"]`` 1, 2); a no-choice at stage 1 ends the trial."""
    name, fields = "two_step", {"state": 3}
    _seq = ("p", "u", "common")
    in_graph = False          # the second stage's state follows the first choice

    def __init__(self, n_trials=200, p_common=0.7, drift_sd=0.025, bounds=(0.25, 0.75), seed=None):
        n_trials, p_common = _count("n_trials", n_trials), _real("p_common", p_common)
        drift_sd, (lo, hi) = _real("drift_sd", drift_sd, 0.0, np.inf, "a number >= 0"), _bounds(bounds)
        super().__init__(n_trials, seed)
        self.p_common, self.drift_sd, self.bounds, self.max_steps = p_common, drift_sd, (lo, hi), 2 * n_trials
        rng = np.random.default_rng(seed)
        self.common = (rng.random(n_trials) < p_common).astype(int)
        self.u = rng.random((n_trials, 2, 2))
        self.p = random_walk(rng.uniform(lo, hi, (2, 2)), n_trials, drift_sd, (lo, hi), rng)
        self.state = 0

    def _field_values(self, t):
        return {"state": self.state}

    def reset(self):
        self.state = 0
        return super().reset()

    def _correct_at(self, t: int):
        raise NotImplementedError("two_step: the right action depends on the stage; use correct_action()")

    def correct_action(self):
        if self.done:
            return None
        p = self.p[self.t]
        return int(p.max(axis=1).argmax() if self.state == 0 else p[self.state - 1].argmax())

    def step(self, choice) -> Outcome:
        a, t, s = self._check(choice), self.t, self.state
        p = self.p[t]
        info = {"stage": 1 + (s > 0), "state": s, "good_action": self.correct_action(),
                "common": -1 if s == 0 and a is None else int(self.common[t]),
                **{f"p{i + 1}{j}": float(p[i, j]) for i in range(2) for j in range(2)}}
        reward, correct = 0.0, False
        if s == 0:
            info["p_chosen"] = float("nan")
            if a is not None:
                correct = bool(p[a].max() >= p.max())
                self.state = 1 + (a if self.common[t] else 1 - a)
        else:
            info["p_chosen"] = float("nan") if a is None else float(p[s - 1, a])
            if a is not None:
                reward = float(self.u[t, s - 1, a] < p[s - 1, a])
                correct = bool(p[s - 1, a] >= p[s - 1].max())
        info["next_state"] = self.state if s == 0 else 0
        if s != 0 or a is None:
            self.t, self.state = t + 1, 0
            self.done = self.t >= self.n_trials
        return Outcome(reward, correct, self.observation(), self.done, info)


class Salience(_OneStep):
    """Action selection (Gurney et al. 2001, Fig. 5): a salience vector over ``n_channels`` per trial.

    With probability ``p_zero`` every salience is 0 (no action is correct: a no-choice is the right
    response, but it still counts as incorrect in ``correct``); otherwise the strongest is drawn in
    ``[s_low, s_high]`` and the others uniformly below ``s_max / margin``. The observation field
    ``salience`` is the vector (a level per pool). Reward: 1 for the strongest channel.
    """
    name = "salience"
    _seq = ("p", "u", "good", "salience")

    def __init__(self, n_channels: int = 3, n_trials: int = 60, p_zero: float = 0.2, s_low: float = 0.6,
                 s_high: float = 1.0, margin: float = 1.2, seed=None):
        super().__init__(_count("n_trials", n_trials), seed)
        nc = _count("n_channels", n_channels, 2)
        p_zero, s_low, s_high = _real("p_zero", p_zero), _real("s_low", s_low), _real("s_high", s_high)
        if s_low > s_high:
            raise _err("s_high", f"must be >= s_low ({s_low}), got {s_high}")
        margin = _real("margin", margin, 1.0, np.inf, "a number >= 1")
        self.n_actions, self.fields = nc, {"salience": nc}
        rng = np.random.default_rng(seed)
        sal = np.zeros((self.n_trials, nc))
        for k in range(self.n_trials):            # the draw order of the pre-engine action_selection
            if rng.random() < p_zero:
                continue
            s_max = rng.uniform(s_low, s_high)
            row = rng.uniform(0.0, s_max / margin, nc)
            row[rng.integers(nc)] = s_max
            sal[k] = row
        self.salience = sal
        self.good = np.where(sal.any(1), sal.argmax(1), -1)
        self.p = (np.arange(nc)[None, :] == self.good[:, None]).astype(float)
        self.u = np.zeros_like(self.p)

    def _field_values(self, t: int) -> dict:
        return {"salience": tuple(float(x) for x in self.salience[t])}

    def _correct_at(self, t: int):
        return None if self.good[t] < 0 else int(self.good[t])


class DelayedRecall(_OneStep):
    """Delayed recall with distractors and an input gate (Brunel & Wang 2001, Figs. 3 and 7;
    gating after O'Reilly & Frank 2006): a cue item, a delay, and in some trials a distractor item.

    Trials cycle through ``conditions``: ``none`` (no distractor), ``closed`` (a distractor with
    the input gate closed: it must be ignored) and ``open`` (a distractor with the gate open: it
    replaces the held item). Per trial the rng draws ``cue = rng.integers(n_items)``, then
    ``distractor = (cue + rng.integers(1, n_items)) % n_items`` (always a different item; drawn in
    every trial, so that the sequence does not depend on the conditions).

    Observation fields: ``cue`` (the cued item), ``distractor`` (the distractor item; None in
    ``none`` trials) and ``gate`` (0 while the distractor is presented with the gate open, else
    None: one pool, shown or not). The choice is the recalled item; correct (reward 1) = the item
    that should be held at the end of the delay: the distractor in ``open`` trials, else the cue.
    ``info``: ``condition`` and ``good_action`` (that item).
    """
    name = "delayed_recall"
    CONDITIONS = ("none", "closed", "open")
    _seq = ("p", "u", "good", "cue", "distractor", "condition")

    def __init__(self, n_items=4, n_trials=30, conditions=CONDITIONS, seed=None):
        n_items = _count("n_items", n_items, 2)
        super().__init__(_count("n_trials", n_trials), seed)
        if isinstance(conditions, (str, bytes)) or not hasattr(conditions, "__len__") or not len(conditions):
            raise _err("conditions", f"must be a non-empty list of {list(self.CONDITIONS)}, got {conditions!r}")
        for c in conditions:
            if c not in self.CONDITIONS:
                raise _err("conditions", f"each must be one of {list(self.CONDITIONS)}, got {c!r}")
        self.n_items, self.n_actions, self.conditions = n_items, n_items, tuple(conditions)
        self.fields = {"cue": n_items, "distractor": n_items, "gate": 1}
        rng = np.random.default_rng(seed)
        cue, dis = np.empty(self.n_trials, dtype=int), np.empty(self.n_trials, dtype=int)
        for k in range(self.n_trials):           # the draw order of the pre-engine working_memory
            cue[k] = rng.integers(n_items)
            dis[k] = (cue[k] + rng.integers(1, n_items)) % n_items
        self.cue, self.distractor = cue, dis
        self.condition = np.array([self.conditions[k % len(self.conditions)] for k in range(self.n_trials)])
        self.good = np.where(self.condition == "open", dis, cue)
        self.p = (np.arange(n_items)[None, :] == self.good[:, None]).astype(float)
        self.u = np.zeros_like(self.p)

    def _field_values(self, t: int) -> dict:
        cond = self.condition[t]
        return {"cue": int(self.cue[t]), "distractor": None if cond == "none" else int(self.distractor[t]),
                "gate": 0 if cond == "open" else None}

    def _info(self, t: int, a) -> dict:
        return {"condition": str(self.condition[t]), "good_action": int(self.good[t])}


class Presentation:
    """A fixed list of observations shown one per trial, with no choice (storage and recall protocols).

    ``items``: one dict per trial, field -> pool index, a level per pool (an array: e.g. one pool per
    cell of a pattern), or None (nothing shown). ``fields``: field -> pools. ``step(None)`` moves to the
    next item (a choice is an error); ``info`` of each outcome holds the scalar ``labels`` of its item
    (logged in the trial row; pattern arrays are not logged).
    """
    name, n_actions = "presentation", 0

    def __init__(self, items, fields: dict, labels=None, seed=None):
        self.items, self.fields = list(items), dict(fields)
        if not self.items:
            raise _err("items", "a presentation needs at least one item")
        self.labels = [dict(x) for x in labels] if labels is not None else [{} for _ in self.items]
        if len(self.labels) != len(self.items):
            raise _err("labels", f"needs one per item ({len(self.items)}), got {len(self.labels)}")
        self.n_trials, self.seed, self.t, self.done = len(self.items), seed, 0, False
        self.hidden_fields = tuple(self.fields)          # arrays: not copied into the trial log

    def observation(self) -> dict:
        item = {} if self.done else self.items[self.t]
        return {"trial": self.t, **{f: item.get(f) for f in self.fields}}

    def reset(self) -> dict:
        self.t, self.done = 0, False
        return self.observation()

    def correct_action(self):
        return None

    def step(self, choice=None) -> Outcome:
        if self.done:
            raise RuntimeError("presentation: step() after the last item; call reset()")
        if choice is not None:
            raise ValueError(f"presentation: there is no choice to make, got {choice!r}")
        info = self.labels[self.t]
        self.t += 1
        self.done = self.t >= self.n_trials
        return Outcome(0.0, False, self.observation(), self.done, info)

    def sequence(self) -> dict:
        return {"items": list(self.items)}


TASKS = {"bandit": Bandit, "reversal": Reversal, "goal_cued": GoalCued, "two_step": TwoStep, "salience": Salience,
         "delayed_recall": DelayedRecall}


def make_task(kind: str, params: dict | None = None, seed=None):
    """Build task ``kind`` from ``params`` (YAML ``experiment.task`` without ``type``) with ``seed``."""
    cls = TASKS.get(kind)
    if cls is None:
        from brain.config import ConfigError
        raise ConfigError(f"experiment.task.type: unknown task {kind!r} (known: {', '.join(TASKS)})")
    params = dict(params or {})
    known = [k for k in inspect.signature(cls).parameters if k != "seed"]
    for key in sorted(set(params) - set(known)):
        raise _err(key, f"unknown field (known for {kind}: {', '.join(known)})")
    return cls(**params, seed=seed)
