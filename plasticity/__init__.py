"""Local learning rules as pure Brian2 specifications (imports brian2 only).

``RULES`` maps the YAML name of a rule to ``(ParamsDataclass, builder)``; ``builder(params)``
returns a :class:`plasticity.base.RuleSpec`.
"""
from plasticity.base import RuleSpec, StaticParams, static

RULES = {
    "static": (StaticParams, static),
}


def get_rule(name: str):
    """Return ``(Params, builder)`` for a rule name, or raise KeyError listing the known names."""
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown rule {name!r} (known: {', '.join(sorted(RULES))})") from None


__all__ = ["RULES", "RuleSpec", "get_rule"]
