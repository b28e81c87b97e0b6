"""The hostile-user probes, kept: text that must never run or hang, busy and damaged stores,
read-side failures, strict JSON and extreme values. Each family is one parametrised test."""

import json
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from superdyn.theory import AlgebraicEdge, Custom, InvalidInput, PowerLaw, ScalingLaw, Task, derive
from superdyn.theory.expressions import parse_expression
from superdyn.theory.scaling_law import finite_size_exponent

CANARY = Path("/tmp") / f"superdyn-probe-canary-{os.getpid()}"
#: Text that would run Python if it reached eval or sympify.
PAYLOADS = [
    f"__import__('os').system('touch {CANARY}')",
    "log.eval.__globals__['__builtins__']['exec']('1')",
    "(lambda: 1)()",
    "[x for x in (1,)]",
    "z.__class__.__mro__",
    "exec('import os')",
    "eval('1+1')",
    "getattr(z, 'subs')",
    "open('/etc/passwd')",
    "'text'",
    "z if z else 1",
    "z < 1",
    "exp(x=1)",
    "exp(*z)",
    "_z + 1",
    "Symbol('z')",
    "sympify('z')",
    "Function('f')(z)",
    "z[0]",
    "{z: 1}",
]
#: Text that would exhaust recursion, memory or time if parsed or computed naively.
OVERSIZED = [
    "+".join(["z"] * 999),
    "-" * 1990 + "z",
    "**".join(["z"] * 600),
    "(" * 250 + "z" + ")" * 250,
    "exp(" * 100 + "z" + ")" * 100,
    "(((2**1000)**1000)**1000)**1000*z**-2",
    "9**9**9*z**-2",
    "10**(10**100)*z",
    "gamma(9999)*z**-2",
    "zeta(-100000)*z**-2",
    "1" * 60 + "*z**-2",
    "z" * 3000,
]
TIMEOUTS = [1e300, math.inf, -math.inf, math.nan, "5", 0, -1, True, 1e6, [1]]


def _entry_points(text):
    """Every public door that takes an expression as text."""
    z = sp.Symbol("z", positive=True)
    law = derive(z**-2, z**-2 / 2, z, timeout=None)
    return {
        "derive(rate)": lambda: derive(text, "z**-2/2", "z", timeout=None),
        "derive(weight)": lambda: derive("z**-2", text, "z", timeout=None),
        "derive(edge)": lambda: derive("z**-2", "z**-2/2", "z", edge=text, timeout=None),
        "Custom": lambda: Custom(text, "z"),
        "ScalingLaw(edge)": lambda: ScalingLaw(**{**law.__dict__, "edge": text}),
        "ScalingLaw(alpha)": lambda: ScalingLaw(**{**law.__dict__, "alpha": text}),
        "parse_expression": lambda: parse_expression(text),
    }


@pytest.mark.parametrize("text", PAYLOADS)
def test_no_text_runs_as_python(text):
    for door, call in _entry_points(text).items():
        with pytest.raises(ValueError):
            call()
        assert not CANARY.exists(), f"{door} ran {text!r}"


@pytest.mark.parametrize("text", OVERSIZED)
def test_oversized_text_is_refused_quickly_by_every_door(text):
    for door, call in _entry_points(text).items():
        start = time.perf_counter()
        with pytest.raises(InvalidInput, match=r"refused|not valid"):
            call()
        assert time.perf_counter() - start < 5, door


@pytest.mark.parametrize("timeout", TIMEOUTS, ids=repr)
def test_a_timeout_is_a_finite_positive_number_of_seconds(timeout):
    with pytest.raises(InvalidInput, match="timeout must be a number of seconds"):
        derive("z**-2", "z**-2/2", "z", timeout=timeout)


#: one thread per process: these tests run beside others (superdyn does not choose its threads yet)
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}


