"""Property-based fuzzing of validation (hypothesis): mutated shipped configs and mutated CLI
arguments either validate or fail with one line naming the field (exit 2) -- never a traceback or
a hang. The exhaustive report is ``python -m tests.brain.fuzz`` (see that module)."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brain.registry import experiment_names
from tests.brain.fuzz import (CLI_FLAGS, CLI_VALUES, MUTATIONS, check, cli_argv, cli_ok, default_config,
                              mutate, names_mutation, paths, run_cli)

NAMES = experiment_names()
FAST = settings(max_examples=150, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(name=st.sampled_from(NAMES), data=st.data())
def test_mutated_config_validates_or_names_the_field(name, data):
    base = default_config(name)
    path = data.draw(st.sampled_from(paths(base)))
    mutation = data.draw(st.sampled_from(MUTATIONS))
    mutated = mutate(base, path, mutation)
    if mutated is None:
        return
    status, message = check(name, mutated)          # any exception but ConfigError fails the test
    assert status == "ok" or names_mutation(message, path, mutation), (path, mutation, message)


@settings(max_examples=40, deadline=30_000, suppress_health_check=[HealthCheck.too_slow])
@given(cmd=st.sampled_from(sorted(CLI_FLAGS)), data=st.data())
def test_mutated_cli_argument_exits_0_or_2_with_one_line(cmd, data):
    flag = data.draw(st.sampled_from(CLI_FLAGS[cmd]))
    value = data.draw(st.one_of(st.sampled_from(CLI_VALUES), st.text(max_size=12)))
    if flag == "DIR" and value.strip() in ("", "/", ".", ".."):   # real directories: exports what lies below
        value = "/nonexistent-run-dir"
    rc, stderr = run_cli(cli_argv(cmd, flag, value))
    assert cli_ok(cmd, rc, stderr), (flag, value, rc, stderr)


@pytest.mark.parametrize("argv, message", [
    (["sweep", "cortex_ai", "--seeds", "1-99999999999", "--dry-run"], "brain: --seeds: seeds must lie in"),
    (["sweep", "cortex_ai", "--workers", "0", "--dry-run"], "brain: --workers: must be a positive integer"),
    (["run", "cortex_ai", "--set", "regions.cortex.n_exc=1000000000", "--dry-run"],
     "brain: regions.cortex: about 1e+09 neurons, over the size budget"),
    (["run", "cortex_ai", "--duration", "1e9 s", "--dry-run"], "brain: duration: "),
    (["run", "reversal_learning", "--set", "regions.cue.type=[1]", "--dry-run"], "brain: regions.cue.type: unknown"),
    (["run", "two_step", "--set", "experiment.agents=planner", "--dry-run"],
     "brain: experiment.agents: must be a list of mb, mf, hybrid"),
    (["run", "two_step", "--set", "experiment.model_learning=sometimes", "--dry-run"],
     "brain: experiment.model_learning: must be one of ['always', 'forced']"),
    (["run", "two_step", "--set", "experiment.protocol=daw", "--dry-run"],
     "brain: experiment.protocol: must be one of ['revaluation', 'stay']"),
    (["run", "two_step", "--set", "experiment.drift_bounds=[0.8,0.2]", "--dry-run"],
     "brain: experiment.drift_bounds: must be [low, high]"),
    (["describe", "reversal_learning", "--config", "\x00"], "brain: config: cannot read '\\x00': not a valid file name"),
])
def test_known_bad_inputs(argv, message):
    rc, stderr = run_cli(argv)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert rc == 2 and len(lines) == 1 and lines[0].startswith(message), stderr
