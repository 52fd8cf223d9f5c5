"""YAML -> validated frozen dataclasses, with strict unit parsing and dotted overrides.

Every error is a :class:`ConfigError` whose message starts with the full field path, e.g.
``regions.cortex.n_exc: must be a positive integer, got -5``; the CLI prints it on one line
and exits with status 2.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import re
import typing

from pathlib import Path
from typing import Any, Mapping

import yaml
from brian2 import Quantity, get_dimensions
from brian2.units import allunits, stdunits
from brian2.units.fundamentalunits import DIMENSIONLESS, Unit

from plasticity.params import ParamError


class ConfigError(ValueError):
    """Invalid configuration; ``str(err)`` is the one-line message, path first."""


# -- units --------------------------------------------------------------------------------
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z_]\w*(?:\s*[*/]\s*[A-Za-z_]\w*)*)?\s*$")


_ALIASES = {"s": "second", "sec": "second", "seconds": "second", "min": "minute"}


def _unit(name: str, path: str) -> Unit:
    if name in ("minute", "min"):
        from brian2 import second
        return 60 * second  # type: ignore[return-value]
    name = _ALIASES.get(name, name)
    unit = getattr(stdunits, name, None) or getattr(allunits, name, None)
    if not isinstance(unit, (Unit, Quantity)):
        raise ConfigError(f"{path}: unknown unit {name!r}")
    return unit


def parse_quantity(value: Any, dims, path: str) -> Quantity:
    """Parse ``"20 ms"`` / ``"0.5 nS"`` / ``"1 mV/ms"`` strictly (a number and unit names; no eval)."""
    if isinstance(value, Quantity):
        q = value
    elif isinstance(value, bool):
        raise ConfigError(f"{path}: expected a quantity, got {value!r}")
    elif isinstance(value, (int, float)):
        if dims is not None and dims is not DIMENSIONLESS and float(value) != 0.0:
            raise ConfigError(f"{path}: needs a unit (dimensions {dims}), got {value!r}")
        q = Quantity(float(value), dim=dims)
    elif isinstance(value, str):
        m = _QUANTITY.match(value)
        if not m:
            raise ConfigError(f"{path}: cannot parse {value!r} as a quantity like '20 ms'")
        q = Quantity(float(m.group(1)))
        if not m.group(2) and dims is not None and dims is not DIMENSIONLESS and float(q) != 0.0:
            raise ConfigError(f"{path}: needs a unit (dimensions {dims}), got {value!r}")
        if not m.group(2) and dims is not None:
            q = Quantity(float(q), dim=dims)
        if m.group(2):
            tokens = re.findall(r"[*/]|[A-Za-z_]\w*", m.group(2))
            op = "*"
            for tok in tokens:
                if tok in "*/":
                    op = tok
                    continue
                u = _unit(tok, path)
                q = q * u if op == "*" else q / u
    else:
        raise ConfigError(f"{path}: expected a quantity like '20 ms', got {type(value).__name__}")
    if dims is not None and get_dimensions(q) is not dims:
        raise ConfigError(f"{path}: wrong units: expected dimensions {dims}, got {value!r}")
    return q


# -- dataclasses from mappings ------------------------------------------------------------
def _default(f: dataclasses.Field):
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        return f.default_factory()  # type: ignore[misc]
    return dataclasses.MISSING


def _convert(value: Any, hint: Any, default: Any, path: str) -> Any:
    if isinstance(default, Quantity):
        return parse_quantity(value, get_dimensions(default), path)
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return from_mapping(hint, value, path)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{path}: must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{path}: must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: must be a string, got {value!r}")
        return value
    if origin is typing.Literal:
        if value not in typing.get_args(hint):
            raise ConfigError(f"{path}: must be one of {list(typing.get_args(hint))}, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{path}: must be a list, got {value!r}")
        args = typing.get_args(hint)
        item = args[0] if args else Any
        item_default = default[0] if isinstance(default, tuple) and default else None
        return tuple(_convert(v, item, item_default, f"{path}[{k}]") for k, v in enumerate(value))
    if origin in (dict, Mapping, typing.Mapping, collections.abc.Mapping) or hint in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: must be a mapping, got {value!r}")
        args = typing.get_args(hint)
        if len(args) == 2 and dataclasses.is_dataclass(args[1]):   # dict[str, Spec]: validate each entry
            return {str(k): from_mapping(args[1], v, f"{path}.{k}") for k, v in value.items()}
        return dict(value)
    return value


def from_mapping(cls, data: Mapping[str, Any] | None, path: str):
    """Build dataclass ``cls`` from a mapping, rejecting unknown keys and converting values."""
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: must be a mapping, got {data!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    prefix = f"{path}." if path else ""
    for key in data:
        if key not in fields:
            raise ConfigError(f"{prefix}{key}: unknown field (allowed: {', '.join(fields) or 'none'})")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _convert(data[name], hints.get(name, Any), _default(f), prefix + name)
        elif _default(f) is dataclasses.MISSING:
            raise ConfigError(f"{prefix}{name}: required field missing")
    try:
        return cls(**kwargs)
    except ParamError as err:
        raise ConfigError(f"{prefix}{err.field}: {err.message}") from None


_COMMON = ("ms", "second", "us", "mV", "volt", "nS", "uS", "siemens", "Hz", "kHz", "pA", "nA", "amp",
           "pF", "nF", "farad", "Mohm", "ohm", "mmolar", "molar", "um", "metre")


def format_quantity(q: Quantity) -> str:
    """The shortest string that :func:`parse_quantity` turns back into exactly ``q``."""
    dims = get_dimensions(q)
    if dims is DIMENSIONLESS:
        return repr(float(q))
    unit_of = {u: _unit(u, "") for u in _COMMON}
    units = [str(q.get_best_unit())] + [u for u in _COMMON if get_dimensions(unit_of[u]) is dims]
    units += [f"{a}/{b}" for a in _COMMON for b in ("ms", "second")
              if get_dimensions(unit_of[a] / unit_of[b]) is dims]
    exact = []
    for unit in dict.fromkeys(units):
        try:
            scale = parse_quantity(f"1 {unit}", None, "")
        except ConfigError:
            continue
        text = f"{float(q / scale)!r} {unit}"
        if get_dimensions(scale) is dims and float(parse_quantity(text, dims, "")) == float(q):
            exact.append(text)
    if not exact:
        raise ValueError(f"cannot format {q!r} exactly")
    return min(exact, key=len)


def to_plain(obj: Any) -> Any:
    """Dataclasses/quantities -> YAML-safe plain data (quantities as strings that parse back exactly)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Quantity):
        return format_quantity(obj) if obj.shape == () else [to_plain(Quantity(x, dim=obj.dim)) for x in obj]
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return obj.item()
    return obj


