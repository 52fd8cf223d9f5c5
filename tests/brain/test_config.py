"""Config loading: strict units, unknown keys, bounds, dotted overrides; errors name the field."""
from dataclasses import dataclass

import pytest
from brian2 import Hz, mV, ms, nS, second

from brain.config import ConfigError, apply_override, from_mapping, load_yaml, parse_quantity
from brain.schema import build_config
from plasticity.params import check_positive_int, quantity


@pytest.mark.parametrize("text, expected", [
    ("20 ms", 20 * ms), ("0.5 nS", 0.5 * nS), ("1e-3 s", 1 * ms), ("15 Hz", 15 * Hz),
    ("-65 mV", -65 * mV), ("2 s", 2 * second), ("1 mV/ms", 1 * mV / ms),
])
def test_parse_quantity_accepts_units(text, expected):
    q = parse_quantity(text, expected.dim, "x")
    assert float(abs(q - expected)) <= 1e-12 * abs(float(expected))


@pytest.mark.parametrize("text, msg", [
    ("20 mV", "wrong units"), ("20", "needs a unit"), ("20 parsecs", "unknown unit"),
    ("__import__('os')", "cannot parse"), ("20 ms; 3", "cannot parse"),
])
def test_parse_quantity_rejects(text, msg):
    with pytest.raises(ConfigError, match=msg) as err:
        parse_quantity(text, ms.dim, "regions.cortex.tau_ampa")
    assert str(err.value).startswith("regions.cortex.tau_ampa:")


def _cfg(**regions):
    return {"regions": regions}


def test_unknown_key_names_full_path():
    with pytest.raises(ConfigError) as err:
        build_config(_cfg(cortex={"n_exx": 10}))
    assert str(err.value).startswith("regions.cortex.n_exx: unknown field")


def test_negative_size_message():
    with pytest.raises(ConfigError) as err:
        build_config(_cfg(cortex={"n_exc": -5}))
    assert str(err.value) == "regions.cortex.n_exc: must be a positive integer, got -5"


def test_probability_out_of_range():
    with pytest.raises(ConfigError, match=r"^regions.cortex.p_connect: must be a probability"):
        build_config(_cfg(cortex={"p_connect": 1.5}))


def test_projection_validation():
    base = _cfg(a={"type": "cortex"}, b={"type": "cortex"})
    with pytest.raises(ConfigError, match=r"^projections.a->b.p: must be a probability"):
        build_config({**base, "projections": {"a->b": {"p": -0.1, "weight": "1 nS"}}})
    with pytest.raises(ConfigError, match=r"^projections.a->c: post region 'c'"):
        build_config({**base, "projections": {"a->c": {"weight": "1 nS"}}})
    with pytest.raises(ConfigError, match=r"^projections.a->b.rule: unknown rule"):
        build_config({**base, "projections": {"a->b": {"weight": "1 nS", "rule": "backprop"}}})
    with pytest.raises(ConfigError, match=r"^projections.ab: label must look like"):
        build_config({**base, "projections": {"ab": {"weight": "1 nS"}}})


def test_top_level_fields():
    with pytest.raises(ConfigError, match=r"^backend: must be one of"):
        build_config({"backend": "gpu"})
    with pytest.raises(ConfigError, match=r"^duration: wrong units"):
        build_config({"duration": "3 mV"})
    with pytest.raises(ConfigError, match=r"^regions.x.type: unknown region type 'nope'"):
        build_config(_cfg(x={"type": "nope"}))
    cfg = build_config({"seed": 7, "duration": "0.5 s", **_cfg(cortex={"n_exc": 40, "n_inh": 10})})
    assert cfg.seed == 7 and float(cfg.duration) == 0.5 and cfg.regions["cortex"].params.n_exc == 40


def test_dotted_override_and_types():
    data = {"regions": {"cortex": {"n_exc": 100}}}
    apply_override(data, "regions.cortex.n_exc=8000")
    apply_override(data, "regions.cortex.w_exc=0.3 nS")
    cfg = build_config(data)
    assert cfg.regions["cortex"].params.n_exc == 8000
    assert float(cfg.regions["cortex"].params.w_exc) == pytest.approx(0.3e-9)
    with pytest.raises(ConfigError, match=r"^regions.cortex.n_exc: must be an integer"):
        build_config(apply_override(data, "regions.cortex.n_exc=many"))
    with pytest.raises(ConfigError, match="--set: expected KEY=VALUE"):
        apply_override({}, "seed")


def test_config_is_frozen():
    cfg = build_config(_cfg(cortex={}))
    with pytest.raises(Exception):
        cfg.seed = 3  # type: ignore[misc]


def test_yaml_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_yaml(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_yaml(tmp_path / "missing.yaml")
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("a: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ConfigError):
        load_yaml(unsafe)


@dataclass(frozen=True)
class _Nested:
    n: int = 3
    tau: object = quantity(5 * ms)

    def __post_init__(self):
        check_positive_int(self, "n")


def test_from_mapping_generic():
    obj = from_mapping(_Nested, {"tau": "7 ms"}, "experiment")
    assert obj.n == 3 and float(obj.tau) == pytest.approx(7e-3)
    with pytest.raises(ConfigError, match=r"^experiment.n: must be a positive integer"):
        from_mapping(_Nested, {"n": 0}, "experiment")
    with pytest.raises(ConfigError, match=r"^experiment: must be a mapping"):
        from_mapping(_Nested, [1, 2], "experiment")
