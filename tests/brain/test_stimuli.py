"""Poisson stimuli attached to ports drive the targeted population."""
from brian2 import Hz, ms, nS

from brain.backends import configure
from brain.brain import Brain
from brain.schema import build_config
from brain.stimuli import poisson_input


def test_poisson_input_drives_target_port():
    cfg = build_config({"seed": 2, "regions": {"c": {"type": "cortex", "n_exc": 80, "n_inh": 20, "rate_ext": "0 Hz"}}})
    b = Brain(cfg, configure("numpy"))
    group, syn = poisson_input(b, "c.exc", n=50, weight=2 * nS, p=0.5)
    b.run(100 * ms)
    silent = len(b.spikes()["c.exc"]["t"])
    group.rates = 40 * Hz
    b.run(200 * ms)
    assert silent == 0
    assert len(b.spikes()["c.exc"]["t"]) > 20
    assert syn.target is b.regions["c"].groups["exc"]
