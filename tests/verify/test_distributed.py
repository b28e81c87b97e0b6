"""The Ray engine against a real local Ray instance (2 CPUs): same results, retries, resumes."""

import os
import socket
import sys

import numpy as np
import pandas as pd
import pytest
import superdyn.verify.orchestrate.distributed
from superdyn.theory.errors import MissingDependency
from superdyn.verify import RunConfig, run_sweep
from superdyn.verify.store import ResultStore

ray = pytest.importorskip("ray")  # in the test extra; the error without it is tested below


def _configs():
    base = dict(n_features=48, width=12, a=1.1, lr=1.0, batch_size=64, steps=60, eval_samples=256)
    sup = [RunConfig(model="superposition", seed=s, **base) for s in (0, 1, 2)]
    lin = [
        RunConfig(model="linear", n_features=48, width=48, steps=60, batch_size=64, seed=s) for s in (0, 1)
    ]
    return sup + lin


def _dies_once(marker: str):
    """A Ray task body that, the first time any batch starts, takes the batch's locks and dies
    hard, as a killed worker would; the retried batch (and every other) trains normally."""
    train_batch = superdyn.verify.orchestrate.distributed.train_batch

    def body(config_dicts, store_dir, device_name, threads):
        from pathlib import Path

        if not Path(marker).exists():
            store = ResultStore(store_dir)
            for config in config_dicts:
                store.claim(RunConfig.from_dict(config))
            Path(marker).write_text("a worker died here once, holding its locks\n")
            os._exit(1)
        return train_batch(config_dicts, store_dir, device_name, threads)

    return body  # a closure: Ray ships it to the workers by value


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    marker = tmp_path_factory.mktemp("fault") / "died-once"
    patch = pytest.MonkeyPatch()
    patch.setattr(
        superdyn.verify.orchestrate.distributed, "train_batch", _dies_once(str(marker))
    )  # the first batch dies once
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield marker
    ray.shutdown()
    patch.undo()


def test_ray_matches_local_retries_a_killed_worker_and_resumes(cluster, tmp_path):
    configs = _configs()
    local = run_sweep(configs, tmp_path / "local", device="cpu", max_batch=2, progress=False)
    remote = run_sweep(configs, tmp_path / "ray", device="cpu", max_batch=2, progress=False, engine="ray")
    assert cluster.exists()  # a worker died in its batch ...
    assert sorted(remote.trained) == sorted(local.trained) == sorted(c.run_id() for c in configs)
    for config in configs:  # ... and the retried batch gave the same runs as the local engine
        a = ResultStore(tmp_path / "local").curve(config)
        b = ResultStore(tmp_path / "ray").curve(config)
        assert np.allclose(a["loss"], b["loss"], rtol=1e-6, atol=0)
        assert a["step"].tolist() == b["step"].tolist()
    again = run_sweep(configs, tmp_path / "ray", device="cpu", max_batch=2, progress=False, engine="ray")
    assert again.trained == () and len(again.skipped) == len(configs)  # nothing recomputed
    frame = pd.concat([ResultStore(tmp_path / "ray").curve(c) for c in configs])
    assert np.isfinite(frame["loss"]).all()


def test_a_run_another_live_process_is_training_is_left_to_it(cluster, tmp_path):
    configs = _configs()[3:]  # the two linear runs, one batch
    store = ResultStore(tmp_path / "store")
    held = configs[0]
    # a lock as `superdyn train` takes it: this test process (alive) on this host
    (store.directory / f"{held.run_id()}.lock").write_text(f"{socket.gethostname()} {os.getpid()}")
    first = run_sweep(configs, store, device="cpu", max_batch=2, progress=False, engine="ray")
    assert first.busy == (held.run_id(),) and first.trained == (configs[1].run_id(),)
    assert not store.has(held)  # not trained twice: it was left to its owner
    store.release(held)  # the owner finishes without storing; a later sweep takes it
    second = run_sweep(configs, store, device="cpu", max_batch=2, progress=False, engine="ray")
    assert second.trained == (held.run_id(),) and second.skipped == (configs[1].run_id(),)
    assert not list(store.directory.glob("*.lock"))  # every lock released


def test_engine_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match="engine must be one of"):
        run_sweep(_configs(), tmp_path, engine="dask")
    with pytest.raises(ValueError, match="applies to engine='ray' only"):
        run_sweep(_configs(), tmp_path, address="auto")


def test_without_ray_the_error_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ModuleNotFoundError
    with pytest.raises(MissingDependency, match=r"pip install 'superdyn\[distributed\]'") as caught:
        run_sweep(_configs()[:1], tmp_path, engine="ray", progress=False)
    assert caught.value.exit_code == 6  # the CLI's status for a missing extra
