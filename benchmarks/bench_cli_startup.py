"""Start-up time of the ``superdyn`` commands that need only ``theory`` and ``numerics``.

Run: python benchmarks/bench_cli_startup.py [--repeats 5]

Target: ``superdyn exponent``, ``exponents``, ``derive`` and ``curve`` answer in about the
time of importing sympy and numba (ratio <= 1.5 against ``python -c "import sympy, numba"``,
measured in the same run), and far below importing torch and the experiments
(``python -c "import verify.reproduction"``), which is what the commands cost when the CLI
imported everything. Each line prints the median wall time of ``--repeats`` fresh processes.
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
CLI = [PYTHON, "-m", "verify.cli"]
COMMANDS = {
    "exponent": [*CLI, "exponent", "power-law", "--a", "1.1", "--b", "0.25"],
    "exponents": [*CLI, "exponents"],
    "derive": [*CLI, "derive", "--rate", "z**-2/3", "--weight", "z**-3/6"],
    "curve": [*CLI, "curve", "power-law", "--a", "1.5", "--points", "5"],
}
REFERENCES = {
    "import sympy": [PYTHON, "-c", "import sympy"],
    "import sympy, numba": [PYTHON, "-c", "import sympy, numba"],
    "import verify.reproduction (torch + experiments)": [PYTHON, "-c", "import verify.reproduction"],
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
        seconds = median_seconds(command, args.repeats)
        verdict = "ok" if seconds <= 1.5 * base else "SLOWER THAN TARGET"
        print(f"superdyn {name:<41} {seconds:6.2f} s  {seconds / base:4.2f}x sympy+numba  {verdict}")


if __name__ == "__main__":
    main()
