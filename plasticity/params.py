"""Parameter-declaration helpers shared by rules and regions.

Parameters of rules and regions are frozen dataclasses. A field whose default is a Brian2
quantity is declared with :func:`quantity`; the YAML loader in ``brain.config`` reads the
default's dimensions and parses strings such as ``"20 ms"`` strictly against them.
Constraints are checked in ``__post_init__`` with the ``check_*`` helpers, which raise
:class:`ParamError` naming the field; the loader prefixes the full path
(``regions.cortex.n_exc: must be a positive integer, got -5``).

This module lives in ``plasticity/`` because it may import brian2 only, and ``regions/``
may import ``plasticity/`` (CONTRIBUTING.md, "Layout and import rules").
"""
from __future__ import annotations

from dataclasses import field
from numbers import Real

from brian2 import Quantity


class ParamError(ValueError):
    """A parameter value is invalid; ``field`` names it relative to its dataclass."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def quantity(default: Quantity):
    """A dataclass field holding a Brian2 quantity (Quantity is unhashable, so use a factory)."""
    return field(default_factory=lambda: default)


def _value(obj, name):
    return getattr(obj, name)


def check_positive_int(obj, *names: str) -> None:
    for n in names:
        v = _value(obj, n)
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ParamError(n, f"must be a positive integer, got {v!r}")


def check_nonneg_int(obj, *names: str) -> None:
    for n in names:
        v = _value(obj, n)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ParamError(n, f"must be a non-negative integer, got {v!r}")


def check_positive(obj, *names: str) -> None:
    """Strictly positive number or quantity."""
    for n in names:
        v = _value(obj, n)
        if float(v) <= 0:
            raise ParamError(n, f"must be positive, got {v}")


def check_nonneg(obj, *names: str) -> None:
    for n in names:
        v = _value(obj, n)
        if float(v) < 0:
            raise ParamError(n, f"must be non-negative, got {v}")


def check_probability(obj, *names: str) -> None:
    for n in names:
        v = _value(obj, n)
        if not isinstance(v, Real) or not 0.0 <= float(v) <= 1.0:
            raise ParamError(n, f"must be a probability in [0, 1], got {v!r}")


def check_choice(obj, name: str, choices) -> None:
    v = _value(obj, name)
    if v not in choices:
        raise ParamError(name, f"must be one of {sorted(choices)}, got {v!r}")


def check_order(obj, low: str, high: str) -> None:
    if float(_value(obj, low)) > float(_value(obj, high)):
        raise ParamError(high, f"must be >= {low} ({_value(obj, low)}), got {_value(obj, high)}")


def check_probability_range(obj, name: str) -> None:
    """``name`` is ``[low, high]``, two probabilities with low < high; stored as a tuple of floats."""
    v = _value(obj, name)
    ok = (isinstance(v, (list, tuple)) and len(v) == 2
          and all(isinstance(x, Real) and not isinstance(x, bool) and 0.0 <= float(x) <= 1.0 for x in v))
    if not ok or not float(v[0]) < float(v[1]):
        raise ParamError(name, f"must be [low, high], probabilities with low < high, got {v!r}")
    object.__setattr__(obj, name, (float(v[0]), float(v[1])))
