#!/usr/bin/env bash
# Build the sdist and the wheel, install the wheel (not editable) into a fresh virtual environment
# and use it from an empty directory outside the checkout: first without extras (no torch: theory
# and numerics), then with superdyn[sim,testing] (the simulations). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
rm -rf .ci-dist .ci-wheel-venv
start=$(date +%s)
"$PYTHON" -m build --outdir .ci-dist . >/dev/null
ls .ci-dist/superdyn-*.tar.gz >/dev/null
WHEEL="$ROOT/$(ls .ci-dist/superdyn-*.whl)"
echo "wheel: $(basename "$WHEEL"), $(du -k "$WHEEL" | cut -f1) kB, $("$PYTHON" -c "import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))" "$WHEEL") files"
python3 -m venv .ci-wheel-venv
VENV="$ROOT/.ci-wheel-venv"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "$WHEEL"
WORK=$(mktemp -d)
cd "$WORK"
run() { echo "+ $*"; "$@"; }
# lean install: theory and numerics without torch
run "$VENV/bin/python" -c "import importlib.util as u; assert u.find_spec('torch') is None, 'torch in the lean install'"
run "$VENV/bin/superdyn" --version
run "$VENV/bin/superdyn" exponent power-law --a 1.1 --b 0.25 --json
run "$VENV/bin/superdyn" derive --rate "z**-a/3" --weight "z**(-a-2*b)/6" --json >/dev/null
set +e
"$VENV/bin/superdyn" train --model linear --features 16 --steps 10 --out lean 2>lean.err
code=$?
set -e
grep -q "superdyn\[sim\]" lean.err && [ "$code" = 6 ] || { echo "train without torch: exit $code"; cat lean.err; exit 1; }
echo "train without torch: exit 6, $(cat lean.err)"
# the simulations: the sim extra (the CPU build of torch first, as the README says for CPU machines)
"$VENV/bin/python" -m pip install --quiet torch==2.13.0
"$VENV/bin/python" -m pip install --quiet "$WHEEL[sim,testing]"
run "$VENV/bin/superdyn" reproduce --scale tiny --out tiny --quiet >/dev/null
for fig in fig3a fig4 fig5 fig7 fig8 fig9 fig10 fig11 fig12 fig13 liu-width sgd-noise; do
  [ -s "tiny/figures/$fig.png" ] && [ -s "tiny/figures/$fig.pdf" ] || { echo "figure $fig missing"; exit 1; }
done
run "$VENV/bin/superdyn" plot tiny --theory --out tiny.png
[ -s tiny.png ]
run "$VENV/bin/superdyn" runs tiny >/dev/null
run "$VENV/bin/python" -c "import superdyn.theory.testing, superdyn.verify.present.plots.style as s; assert s.STYLE.is_file()"
cp "$ROOT/README.md" README.md
run "$VENV/bin/python" -m doctest -o NORMALIZE_WHITESPACE -o ELLIPSIS README.md
cd "$ROOT"
rm -rf "$WORK"
echo "wheel smoke test passed in $(( $(date +%s) - start )) s"
