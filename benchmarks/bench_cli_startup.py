"""Start-up time of the ``superdyn`` commands that need only ``superdyn.theory`` and ``superdyn.numerics``.

Run: python benchmarks/bench_cli_startup.py [--repeats 5]

Target: ``superdyn exponent``, ``exponents``, ``derive`` and ``curve`` start in about the
time of importing sympy and numba: what each command imports before it works (``superdyn.verify.cli``
with ``superdyn.theory``, or with ``superdyn.numerics`` for ``curve``) within 1.5x of
``python -c "import sympy, numba"``, measured in the same run, and far below importing
torch and the experiments (``python -c "import superdyn.verify.reproduction"``), which every command
paid when the CLI imported everything. The whole command is timed too: it adds the work
(``derive`` runs the derivation and parses the user's text in a time-limited worker
process; ``curve`` evaluates the exact sum). Each line is the median wall time of
``--repeats`` fresh processes.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

PYTHON = sys.executable
CLI = [PYTHON, "-m", "superdyn.verify.cli"]
COMMANDS = {
    "exponent": [*CLI, "exponent", "power-law", "--a", "1.1", "--b", "0.25"],
    "exponents": [*CLI, "exponents"],
    "derive": [*CLI, "derive", "--rate", "z**-2/3", "--weight", "z**-3/6"],
    "curve": [*CLI, "curve", "power-law", "--a", "1.5", "--points", "5"],
}
#: what each command imports before it starts working
STARTUP = {
    "exponent": [PYTHON, "-c", "import superdyn.verify.cli, superdyn.theory"],
    "exponents": [PYTHON, "-c", "import superdyn.verify.cli, superdyn.theory"],
    "derive": [PYTHON, "-c", "import superdyn.verify.cli, superdyn.theory, superdyn.theory.expressions"],
    "curve": [PYTHON, "-c", "import superdyn.verify.cli, superdyn.numerics"],
}
REFERENCES = {
    "import sympy": [PYTHON, "-c", "import sympy"],
    "import sympy, numba": [PYTHON, "-c", "import sympy, numba"],
    "import superdyn.verify.reproduction (torch + experiments)": [
        PYTHON,
        "-c",
        "import superdyn.verify.reproduction",
    ],
}


def median_seconds(command, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    reference = {name: median_seconds(cmd, args.repeats) for name, cmd in REFERENCES.items()}
    for name, seconds in reference.items():
        print(f"{name:<50} {seconds:6.2f} s")
    base = reference["import sympy, numba"]
    for name, command in COMMANDS.items():
        start = median_seconds(STARTUP[name], args.repeats)
        whole = median_seconds(command, args.repeats)
        verdict = "ok" if start <= 1.5 * base else "SLOWER THAN TARGET"
        print(
            f"superdyn {name:<10} start-up {start:5.2f} s = {start / base:4.2f}x sympy+numba ({verdict}); "
            f"whole command {whole:5.2f} s"
        )


if __name__ == "__main__":
    main()
