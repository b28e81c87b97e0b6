"""The public names other layers rely on, pinned, and the layer direction."""

import pathlib
import re

import pytest

from superdyn import numerics, theory, verify

THEORY_API = {
    "PROFILES",
    "AlgebraicEdge",
    "ClusteredLimit",
    "Constant",
    "Custom",
    "DerivationError",
    "InvalidInput",
    "MissingDependency",
    "SuperdynError",
    "IsotropicLimit",
    "LossCurve",
    "ModeSpectrum",
    "OnlineSGD",
    "PhaseDiagram",
    "PowerLaw",
    "Profile",
    "ScalingLaw",
    "StretchedExponential",
    "Task",
    "alpha_algebraic",
    "alpha_exponential",
    "alpha_power_law",
    "clustered_limit",
    "contiguous_clusters",
    "derive",
    "finite_size_exponent",
    "isotropic_limit",
    "log_power_exponential",
    "make_profile",
    "phase_diagram",
    "prefactor_algebraic",
    "prefactor_exponential",
    "prefactor_power_law",
    "sgd_lr_limit",
    "weak_superposition_loss",
    "width_exponent_strong",
    "width_exponent_weak",
}


NUMERICS_API = {
    "ExponentRow",
    "ExponentTable",
    "FitError",
    "FlooredPowerLawFit",
    "LocalExponentProfile",
    "LossCurve",
    "PowerLawFit",
    "WindowSensitivity",
    "exact_loss",
    "exact_loss_mpmath",
    "find_window",
    "fit_power_law",
    "fit_power_law_with_floor",
    "linear_superposition",
    "local_exponent_profile",
    "matching_windows",
    "power_law_exponent_table",
    "sgd_loss",
    "sgd_loss_dense",
    "sgd_stability_limit",
    "spectral_loss",
    "spectral_loss_mpmath",
    "superposition_modes",
    "window_sensitivity",
}


def test_numerics_api_is_pinned():
    assert set(numerics.__all__) == NUMERICS_API
    assert all(hasattr(numerics, name) for name in NUMERICS_API)


VERIFY_API = {
    "MODEL_NAMES",
    "CorruptResultWarning",
    "ResultStore",
    "RunConfig",
    "RunResult",
    "SweepReport",
    "load_results",
    "resolve_device",
    "run_sweep",
    "train",
    "EXPERIMENTS",
    "Claim",
    "ExponentMeasurement",
    "Reproduction",
    "get_experiment",
    "measure_exponent",
    "reproduce",
    "write_report",
}


def test_verify_api_is_pinned():
    assert set(verify.__all__) == VERIFY_API
    assert all(hasattr(verify, name) for name in VERIFY_API)


def test_theory_api_is_pinned():
    assert set(theory.__all__) == THEORY_API
    assert all(hasattr(theory, name) for name in THEORY_API)


def test_layers_point_one_way():
    root = pathlib.Path(theory.__file__).parent.parent
    forbidden = {
        "theory": r"^\s*(import|from)\s+(superdyn\.numerics|superdyn\.verify|torch|numba|scipy)\b",
        "numerics": r"^\s*(import|from)\s+(superdyn\.verify|torch)\b",
    }
    for package, pattern in forbidden.items():
        for path in (root / package).rglob("*.py"):
            assert not re.search(pattern, path.read_text(), re.M), path


def test_wide_result_types_are_built_by_keyword_only():
    # a reordered field must not silently swap numbers: positional construction is refused
    import dataclasses

    from superdyn.verify.analyse.claims import Claim
    from superdyn.verify.analyse.measure import ExponentMeasurement, FitResult
    from superdyn.verify.orchestrate.sweep import SweepReport
    from superdyn.verify.reproduction import Reproduction
    from superdyn.verify.run.trainer import RunResult

    for kind in (Claim, ExponentMeasurement, FitResult, Reproduction, SweepReport, RunResult):
        fields = dataclasses.fields(kind)
        assert all(f.kw_only for f in fields), kind.__name__
        with pytest.raises(TypeError):
            kind(*range(len(fields)))


def test_names_renamed_before_0_5_are_gone():
    from superdyn.verify import experiments

    task = theory.Task(theory.PowerLaw(1.5), channels=theory.PowerLaw(0.5), n_features=8)
    assert task.importance[1] == pytest.approx(2**-0.5)
    for owner, name in ((task, "channel"), (experiments, "Results"), (theory.ScalingLaw, "evaluate")):
        assert not hasattr(owner, name), name  # listed in CHANGELOG's renames, no shims


#: verify's layers (folders), each with the layers it may import; the top modules (reproduction,
#: report) and the CLI compose them all.
VERIFY_LAYERS = {
    "run": set(),
    "store": {"run"},
    "orchestrate": {"run", "store"},
    "analyse": set(),
    "present": {"run", "store", "analyse"},
    "experiments": {"run", "store", "orchestrate", "analyse", "present"},
}


def _verify_imports(path: pathlib.Path, root: pathlib.Path):
    """The verify modules that ``path`` imports, as absolute dotted names."""
    import ast

    module = ".".join(path.relative_to(root).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = (node.module or "").removeprefix("superdyn.")
            names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            yield from (n for n in names if n.startswith("verify."))
        elif isinstance(node, ast.Import):
            names = (a.name.removeprefix("superdyn.") for a in node.names)
            yield from (n for n in names if n.startswith("verify."))


def test_verify_layers_point_one_way():
    root = pathlib.Path(verify.__file__).parent.parent
    seen = set()
    for layer, allowed in VERIFY_LAYERS.items():
        for path in (root / "verify" / layer).rglob("*.py"):
            for target in _verify_imports(path, root):
                other = target.split(".")[1]
                seen.add((layer, other))
                # verify.errors is verify's bottom: every layer may raise its exceptions
                assert other in allowed | {layer, "errors"}, f"{path.relative_to(root)} imports {target}"
    assert ("experiments", "present") in seen and ("store", "run") in seen  # the walk sees imports
    assert list(_verify_imports(root / "verify" / "errors.py", root)) == []


#: functions of verify longer than 60 lines, each with its reason stated beside it in the code
LONG_ON_PURPOSE = {"_readout"}  # verify/run/models/_fused.py: one numba pass per sample


def test_no_function_in_verify_runs_over_60_lines():
    import ast

    root = pathlib.Path(verify.__file__).parent
    long = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = node.body[0]
                docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = first.end_lineno + 1 if docstring else node.lineno
                if node.end_lineno - start + 1 > 60 and node.name not in LONG_ON_PURPOSE:
                    long.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    assert not long


def test_bad_arguments_raise_the_one_documented_class_and_errors_live_in_their_layer():
    """No plain ``raise ValueError(`` in the packages: a bad argument is an InvalidInput (a ValueError);
    a run's or a store's failure is one of superdyn.verify.errors; theory defines only the shared ones."""
    from superdyn.theory import errors as shared
    from superdyn.verify import errors as own

    root = pathlib.Path(theory.__file__).resolve().parent.parent
    plain = [
        f"{path.relative_to(root)}:{number}"
        for package in ("theory", "numerics", "verify", "superdyn")
        for path in sorted((root / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "raise ValueError(" in line
    ]
    assert plain == []
    assert set(shared.__all__) >= {"InvalidInput", "DerivationError", "MissingDependency", "SuperdynError"}
    assert not {"RunFailure", "RunsBusy", "StoreCorruption"} & set(shared.__all__)
    for name in own.__all__:
        cls = getattr(own, name)
        assert issubclass(cls, shared.SuperdynError) and cls.exit_code in (4, 5, 7, 8), name
