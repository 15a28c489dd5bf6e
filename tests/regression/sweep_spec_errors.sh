#!/usr/bin/env bash
# A bad sweep spec ends nmsim sweep before any work with exit code 2 and one
# line on stderr naming the spec file and the key: unknown keys (top level and
# chip keys of axes), bad values and units, empty or repeated axis values, zip
# groups of different lengths, unknown presets, missing files, too many samples.
# No sweep directory is created.
# usage: sweep_spec_errors.sh NMSIM SHARED_DIR
set -euo pipefail
NMSIM=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "  FAIL: $*"; fails=$((fails + 1)); }
SPEC=$TMP/spec.yaml
HEAD="model: $ROOT/workloads/models/fmnist_snn_t4_rmp.nir
data: fashion-mnist:test"

# expect "EXPECTED STDERR PREFIX (after 'nmsim: error: SPEC: ')" "SPEC BODY"
expect() {
  local want=$1 body=$2
  printf '%s\n' "$body" >"$SPEC"
  local code=0
  "$NMSIM" sweep "$SPEC" --out "$TMP/out" -q >"$TMP/stdout" 2>"$TMP/stderr" || code=$?
  local lines
  lines=$(wc -l <"$TMP/stderr")
  if [ "$code" -ne 2 ]; then
    fail "exit $code, not 2, for: $want"
  elif [ "$lines" -ne 1 ]; then
    fail "$lines lines on stderr for: $want"; cat "$TMP/stderr"
  elif ! grep -qF -- "nmsim: error: $SPEC: $want" "$TMP/stderr"; then
    fail "expected 'nmsim: error: $SPEC: $want', got: $(cat "$TMP/stderr")"
  else
    echo "  ok: $(cut -c1-150 "$TMP/stderr")"
  fi
  [ ! -e "$TMP/out" ] || fail "a sweep directory was created for: $want"
  rm -rf "$TMP/out"
}

expect "modle: unknown key (known: model, hw," "$HEAD
samples: 4
modle: x"
expect "axes.chip.core.nuerons: value 256: " "$HEAD
samples: 4
axes:
  chip.core.nuerons: [256]"
grep -q "unknown key (known: neurons, axons" "$TMP/stderr" || fail "unknown chip key not explained"
expect "axes.chip.core.neurons: value abc: " "$HEAD
samples: 4
axes:
  chip.core.neurons: [512, abc]"
expect "axes.chip.core.synapse_memory_bytes: value 64KiX: " "$HEAD
samples: 4
axes:
  chip.core.synapse_memory_bytes: [64KiX]"
expect "axes.chip.energy.synop.value: value 3ns: " "$HEAD
samples: 4
axes:
  chip.energy.synop.value: [3ns]"
expect "axes.chip.core.neurons: empty list (give at least one value)" "$HEAD
samples: 4
axes:
  chip.core.neurons: []"
expect "axes.chip.core.neurons: value '512' given twice" "$HEAD
samples: 4
axes:
  chip.core.neurons: [512, 512]"
expect "axes.core.neurons: not a chip key" "$HEAD
samples: 4
axes:
  core.neurons: [512]"
expect "zip: axes chip.core.neurons (2 values) and chip.mesh.width (3 values)" "$HEAD
samples: 4
axes:
  chip.core.neurons: [512, 1024]
  chip.mesh.width: [4, 8, 16]
zip: [[chip.core.neurons, chip.mesh.width]]"
expect "zip: 'chip.core.axons' is not an axis" "$HEAD
samples: 4
axes:
  chip.core.neurons: [512, 1024]
zip: [[chip.core.neurons, chip.core.axons]]"
expect "hw: no chip preset 'loihii'" "$HEAD
samples: 4
hw: loihii"
expect "set: " "$HEAD
samples: 4
set: [chip.core.neurons=lots]"
expect "model: no such file 'nothere.nir'" "model: nothere.nir
data: fashion-mnist:test
samples: 4"
expect "samples: required with data" "$HEAD"
expect "data: --samples: 20000 asked but fashion-mnist:test has 10000" "$HEAD
samples: 20000"
expect "timesteps: '0' must be >= 1" "$HEAD
samples: 4
timesteps: 0"
expect "sample.n: '0' must be >= 1" "$HEAD
samples: 4
sample: {n: 0, seed: 1}"
expect "layer_delay: '2' must be 0 or 1" "$HEAD
samples: 4
layer_delay: 2"
printf 'model: [a.nir\n' >"$SPEC"
code=0
"$NMSIM" sweep "$SPEC" --out "$TMP/out" -q 2>"$TMP/stderr" || code=$?
[ "$code" -eq 2 ] && grep -q "^nmsim: error: $SPEC:[0-9]*: malformed YAML" "$TMP/stderr" ||
  fail "malformed YAML: exit $code, $(cat "$TMP/stderr")"
code=0
"$NMSIM" sweep "$TMP/absent.yaml" --out "$TMP/out" -q 2>"$TMP/stderr" || code=$?
[ "$code" -eq 2 ] && grep -q "^nmsim: error: $TMP/absent.yaml: cannot open the sweep spec" "$TMP/stderr" ||
  fail "absent spec: exit $code, $(cat "$TMP/stderr")"

if [ "$fails" -gt 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "sweep spec errors: ok"