def _cli(*args, cwd=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "superdyn", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=ENV,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["derive", "--rate", "+".join(["z"] * 999), "--weight", "z"],
        ["derive", "--rate", "z**-2", "--weight", "z**-2/2", "--timeout", "1e300"],
        ["derive", "--rate", "gamma(9999)*z**-2", "--weight", "z**-2/2"],
        [
            "derive",
            "--rate",
            "z**-2",
            "--weight",
            "z**-2/2",
            "--edge",
            f"__import__('os').system('touch {CANARY}')",
        ],
        ["curve", "power-law", "--a", "1.5", "--out", "/nonexistent/dir/x.csv"],
    ],
    ids=["nesting", "timeout", "digits", "edge-payload", "unwritable-out"],
)
def test_the_cli_refuses_in_one_line(args):
    result = _cli(*args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("superdyn: error:")
    assert "Traceback" not in result.stderr and not CANARY.exists()


# -- the store: busy runs, locks, damage, read-side failures --------------------------------------
TRAIN = [
    "train",
    "--model",
    "linear",
    "--features",
    "16",
    "--steps",
    "20",
    "--batch-size",
    "32",
    "--seeds",
    "0",
    "1",
    "--quiet",
]


def _lock_of(store: Path, seed: int) -> Path:
    from superdyn.verify.run.config import RunConfig

    config = RunConfig(model="linear", n_features=16, width=16, steps=20, batch_size=32, seed=seed)
    return store / f"{config.run_id()}.lock"


@pytest.mark.parametrize("lock", ["live process", "empty, young", "unreadable, young"])
def test_a_busy_run_is_reported_not_crashed_on(tmp_path, lock):
    store = tmp_path / "store"
    store.mkdir()
    path = _lock_of(store, 1)
    if lock == "live process":
        path.write_text(f"{socket.gethostname()} {os.getppid()}")
    elif lock == "empty, young":
        path.write_text("")
    else:
        path.write_bytes(b"\xff\xfe\x00")
    result = _cli(*TRAIN, "--out", str(store))
    assert result.returncode == 7, result.stderr
    assert (
        "Traceback" not in result.stderr
        and "1 of 2 runs are being trained by another process" in result.stderr
    )
    if lock == "live process":
        assert f"process {os.getppid()}" in result.stderr
    runs = json.loads(result.stdout)["runs"]
    assert [r["status"] for r in runs] == ["completed", "busy"]


def test_an_old_empty_lock_is_taken_over(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    path = _lock_of(store, 1)
    path.write_text("")
    old = time.time() - 3600
    os.utime(path, (old, old))
    result = _cli(*TRAIN, "--out", str(store))
    assert result.returncode == 0, result.stderr
    assert [r["trained_now"] for r in json.loads(result.stdout)["runs"]] == [True, True]


def test_two_identical_train_commands_train_every_run_once(tmp_path):
    store = tmp_path / "store"
    command = [
        sys.executable,
        "-m",
        "superdyn",
        *TRAIN,
        "--steps",
        "3000",
        "--wait",
        "300",
        "--out",
        str(store),
    ]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outs = [p.communicate(timeout=600) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], [o[1] for o in outs]
    runs = [json.loads(out)["runs"] for out, _ in outs]
    for seed in (0, 1):  # each run trained by exactly one of the two, and both report it completed
        assert sorted(r[seed]["trained_now"] for r in runs) == [False, True]
        assert {r[seed]["status"] for r in runs} == {"completed"}


@pytest.fixture(scope="module")
def tiny_reproduction(tmp_path_factory):
    out = tmp_path_factory.mktemp("probe") / "tiny"
    result = _cli("reproduce", "fig11", "fig9", "--scale", "tiny", "--out", str(out), "--quiet", timeout=600)
    assert result.returncode == 0, result.stderr
    return out


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize(
    "damage", ["json is a directory", "figures is a file", "garbage manifest", "binary manifest"]
)
def test_read_side_failures_are_one_line_naming_the_file(tiny_reproduction, tmp_path, damage):
    out = _copy(tiny_reproduction, tmp_path / "copy")
    if damage == "json is a directory":
        meta = next((out / "runs").glob("*.json"))
        meta.unlink()
        meta.mkdir()
        result = _cli("plot", str(out / "runs"), "--out", str(tmp_path / "p.png"))
        assert result.returncode == 0 and "Traceback" not in result.stderr  # the other run is drawn
        assert f"{meta.name} is damaged or not a run's metadata; skipped" in result.stderr
        return
    elif damage == "figures is a file":
        import shutil

        shutil.rmtree(out / "figures")
        (out / "figures").write_text("not a folder")
        result, named = _cli("report", str(out)), "figures"
    else:
        (out / "manifest.json").write_bytes(
            b"{not json" if damage == "garbage manifest" else b"\xff\xfe\x00\x01"
        )
        result, named = _cli("report", str(out)), "manifest.json"
    assert result.returncode in (2, 5), result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert named in result.stderr


def _strict(text: str):
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_every_json_superdyn_writes_is_strict(tiny_reproduction):
    written = sorted(tiny_reproduction.rglob("*.json"))
    assert len(written) >= 4  # claims, manifest, every run's metadata
    for path in written:
        _strict(path.read_text())
    committed = Path(__file__).resolve().parents[2] / "docs" / "results"
    for path in committed.rglob("*.json"):
        _strict(path.read_text())


# -- extreme values ---------------------------------------------------------------------------------
def test_a_law_at_the_largest_times_stays_in_log_space():
    law = Task(PowerLaw(1.1), n_features=10**12).scaling_law()
    near, far = law.loss([8e307, 1e308])
    assert 0 < far < near and far == pytest.approx(near * (8e307 / 1e308) ** float(law.alpha), rel=1e-9)
    curve = law.curve([1e3, 1e25], n_features=1024)
    assert np.all(np.isfinite(curve.log_loss)) and curve.log_loss[1] < -1e20


@pytest.mark.parametrize("t", [1e10, 1e19, 1e22, 1e30])
def test_the_finite_size_exponent_keeps_its_precision(t):
    import mpmath

    alpha, rate = 0.5, 1e-3
    with mpmath.workdps(80):
        y = 2 * mpmath.mpf(t) * rate
        exact = float(alpha + mpmath.exp(alpha * mpmath.log(y) - y) / mpmath.gammainc(alpha, y))
    assert finite_size_exponent(alpha, rate, [t])[0] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Task(PowerLaw(1.1), value_max=1e155),
        lambda: Task(AlgebraicEdge(1e308), n_features=10**12),
        lambda: __import__("superdyn.theory", fromlist=["x"]).prefactor_power_law(1e308),
    ],
    ids=["value_max", "edge power", "prefactor underflow"],
)
def test_extremes_are_refused_quickly(make):
    start = time.perf_counter()
    with pytest.raises(ValueError):
        make()
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    "option", [{"init_scale": 1e30}, {"embedding": "orthogonal"}, {"weight_decay": 0.1}, {"warmup_steps": 5}]
)
def test_options_a_linear_sgd_run_ignores_are_refused(option):
    from superdyn.verify.run.config import RunConfig

    with pytest.raises(InvalidInput, match="has no effect"):
        RunConfig(model="linear", n_features=16, width=16, **option)


def test_no_user_text_reaches_sympify():
    # every sympify in the packages takes a sympy object or a number, and says so where it is called;
    # text goes through superdyn.theory.expressions.parse_expression
    root = Path(__file__).resolve().parents[2]
    calls = []
    for folder in ("superdyn", "theory", "numerics", "verify"):
        for path in (root / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if "sympify(" in line and not line.lstrip().startswith(("#", ">>>")):
                    calls.append((f"{path.relative_to(root)}:{number}", line))
    assert calls  # the scan sees the calls there are
    unmarked = [where for where, line in calls if "# safe:" not in line]
    assert not unmarked, f"sympify without a '# safe: <why it is not text>' note: {unmarked}"
