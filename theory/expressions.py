"""Expressions from text, parsed without running them.

``sympy.sympify`` evaluates its input as Python, so a string that reaches it can run any
code (``log.eval.__globals__[...]``). Every expression that comes from a user as text
goes through :func:`parse_expression` instead: Python's own parser builds the syntax
tree, and only these nodes are turned into sympy objects:

* numbers (integers of at most ``MAX_DIGITS`` digits, decimals);
* names: a function or constant of ``FUNCTIONS`` / ``CONSTANTS``, or a symbol (a name
  with no leading underscore);
* ``+ - * / **`` and unary ``+ -``;
* calls of an allowed function, with positional arguments only.

Anything else (attributes, subscripts, lambdas, keywords, comparisons, strings,
comprehensions, dunder names) is refused with :class:`~superdyn.theory.InvalidInput` (a
ValueError) that names it, as is a text longer than ``MAX_LENGTH`` characters, a syntax tree
deeper than ``MAX_DEPTH`` or with more than ``MAX_NODES`` nodes (``z+z+...`` of 999 terms, 2000
unary minus signs or a 600-deep tower of powers would exhaust Python's recursion), a power
whose exponent is a number larger than ``MAX_EXPONENT`` in magnitude (``9**9**9`` would
otherwise be computed digit by digit) or whose value, a number, would have more than
``MAX_RESULT_DIGITS`` digits (``((2**1000)**1000)**1000``), or gamma, loggamma, zeta or polylog
of a number larger than ``MAX_ARGUMENT`` (``gamma(9999)`` would be computed as a factorial of
35,000 digits). :func:`parse_expressions` parses in the time-limited worker of
:mod:`superdyn.theory._subprocess`, so that no text can hold the caller past its time limit.
"""

from __future__ import annotations

import ast

import sympy as sp

from .errors import InvalidInput
from .validate import check_timeout

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_NODES",
    "parse_expression",
    "parse_expressions",
]

#: Functions an expression may call.
FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "gamma": sp.gamma,
    "loggamma": sp.loggamma,
    "zeta": sp.zeta,
    "polylog": sp.polylog,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "Abs": sp.Abs,
    "LambertW": sp.LambertW,
    "Min": sp.Min,
    "Max": sp.Max,
}
#: Constants an expression may name.
CONSTANTS = {"pi": sp.pi, "E": sp.E, "oo": sp.oo}
MAX_LENGTH = 2000
MAX_DIGITS = 50
MAX_EXPONENT = 1000
#: A numeric argument larger than this is refused where sympy would evaluate it exactly
#: (gamma(10**6) is a factorial of seconds; zeta(-10**6) a Bernoulli number; gamma(400) has
#: 866 digits).
MAX_ARGUMENT = 400
#: The deepest syntax tree and the most nodes a text may have.
MAX_DEPTH = 64
MAX_NODES = 600
#: The most digits a number computed exactly while parsing (a power of numbers) may have.
MAX_RESULT_DIGITS = 1000
_EXACT_AT_NUMBERS = {"gamma", "loggamma", "zeta", "polylog"}

_OPERATORS = {ast.Add: sp.Add, ast.Sub: None, ast.Mult: sp.Mul, ast.Div: None, ast.Pow: None}


def _refuse(what: str, text: str):
    shown = text if len(text) <= 80 else text[:60] + f"... ({len(text)} characters)"
    return InvalidInput(f"expression {shown!r} refused: {what}")


def _number(node, text):
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(f"only numbers are allowed as literals, got {value!r}", text)
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_DIGITS:
            raise _refuse(f"an integer of more than {MAX_DIGITS} digits", text)
        return sp.Integer(value)
    return sp.Float(repr(value)) if value == value and abs(value) != float("inf") else _bad_float(text)


def _bad_float(text):
    raise _refuse("a literal that is not a finite number", text)


def _power(base, exponent, text):
    if exponent.is_number and exponent.is_finite:
        size = abs(complex(sp.N(exponent)))
        if size > MAX_EXPONENT:
            raise _refuse(f"a power with an exponent larger than {MAX_EXPONENT} in magnitude", text)
        if base.is_number and base.is_finite and base != 0:
            digits = size * abs(float(sp.log(sp.Abs(base), 10).evalf(15)))
            if digits > MAX_RESULT_DIGITS:
                raise _refuse(f"a power of numbers with more than {MAX_RESULT_DIGITS} digits", text)
    return sp.Pow(base, exponent)


