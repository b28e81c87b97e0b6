"""Golden runs: what the training code computes, pinned to the training revision that computed it.

A few tiny float64 runs, one per model, whose curves and arrays are stored in
``golden/training.json`` with the :data:`~superdyn.verify.run.config.TRAINING_REVISION`
that made them. ``test_golden_runs.py`` retrains them: a change of the numbers without a
new revision fails (a stored run would otherwise be reused with different code), a refactor
(the same numbers) passes.

After raising ``TRAINING_REVISION`` for a change of the numbers, regenerate with::

    python tests/verify/golden_runs.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from superdyn.verify.run.config import TRAINING_REVISION, RunConfig
from superdyn.verify.run.trainer import train

GOLDEN = Path(__file__).with_name("golden") / "training.json"

_COMMON = dict(dtype="float64", eval_samples=256, points_per_decade=10)
#: One configuration per model and optimiser rule; small enough to train in well under a second.
CONFIGS = {
    "linear": RunConfig(
        model="linear",
        n_features=16,
        width=16,
        a=1.5,
        b=0.25,
        lr=1.0,
        batch_size=8,
        steps=60,
        seed=3,
        **_COMMON,
    ),
    "superposition": RunConfig(
        model="superposition",
        n_features=24,
        width=8,
        a=1.1,
        lr=0.5,
        batch_size=16,
        steps=60,
        seed=1,
        per_feature=True,
        **_COMMON,
    ),
    "learnable": RunConfig(
        model="learnable",
        n_features=24,
        width=8,
        a=1.5,
        b=0.25,
        lr=0.5,
        batch_size=16,
        steps=60,
        seed=2,
        **_COMMON,
    ),
    "autoencoder": RunConfig(
        model="autoencoder",
        n_features=24,
        width=8,
        a=1.1,
        lr=0.01,
        batch_size=16,
        steps=60,
        seed=4,
        optimizer="adamw",
        weight_decay=-0.1,
        warmup_steps=5,
        value_max=2.0,
        **_COMMON,
    ),
}


def record(config: RunConfig) -> dict:
    """Train ``config`` alone on the CPU: its status, curve columns and arrays as lists."""
    (result,) = train([config], device="cpu", progress=False)
    curve = {name: np.asarray(values, dtype=float).tolist() for name, values in result.curve.items()}
    arrays = {
        name: np.asarray(values, dtype=float).tolist() for name, values in sorted(result.arrays.items())
    }
    return {"status": result.status, "curve": curve, "arrays": arrays}


def differences(expected: dict, found: dict, rtol: float = 1e-9) -> list[str]:
    """What differs between two records beyond rounding (relative ``rtol`` of each column's scale)."""
    problems = []
    if expected["status"] != found["status"]:
        problems.append(f"status {found['status']!r}, golden {expected['status']!r}")
    for part in ("curve", "arrays"):
        if set(expected[part]) != set(found[part]):
            problems.append(f"{part} names {sorted(found[part])}, golden {sorted(expected[part])}")
            continue
        for name, golden in expected[part].items():
            a, b = np.asarray(golden, dtype=float), np.asarray(found[part][name], dtype=float)
            if a.shape != b.shape:
                problems.append(f"{part}[{name!r}] has shape {b.shape}, golden {a.shape}")
                continue
            scale = np.nanmax(np.abs(a)) if a.size and np.isfinite(a).any() else 1.0
            off = np.abs(a - b)
            if not np.array_equal(np.isnan(a), np.isnan(b)) or np.nanmax(off, initial=0.0) > rtol * scale:
                problems.append(
                    f"{part}[{name!r}] differs by up to {np.nanmax(off, initial=0.0):.3g} (scale {scale:.3g})"
                )
    return problems


def main() -> None:
    golden = {
        "training_revision": TRAINING_REVISION,
        "runs": {model: {"config": config.to_dict(), **record(config)} for model, config in CONFIGS.items()},
    }
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(golden, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {GOLDEN} (training revision {TRAINING_REVISION}, {len(CONFIGS)} runs)")


if __name__ == "__main__":
    main()
