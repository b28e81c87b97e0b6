"""The thread policy and the parallel local engine: same runs as one process, failures, resumes."""

import os
import subprocess
import sys

import numba
import pytest
import torch
from superdyn.numerics.threads import cgroup_cpu_limit, usable_cores
from superdyn.theory.errors import InvalidInput
from superdyn.verify.errors import RunFailure
from superdyn.verify.orchestrate import estimate
from superdyn.verify.orchestrate.batch import train_batch
from superdyn.verify.orchestrate.sweep import POOL_MIN_WORK, run_sweep, work
from superdyn.verify.orchestrate.workers import WorkerPool, using_threads
from superdyn.verify.run.config import RunConfig
from superdyn.verify.run.threads import SETTING, ThreadPolicy, apply_threads, thread_policy
from superdyn.verify.store import ResultStore

BASE = dict(model="superposition", n_features=96, width=24, a=1.1, batch_size=64, steps=150, eval_samples=256)
#: Three shapes, seven runs: with max_batch=2, five batches for two workers.
CONFIGS = (
    [RunConfig(**BASE, seed=s) for s in range(3)]
    + [RunConfig(**{**BASE, "width": 12}, seed=s) for s in range(2)]
    + [RunConfig(model="linear", n_features=48, width=48, steps=120, batch_size=16, seed=s) for s in range(2)]
)


def _curves(directory, configs):
    store = ResultStore(directory)
    return {c.run_id(): store.curve(c) for c in configs}


def test_worker_processes_store_the_runs_one_process_computes_bit_for_bit(tmp_path):
    sequential = run_sweep(CONFIGS, tmp_path / "one", device="cpu", max_batch=2, progress=False, threads=1)
    with WorkerPool(2) as pool:
        parallel = run_sweep(CONFIGS, tmp_path / "two", device="cpu", max_batch=2, progress=False, pool=pool)
        again = run_sweep(CONFIGS, tmp_path / "two", device="cpu", max_batch=2, progress=False, pool=pool)
    assert sorted(parallel.trained) == sorted(sequential.trained) == sorted(c.run_id() for c in CONFIGS)
    one, two = _curves(tmp_path / "one", CONFIGS), _curves(tmp_path / "two", CONFIGS)
    for run in one:
        assert one[run].equals(two[run]), run  # every column, every bit
    for run in one:  # the metadata agree too, but for the timings
        a, b = (
            ResultStore(d).metadata(c)
            for d in (tmp_path / "one", tmp_path / "two")
            for c in CONFIGS
            if c.run_id() == run
        )
        assert a["checksums"] == b["checksums"] and a["final_loss"] == b["final_loss"]
    assert again.trained == () and len(again.skipped) == len(CONFIGS)  # resumes: nothing retrained
    assert not list((tmp_path / "two").glob("*.lock"))  # the workers released their locks


def _fails_for_seed_one(config_dicts, store_dir, device_name, threads):
    if any(d["seed"] == 1 for d in config_dicts):
        raise RuntimeError("injected fault")
    return train_batch(config_dicts, store_dir, device_name, threads)


def _dies_for_seed_one(config_dicts, store_dir, device_name, threads):
    if any(d["seed"] == 1 for d in config_dicts):
        os._exit(3)  # as the kernel's OOM killer would end it
    return train_batch(config_dicts, store_dir, device_name, threads)


class _Pool(WorkerPool):
    """A pool whose workers run ``body`` instead of train_batch (a module-level function, so
    that the spawned workers can import it)."""

    def __init__(self, body, workers=2):
        super().__init__(workers)
        self.body = body

    def submit(self, batch, store):
        dicts = [c.to_dict() for c in batch]
        return self._executor.submit(self.body, dicts, str(store.directory), self.device, self.threads)


def test_a_run_that_fails_in_a_worker_is_reported_and_its_batch_mates_go_on(tmp_path, capsys):
    configs = CONFIGS[:3]  # seeds 0, 1, 2 of one shape
    with _Pool(_fails_for_seed_one) as pool, pytest.raises(RuntimeError, match="injected"):
        run_sweep(configs, tmp_path / "strict", device="cpu", max_batch=2, progress=False, pool=pool)
    with _Pool(_fails_for_seed_one) as pool:
        report = run_sweep(
            configs,
            tmp_path,
            device="cpu",
            max_batch=3,
            progress="runs",
            pool=pool,
            on_error="continue",
            label="demo",
        )
    bad = configs[1].run_id()
    assert report.failed == ((bad, "RuntimeError: injected fault"),)
    assert set(report.trained) == {configs[0].run_id(), configs[2].run_id()}  # retried one by one
    err = capsys.readouterr().err
    assert f"demo: run {bad} failed: RuntimeError: injected fault" in err and "demo: 3/3 runs" in err


def test_a_worker_that_dies_stops_the_sweep_and_keeps_what_was_stored(tmp_path):
    configs = [CONFIGS[0], CONFIGS[1]]  # seed 0 trains, seed 1's worker dies
    with _Pool(_dies_for_seed_one, workers=1) as pool, pytest.raises(RunFailure, match="worker process died"):
        run_sweep(configs, tmp_path, device="cpu", max_batch=1, progress=False, pool=pool)
    store = ResultStore(tmp_path)
    assert store.has(configs[0]) and not store.has(configs[1])
    # the dead worker's lock is stale: a new sweep takes it over
    resumed = run_sweep(configs, tmp_path, device="cpu", max_batch=1, progress=False)
    assert resumed.skipped == (configs[0].run_id(),) and resumed.trained == (configs[1].run_id(),)


