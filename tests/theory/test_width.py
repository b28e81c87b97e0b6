import numpy as np
import pytest
from superdyn.theory import (
    PowerLaw,
    Task,
    weak_superposition_loss,
    width_exponent_strong,
    width_exponent_weak,
)


def test_weak_superposition_loss_follows_its_exponent():
    task = Task(PowerLaw(2.0), PowerLaw(0.25), n_features=200_000)
    m = np.array([100, 200, 400, 800])
    loss = weak_superposition_loss(task, m)
    slopes = -np.diff(np.log(loss)) / np.diff(np.log(m))
    assert slopes == pytest.approx(width_exponent_weak(2.0, 0.25), abs=2e-2)
    assert weak_superposition_loss(task, 0) == pytest.approx(0.5 * np.sum(task.importance**2 * task.p) / 3)
    assert weak_superposition_loss(task, task.n_features) == 0.0


def test_exponents_and_domain():
    assert width_exponent_weak(2.0) == 1.0
    assert width_exponent_strong() == 1.0
    with pytest.raises(ValueError, match="a \\+ 2b > 1"):
        width_exponent_weak(0.5)
    with pytest.raises(ValueError, match="width must hold"):
        weak_superposition_loss(Task(PowerLaw(2.0), n_features=10), 11)