def _check_size(tree, text) -> None:
    """Refuse a syntax tree deeper than MAX_DEPTH or larger than MAX_NODES (walked without recursion)."""
    stack, nodes = [(tree, 1)], 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH:
            raise _refuse(f"nested more than {MAX_DEPTH} levels deep", text)
        if nodes > MAX_NODES:
            raise _refuse(f"more than {MAX_NODES} terms, operators and names", text)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _build(node, text, symbols, assumptions):
    if isinstance(node, ast.Expression):
        return _build(node.body, text, symbols, assumptions)
    if isinstance(node, ast.Constant):
        return _number(node, text)
    if isinstance(node, ast.Name):
        name = node.id
        if name.startswith("_"):
            raise _refuse(f"the name {name!r} (names may not start with an underscore)", text)
        if name in symbols:
            return symbols[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise _refuse(f"the function {name!r} used as a value", text)
        symbols[name] = sp.Symbol(name, **assumptions)
        return symbols[name]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _build(node.operand, text, symbols, assumptions)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left = _build(node.left, text, symbols, assumptions)
        right = _build(node.right, text, symbols, assumptions)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        return _power(left, right, text)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _build(node.func, text, symbols, assumptions)  # refuses attributes, subscripts, lambdas
            raise _refuse("a call of an expression", text)
        if node.func.id not in FUNCTIONS:
            raise _refuse(f"a call of {node.func.id!r}; allowed: {', '.join(sorted(FUNCTIONS))}", text)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse("keyword or starred arguments", text)
        args = [_build(a, text, symbols, assumptions) for a in node.args]
        for arg in args if node.func.id in _EXACT_AT_NUMBERS else ():
            if arg.is_number and arg.is_finite and abs(complex(sp.N(arg))) > MAX_ARGUMENT:
                raise _refuse(f"{node.func.id} of a number larger than {MAX_ARGUMENT:g} in magnitude", text)
        try:
            return FUNCTIONS[node.func.id](*args)
        except TypeError as exc:
            raise _refuse(f"{node.func.id} with {len(args)} argument(s) ({exc})", text) from None
    names = {ast.Attribute: "attribute access", ast.Subscript: "a subscript", ast.Lambda: "a lambda"}
    what = names.get(type(node), f"the construct {type(node).__name__}")
    raise _refuse(what, text)


def parse_expression(text, symbols=None, **assumptions) -> sp.Expr:
    """Parse ``text`` into a sympy expression without evaluating any Python.

    Parameters
    ----------
    text : str, number or sympy expression
        Text is parsed; numbers and sympy objects are returned as sympy objects.
    symbols : dict of str -> sympy.Symbol, optional
        Names with given symbols (for example the variable z with its assumptions).
    **assumptions
        Assumptions of every other name's symbol (for example ``positive=True``).

    Raises
    ------
    ValueError
        Naming what was refused, or the syntax error.

    Examples
    --------
    >>> parse_expression("exp(-kappa*z**a)/2", positive=True)
    exp(-kappa*z**a)/2
    >>> parse_expression("log.eval.__globals__")
    Traceback (most recent call last):
    ...
    superdyn.theory.errors.InvalidInput: expression 'log.eval.__globals__' refused: attribute access
    >>> parse_expression("9**9**9*z**-2")
    Traceback (most recent call last):
    ...
    superdyn.theory.errors.InvalidInput: expression '9**9**9*z**-2' refused: a power with an exponent ...
    """
    if isinstance(text, sp.Basic):
        return text
    if isinstance(text, bool):
        raise InvalidInput(f"an expression must be text or a number, got {text!r}")
    if isinstance(text, int | float):
        return sp.sympify(text)  # safe: a Python int or float, not text
    if not isinstance(text, str):
        kind = type(text).__name__
        raise InvalidInput(f"an expression must be text, a number or a sympy expression, got {kind}")
    if len(text) > MAX_LENGTH:
        raise _refuse(f"longer than {MAX_LENGTH} characters", text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InvalidInput(f"expression {text[:80]!r} is not valid: {exc.msg}") from None
    except (RecursionError, MemoryError):  # Python's own parser gave up on the nesting
        raise _refuse("nested too deeply for Python's parser", text) from None
    _check_size(tree, text)
    names = dict(symbols or {})
    try:
        return _build(tree, text, names, assumptions)
    except (RecursionError, OverflowError) as exc:  # sympy recursing or leaving float range on its own
        raise _refuse(f"too large to build ({type(exc).__name__})", text) from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # an exact number of more than 4300 digits
            raise _refuse(f"a number of more than {MAX_RESULT_DIGITS} digits", text) from None
        raise


def _parse_all(texts, symbols, assumptions, labels=None):
    names = dict(symbols or {})
    parsed = []
    for i, text in enumerate(texts):
        try:
            parsed.append(parse_expression(text, names, **assumptions))
        except InvalidInput as exc:  # say which argument it was
            if labels is None:
                raise
            raise InvalidInput(f"{labels[i]}: {exc}") from None
    return tuple(parsed)


def parse_expressions(texts, *, symbols=None, timeout=None, labels=None, **assumptions) -> tuple:
    """Parse several texts with shared symbols; in the time-limited worker when ``timeout`` is set.

    A name used in two texts is the same symbol in both. ``labels`` (the arguments' names, one
    per text) begin the message of a refusal: "weight: expression ... refused: ...".

    Raises
    ------
    ValueError
        A refused or invalid text, or a parse that did not finish within ``timeout`` seconds.

    Examples
    --------
    >>> rate, weight = parse_expressions(["z**-a", "z**-a/2"], positive=True)
    >>> rate.free_symbols == weight.free_symbols
    True
    """
    texts = tuple(texts)
    timeout = check_timeout(timeout)
    if timeout is None:
        return _parse_all(texts, symbols, assumptions, labels)
    from ._subprocess import TimeLimitExceeded, call_with_time_limit

    try:
        return call_with_time_limit(_parse_all, (texts, symbols, assumptions, labels), seconds=timeout)
    except TimeLimitExceeded:
        raise InvalidInput(f"parsing the expressions did not finish within {timeout:g} s") from None