def test_a_sweep_of_seconds_stays_in_this_process_and_a_large_one_uses_every_core(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr("superdyn.verify.orchestrate.sweep.WorkerPool", lambda *a: started.append(a) or 1 / 0)
    assert sum(map(work, [[c] for c in CONFIGS])) < POOL_MIN_WORK
    run_sweep(CONFIGS, tmp_path, device="cpu", max_batch=2, progress=False, threads=2)
    assert started == []  # small: no workers started
    monkeypatch.setattr("superdyn.verify.orchestrate.sweep.POOL_MIN_WORK", 0)
    with pytest.raises(ZeroDivisionError):
        run_sweep(CONFIGS, tmp_path / "big", device="cpu", max_batch=2, progress=False, threads=2)
    assert started == [(2, 1, "cpu")]  # two workers, one thread each, on the CPU


def test_the_policy_reads_the_argument_then_the_setting_then_the_cores():
    assert thread_policy(3, environ={SETTING: "2"}) == ThreadPolicy(cores=3, source="--threads")
    assert thread_policy(environ={SETTING: " 2 "}) == ThreadPolicy(cores=2, source=SETTING)
    found = thread_policy(environ={})
    assert found.cores == usable_cores() and not found.explicit
    for bad in (0, -1, 2.5, "two", True, 5000):
        with pytest.raises(InvalidInput, match=r"threads must be a whole number in \[1, 4096\]"):
            thread_policy(bad)
    with pytest.raises(InvalidInput, match=f"{SETTING} must be a whole number"):
        thread_policy(environ={SETTING: "all"})


def test_workers_take_one_thread_unless_the_cores_were_given():
    found, given = ThreadPolicy(cores=4, source="usable cores"), ThreadPolicy(cores=4, source="--threads")
    assert [found.workers(n) for n in (0, 1, 3, 9)] == [1, 1, 3, 4]
    assert found.workers(9, torch.device("cuda")) == 1
    assert [found.threads(w) for w in (1, 2, 4)] == [1, 1, 1]
    assert [given.threads(w) for w in (1, 2, 3, 4)] == [4, 2, 1, 1]
    assert found.describe(2) == "2 workers x 1 thread (4 usable cores)"
    assert given.describe(1) == "1 worker x 4 threads (--threads 4)"
    assert ThreadPolicy(cores=2, source=SETTING).describe(2) == "2 workers x 1 thread (SUPERDYN_THREADS=2)"


def test_usable_cores_reads_affinity_and_both_cgroup_versions(tmp_path):
    (tmp_path / "cpu.max").write_text("250000 100000\n")
    assert cgroup_cpu_limit(tmp_path) == 2.5
    assert usable_cores(affinity=set(range(8)), cgroup_root=tmp_path) == 3
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_cpu_limit(tmp_path) is None
    assert usable_cores(affinity={0, 1, 2}, cgroup_root=tmp_path) == 3
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("50000\n")
    assert usable_cores(affinity={0, 1, 2}, cgroup_root=tmp_path) == 1  # half a CPU: one core
    assert cgroup_cpu_limit(tmp_path / "nothing here") is None


def test_threads_are_applied_to_torch_and_numba_and_restored():
    before = torch.get_num_threads(), numba.get_num_threads()
    with using_threads(1):
        assert torch.get_num_threads() == 1 and numba.get_num_threads() == 1
    assert (torch.get_num_threads(), numba.get_num_threads()) == before
    try:
        assert apply_threads(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before[0])
        numba.set_num_threads(before[1])


def test_the_estimate_assigns_batches_largest_first_to_the_least_loaded_worker(monkeypatch):
    monkeypatch.setattr(estimate, "batch_seconds", lambda batches, device: [2.0, 4.0, 3.0, 3.0])
    assert estimate.estimate_seconds([None] * 4, "cpu") == 12.0
    # 4 -> w1; 3 -> w2; 3 -> w2 (6); 2 -> w1 (6): both end at 6
    assert estimate.estimate_seconds([None] * 4, "cpu", workers=2) == 6.0 + estimate.WORKER_START_SECONDS
    assert estimate.estimate_seconds([None] * 4, "cpu", workers=8) == 4.0 + estimate.WORKER_START_SECONDS


def test_the_estimate_grows_with_the_steps():
    short = [RunConfig(**{**BASE, "steps": 200})]
    long = [RunConfig(**{**BASE, "steps": 20_000})]
    small, large = estimate.batch_seconds([short, long], "cpu")
    assert 0 < small < large  # one probe serves both (same shape), so this compares the formula's steps


def test_the_cli_refuses_bad_threads_and_reproduce_says_what_it_uses(tmp_path):
    env = {**os.environ, SETTING: "0"}
    cli = [sys.executable, "-m", "superdyn"]
    bad = subprocess.run(
        [*cli, "curve", "power-law", "--a", "1.5", "--points", "3"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "SUPERDYN_THREADS must be a whole number in [1, 4096], got '0'" in bad.stderr
    bad = subprocess.run(
        [*cli, "train", "--model", "linear", "--threads", "0", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "threads must be a whole number" in bad.stderr
    done = subprocess.run(
        [*cli, "reproduce", "fig3", "--scale", "tiny", "--out", str(tmp_path / "r"), "--threads", "1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith("superdyn reproduce tiny: ") and "cpu, 1 worker x 1 thread (--threads 1)" in first
    assert "estimated about" in first
