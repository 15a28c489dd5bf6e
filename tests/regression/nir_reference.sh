#!/usr/bin/env bash
# nmsim against an independent forward-Euler evaluator of NIR graphs
# (tests/reference/nir_euler.py, numpy only, no nmsim code or outputs): hand-checked
# cases (self-loops, an a->b->a cycle, Conv1d padding, Delay, CubaLI, graded values
# between populations, NaN/Inf parameters) written by tests/reference/nir_cases.py, and
# the NIR paper's recurrent braille networks (dt = 1e-4 s, seeded random spike input,
# both reset modes). Spikes must match exactly per neuron and step, v within a float32
# bound; bad files must be refused with exit 2 and one 'nmsim: error:' line.
# usage: nir_reference.sh NMSIM SHARED_DIR   (the braille part is skipped without
# SHARED_DIR/external/nir-paper)
set -euo pipefail
NMSIM=$1
SHARED=$2
HERE=$(cd "$(dirname "$0")/../reference" && pwd)
exec /usr/bin/python3 "$HERE/check_nmsim.py" "$NMSIM" "$SHARED"
