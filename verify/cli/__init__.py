"""The ``superdyn`` command line: parse, call the library, print a table or JSON.

Every error is one line on stderr. Exit status: 2 bad input, 3 a derivation that fails,
4 runs that cannot be computed here, 5 a damaged store (``superdyn.theory.errors``).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys

import numpy as np
from superdyn.numerics.threads import set_numba_threads
from superdyn.theory.closed_form import DECAY_CLASSES
from superdyn.theory.errors import InvalidInput, SuperdynError, missing_extra

from superdyn.jsonio import dumps_strict

from ..run.threads import thread_policy
from .claims import add_claims_command
from .runs import add_run_commands, add_threads_option

__all__ = ["main"]

_PAPER_N = 1024
_PAPER_WINDOW = (1e3, 1e4)


def _print_table(rows: list[dict], window) -> None:
    finite_key = next(k for k in rows[0] if k.startswith("alpha_N"))
    finite_label = f"{finite_key} on [{window[0]:g}, {window[1]:g}]"
    header = f"{'class':<12} {'a':>5} {'b':>5} {'alpha':>8} {'log power':>10} {finite_label:>26}"
    print(header)
    print("-" * len(header))
    for r in rows:
        finite = "" if r[finite_key] is None else f"{r[finite_key]:.4f}"
        print(
            f"{r['class']:<12} {r['a']:>5g} {r['b']:>5g} {r['alpha']:>8.4f} "
            f"{r['log_power']:>10.4f} {finite:>26}"
        )
    print(
        "\nalpha: N -> infinity (paper Eqs. 8, 19, 20); the last column is the exponent fitted on the "
        "paper's window to the exact sum with N features (the finite-N cutoff shows; "
        "superdyn.numerics.power_law_exponent_table)."
    )


def _cmd_exponents(args) -> int:
    from superdyn.numerics.exponent_table import decay_class_table

    rows = decay_class_table(args.features, _PAPER_WINDOW)
    if args.json:
        print(dumps_strict({"rows": rows}, indent=2))
    else:
        _print_table(rows, _PAPER_WINDOW)
    return 0


def _cmd_exponent(args) -> int:
    from superdyn.theory.closed_form import decay_exponent

    result = {"class": args.decay, "a": args.a, "b": args.b, **decay_exponent(args.decay, args.a, args.b)}
    print(
        dumps_strict(result)
        if args.json
        else f"alpha = {result['alpha']:.6g}, log power = {result['log_power']:.6g}"
    )
    return 0


def _cmd_derive(args) -> int:
    import sympy as sp
    from superdyn.theory import derive
    from superdyn.theory.expressions import CONSTANTS, FUNCTIONS, parse_expressions

    if not re.fullmatch(r"[A-Za-z][A-Za-z_0-9]*", args.z) or args.z in FUNCTIONS or args.z in CONSTANTS:
        raise InvalidInput(f"--z must be a plain name (not a function or constant), got {args.z!r}")
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        raise InvalidInput(f"--timeout must be a finite number of seconds > 0, got {args.timeout!r}")
    z = sp.Symbol(args.z, positive=True)
    # parsed, never run (superdyn.theory.expressions), inside the timed worker; every name is a
    # positive symbol
    texts = (args.rate, args.weight, args.edge)
    rate, weight, edge = parse_expressions(texts, symbols={z.name: z}, timeout=args.timeout, positive=True)
    law = derive(rate, weight, z, edge=edge, timeout=args.timeout)
    if args.json:
        print(dumps_strict(law.to_dict(), indent=2))
    elif args.latex:
        print(law.latex())
    else:
        print(f"alpha = {law.alpha}\nlog power = {law.log_power}\nprefactor c = {law.prefactor}")
        print(f"correction d1 = {law.correction}\nconditions = {[str(c) for c in law.conditions] or 'none'}")
        print(f"derived in {law.seconds:.2f} s")
    return 0


def _cmd_curve(args) -> int:
    from superdyn.numerics import exact_loss
    from superdyn.theory import PowerLaw, Task
    from superdyn.theory.profiles import decay_profile

    profile = decay_profile(args.profile, args.a, kappa=args.kappa)
    if args.out is not None and not args.out.endswith((".csv", ".parquet")):
        raise InvalidInput(f"--out must end in .csv or .parquet, got {args.out!r}")
    if not 0 < args.t_min < args.t_max:
        raise InvalidInput(f"need 0 < --t-min < --t-max, got {args.t_min:g} and {args.t_max:g}")
    if args.points < 2:
        raise InvalidInput(f"--points must be >= 2, got {args.points}")
    from superdyn.theory.validate import check_real

    task = Task(profile, PowerLaw(check_real("b", args.b, lower=0.0)), n_features=args.features)
    times = np.logspace(np.log10(args.t_min), np.log10(args.t_max), args.points)
    if args.batch_size is not None or args.lr is not None:
        if args.batch_size is None or args.lr is None:
            raise InvalidInput("the SGD curve needs both --lr and --batch-size")
        from superdyn.numerics import sgd_loss

        batch = float("inf") if args.batch_size == "inf" else _parse_batch(args.batch_size)
        curve = sgd_loss(task, times, lr=args.lr, batch_size=batch, covariance="auto")
    else:
        curve = exact_loss(task, times)
    columns = {"t": curve.t, "loss": curve.loss, "local_exponent": curve.local_exponent}
    if curve.error_estimate is not None:  # None: a direct sum, exact to rounding
        columns["relative_error"] = curve.error_estimate
    if args.out is not None and args.out.endswith(".parquet"):
        import pandas as pd  # only here: pandas costs ~0.9 s to import

        pd.DataFrame(columns).to_parquet(args.out, index=False)
    else:
        _write_csv(columns, sys.stdout if args.out is None else args.out)
        if args.out is None:
            return 0
    print(dumps_strict({"out": args.out, "rows": len(curve.t), "method": curve.method}))
    return 0


def _write_csv(columns: dict, target) -> None:
    """Columns as CSV with 12 significant digits (what ``DataFrame.to_csv(float_format="%.12g")`` wrote)."""
    rows = np.column_stack([np.asarray(v, dtype=float) for v in columns.values()])
    np.savetxt(target, rows, fmt="%.12g", delimiter=",", header=",".join(columns), comments="")


def _parse_batch(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput(f"--batch-size must be a whole number >= 1 or inf, got {text!r}") from None


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, pointing at --help (not the usage block)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _version() -> str:
    from superdyn import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="superdyn", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"superdyn {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("exponents", help="table of closed-form exponents and their finite-N values")
    p.add_argument("--features", type=int, default=_PAPER_N, help="N for the finite-N column (default 1024)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_exponents)

    p = sub.add_parser("exponent", help="closed-form exponent of one decay class")
    p.add_argument("decay", choices=DECAY_CLASSES)
    p.add_argument("--a", type=float, required=True, help="decay parameter a")
    p.add_argument("--b", type=float, default=0.0, help="channel decay b (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_exponent)

    p = sub.add_parser("derive", help="derive a law from a mode rate lambda(z) and weight w(z)")
    p.add_argument("--rate", required=True, help="lambda(z), e.g. 'z**-a/3'")
    p.add_argument("--weight", required=True, help="w(z), e.g. 'z**(-a-2*b)/6'")
    p.add_argument("--z", default="z", help="name of the index variable (default z)")
    p.add_argument("--edge", default="oo", help="where the rate vanishes (default oo)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds before the derivation is stopped")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--latex", action="store_true", help="print LaTeX")
    fmt.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_derive)

    p = sub.add_parser("curve", help="exact no-superposition loss curve and local exponent to CSV/Parquet")
    p.add_argument("profile", choices=DECAY_CLASSES)
    p.add_argument("--a", type=float, required=True, help="decay parameter a")
    p.add_argument("--b", type=float, default=0.0, help="channel decay b (default 0)")
    p.add_argument("--kappa", type=float, default=1.0, help="exponential: p ∝ exp(-kappa i^a) (default 1)")
    p.add_argument("--features", type=int, default=_PAPER_N, help="N, up to 1e12 (default 1024)")
    p.add_argument("--t-min", type=float, default=1e-2, help="first time (default 1e-2)")
    p.add_argument("--t-max", type=float, default=1e8, help="last time (default 1e8)")
    p.add_argument("--points", type=int, default=201, help="log-spaced times (default 201)")
    p.add_argument("--out", default=None, help="file.csv or file.parquet (default: CSV on stdout)")
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="with --batch-size: the exact expected loss of online SGD at this learning rate "
        "(superdyn.numerics.sgd_loss; the full recursion for N <= 2048, the diagonal model beyond)",
    )
    p.add_argument("--batch-size", default=None, help="samples per SGD step, or inf (gradient descent)")
    add_threads_option(p)
    p.set_defaults(run=_cmd_curve)

    add_run_commands(sub)
    add_claims_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``superdyn`` console script."""
    args = build_parser().parse_args(argv)
    try:
        if hasattr(args, "threads"):  # chosen once, here; training applies it to torch too
            set_numba_threads(thread_policy(args.threads).threads(1))
        return args.run(args)
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ModuleNotFoundError as exc:  # an optional extra (torch: superdyn[sim]) is not installed
        missing = missing_extra(exc, f"superdyn {args.command}")
        if missing is None:
            raise
        print(f"superdyn: error: {missing}", file=sys.stderr)
        return missing.exit_code
    except OSError as exc:  # a path that cannot be read or written: one line naming it
        where = f": {exc.filename}" if exc.filename else ""
        print(f"superdyn: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return InvalidInput.exit_code
    except (SuperdynError, ValueError) as exc:  # one line; the exit status says which kind
        print(f"superdyn: error: {exc}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, SuperdynError) else InvalidInput.exit_code


if __name__ == "__main__":
    sys.exit(main())
