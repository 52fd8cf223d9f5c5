"""A named ``PoissonInput``: Brian2's always gets an auto-numbered name (``poissoninput_7``).

The cython backend caches compiled code under a key that contains the names of the objects the
code touches, so an auto-numbered name (which depends on how many inputs the process created
before) recompiles the same input in every test process and experiment. A fixed name, derived
from the region, makes the compiled code reusable across runs (measured here: a cold compile of
one small code object costs several seconds; a cache hit ~0.1 s).
"""
from __future__ import annotations

from brian2 import PoissonInput as _BrianPoissonInput
from brian2.core.variables import Variables
from brian2.groups.group import CodeRunner
from brian2.input.binomial import BinomialFunction
from brian2.units.fundamentalunits import DimensionMismatchError, get_dimensions, have_same_dimensions


class PoissonInput(_BrianPoissonInput):
    """``brian2.PoissonInput(target, target_var, N, rate, weight)`` with an explicit ``name``.

    Same semantics as Brian2's (binomially distributed number of input spikes per time step,
    added to ``target_var``); only the names of the object and of its binomial function differ.
    """

    def __init__(self, target, target_var: str, N: int, rate, weight, name: str, when="synapses", order=0):
        if N < 1 or int(N) != N:
            raise ValueError(f"N has to be an integer >= 1, got {N!r}.")
        if float(rate) < 0:
            raise ValueError(f"The rate cannot be negative, got {rate!s}.")
        if target_var not in target.variables:
            raise KeyError(f"{target_var} is not a variable of {target.name}")
        self._weight, self._target_var, self._N, self._rate = weight, target_var, N, rate
        if isinstance(weight, str):
            weight_code = f"({weight})"
        else:
            if not have_same_dimensions(get_dimensions(weight), target.variables[target_var].dim):
                raise DimensionMismatchError(f"PoissonInput {name}: weight has not the unit of {target_var}",
                                             get_dimensions(weight), target.variables[target_var].dim)
            weight_code = repr(weight)
        binomial = BinomialFunction(N, rate * target.clock.dt, name=f"{name}_binomial")
        self._stored_dt = target.dt_[:]
        self._group = target
        CodeRunner.__init__(self, group=target, template="stateupdate",
                            code=f"{target_var} += {binomial.name}()*{weight_code}", user_code="",
                            when=when, order=order, name=name, clock=target.clock)
        self.variables = Variables(self)
        self.variables._add_variable(binomial.name, binomial)
