"""Expressions from text are parsed, never run: injections are refused, valid text round-trips."""

import os
import shutil
import subprocess
import sys

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from superdyn.theory import Custom, derive
from superdyn.theory.expressions import MAX_LENGTH, parse_expression, parse_expressions

PAYLOADS = [
    "log.eval.__globals__['__builtins__']['__import__']('os').system('touch PWNED') + z**-3",
    "__import__('os').system('touch PWNED')",
    "exp.__class__",
    "z.__class__.__mro__",
    "__builtins__",
    "_secret + z",
    "[c for c in ().__class__.__bases__]",
    "(lambda: 1)()",
    "z[0]",
    "{'a': 1}",
    "exp(x=1)",
    "exp(*[1])",
    "open('x')",
    "eval('1')",
    "getattr(z, 'real')",
    "'text'",
    "b'bytes'",
    "f'{z}'",
    "z if z else 1",
    "z < 1",
    "(y := 2)",
    "z @ z",
    "z // 2",
    "not z",
    "1j * z",
    "True",
    "9**9**9*z**-2",
    "2**(10**4)",
    "z**100000",
    "gamma(10**5)",
    "zeta(-10**6)",
    "1" * 60,
    "1e400",
    "z" + "+z" * MAX_LENGTH,
    "exp",
    "z +",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injections_and_hangs_are_refused(payload, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"refused|not valid"):
        parse_expression(payload)
    with pytest.raises(ValueError, match=r"refused|not valid"):
        Custom(payload, "z")
    assert not (tmp_path / "PWNED").exists()


def test_derive_refuses_code_in_its_worker_and_derives_text():
    with pytest.raises(ValueError, match="refused: attribute access"):
        derive("__import__('os').getcwd()", "z**-3", "z")
    law = derive("z**-2/3", "z**-4/6", "z")
    assert law.alpha == sp.Rational(3, 2)


_names = st.sampled_from(["z", "a", "b", "kappa"])
_numbers = st.one_of(st.integers(-50, 50), st.fractions(max_denominator=20).filter(lambda f: f != 0))


def _leaf():
    return st.one_of(_names.map(lambda n: sp.Symbol(n, positive=True)), _numbers.map(sp.nsimplify))


_trees = st.recursive(
    _leaf(),
    lambda children: st.one_of(
        st.tuples(children, children).map(lambda p: p[0] + p[1]),
        st.tuples(children, children).map(lambda p: p[0] * p[1]),
        st.tuples(children, st.integers(-4, 4)).map(lambda p: p[0] ** p[1]),
        children.map(sp.exp),
        children.map(sp.log),
        children.map(sp.sqrt),
    ),
    max_leaves=8,
).filter(lambda e: not e.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I))  # the grammar has no complex numbers


@settings(max_examples=60, deadline=None)
@given(_trees)
def test_valid_expressions_round_trip(expression):
    assert parse_expression(str(expression), positive=True) == expression


def test_names_are_shared_and_assumptions_given():
    z = sp.Symbol("z", positive=True)
    rate, weight = parse_expressions(["z**-a", "a*z"], symbols={"z": z}, positive=True)
    (a,) = rate.free_symbols - {z}
    assert a.is_positive and a in weight.free_symbols and z in rate.free_symbols
    assert parse_expression("pi + E") == sp.pi + sp.E
    assert parse_expressions(["gamma(z)"], timeout=30)[0] == sp.gamma(sp.Symbol("z"))


def test_the_worker_never_imports_from_the_current_directory(tmp_path):
    script = shutil.which("superdyn")
    if script is None:
        pytest.skip("the console script is not installed")
    (tmp_path / "theory").mkdir()
    (tmp_path / "theory" / "__init__.py").write_text("raise SystemExit('a local theory/ was imported')\n")
    (tmp_path / "mpmath.py").write_text("open('PLANTED', 'w').write('ran')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [script, "derive", "--rate", "z**-2", "--weight", "z**-3/2", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert '"alpha": "1"' in result.stdout
    assert not (tmp_path / "PLANTED").exists()
    # and a refused expression is one line, exit 2, nothing run
    bad = subprocess.run(
        [script, "derive", "--rate", "z**-2", "--weight", "exp.__class__ + z"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "refused" in bad.stderr
    assert sys.executable  # the same interpreter runs the worker
