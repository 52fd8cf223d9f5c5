"""A poisson stimulus outside a session drives the targeted port."""
from brian2 import Hz, ms, nS

from brain.backends import configure
from brain.brain import Brain
from brain.schema import build_config
from brain.trials.stimulus import poisson_stimulus


def test_poisson_stimulus_drives_target_port():
    cfg = build_config({"seed": 2, "regions": {"c": {"type": "cortex", "n_exc": 80, "n_inh": 20, "rate_ext": "0 Hz"}}})
    b = Brain(cfg, configure("numpy"))
    stim = poisson_stimulus(b, "c.exc", n=50, weight=2 * nS, p=0.5, rate=40 * Hz)
    b.run(100 * ms)
    silent = len(b.spikes()["c.exc"]["t"])
    stim.on()
    b.run(200 * ms)
    assert silent == 0
    assert len(b.spikes()["c.exc"]["t"]) > 20
    assert stim.synapses.target is b.regions["c"].groups["exc"]
