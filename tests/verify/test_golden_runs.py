"""The training revision guards stored runs: a change of the trainer's numbers needs a new revision."""

import json

import pytest
from golden_runs import CONFIGS, GOLDEN, differences, record
from superdyn.verify.run.config import TRAINING_REVISION, RunConfig


@pytest.fixture(scope="module")
def golden():
    return json.loads(GOLDEN.read_text())


def test_the_golden_runs_are_of_this_training_revision(golden):
    assert golden["training_revision"] == TRAINING_REVISION, (
        f"TRAINING_REVISION is {TRAINING_REVISION} but the golden runs are of revision "
        f"{golden['training_revision']}: regenerate them (python tests/verify/golden_runs.py)"
    )


@pytest.mark.parametrize("model", sorted(CONFIGS))
def test_the_trainer_computes_the_golden_numbers(golden, model):
    stored = golden["runs"][model]
    config = CONFIGS[model]
    assert RunConfig.from_dict(stored["config"]) == config
    problems = differences(stored, record(config))
    assert not problems, (
        f"the {model} run's numbers changed under training revision {TRAINING_REVISION}: "
        + "; ".join(problems)
        + ". If the change is intended, raise TRAINING_REVISION (superdyn.verify.run.config) and "
        "regenerate the golden runs (python tests/verify/golden_runs.py); stored runs are then retrained."
    )


def test_a_changed_output_is_caught(golden):
    # the comparison is not vacuous: another seed (the same shapes and code) is a different output
    stored = golden["runs"]["superposition"]
    changed = record(CONFIGS["superposition"].replace(seed=CONFIGS["superposition"].seed + 1))
    assert any("differs" in p for p in differences(stored, changed))
    # and a perturbation of one number at 1e-6 relative is caught, one at rounding level is not
    loss = stored["curve"]["loss"]
    nudged = {**stored, "curve": {**stored["curve"], "loss": [loss[0] * (1 + 1e-6), *loss[1:]]}}
    assert differences(stored, nudged)
    rounded = {**stored, "curve": {**stored["curve"], "loss": [loss[0] * (1 + 1e-15), *loss[1:]]}}
    assert not differences(stored, rounded)


def test_the_run_id_names_the_training_revision():
    config = CONFIGS["linear"]
    assert config.run_id() == config.run_id_at(TRAINING_REVISION)
    assert config.run_id_at(TRAINING_REVISION + 1) != config.run_id()


def test_a_field_added_later_keeps_the_ids_of_runs_stored_before_it(golden):
    # the golden configurations were stored before RunConfig had ``readout``: their dicts, and so
    # their ids, are unchanged; a non-default read-out is another run
    for entry in golden["runs"].values():
        config = RunConfig.from_dict(entry["config"])
        assert config.to_dict() == entry["config"]
    config = RunConfig.from_dict(golden["runs"]["superposition"]["config"])
    assert config.replace(readout="relu").run_id() != config.run_id()
    assert RunConfig.from_dict(config.replace(readout="linear").to_dict()).readout == "linear"