# -- YAML and overrides -------------------------------------------------------------------
def load_yaml(path: str | Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ConfigError(f"config: cannot read {path}: {err.strerror}") from None
    except ValueError:                                  # e.g. a NUL byte in the name
        raise ConfigError(f"config: cannot read {str(path)!r}: not a valid file name") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"config: {path} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config: {path} must hold a mapping at top level")
    return data


def merge(base: Mapping, override: Mapping) -> dict:
    """Deep-merge ``override`` into ``base`` (mappings merge, everything else replaces)."""
    out = dict(base)
    for k, v in override.items():
        out[k] = merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def apply_override(data: dict, assignment: str) -> dict:
    """Apply ``"a.b.c=value"`` (value parsed as YAML scalar/list) to nested plain data."""
    if "=" not in assignment:
        raise ConfigError(f"--set: expected KEY=VALUE, got {assignment!r}")
    key, raw = assignment.split("=", 1)
    parts = key.strip().split(".")
    if not all(parts):
        raise ConfigError(f"--set: bad key {key!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    node = data
    for depth, part in enumerate(parts[:-1]):
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        if not isinstance(nxt, dict):
            raise ConfigError(f"--set {key}: {'.'.join(parts[:depth + 1])} is not a mapping")
        node = nxt
    node[parts[-1]] = value
    return data
