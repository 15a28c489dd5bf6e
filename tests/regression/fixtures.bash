# Sourced by the regression scripts after setting SHARED (their second argument).
# The external cross-check fixtures live in $SHARED/external/<name>/, beside the
# checkout (as in CI), not in the repository; without them the checks that need
# them are skipped with a one-line note. (Not *.sh: tests/CMakeLists.txt runs those.)

# have_fixture NAME: true if $SHARED/external/NAME exists, else prints the note.
have_fixture() {
  local dir=$SHARED/external/$1 what
  [ -d "$dir" ] && return 0
  case $1 in
    sanafe-dvs) what="SANA-FE DVS fixtures" ;;
    nir-paper) what="NIR paper traces" ;;
    *) what="external fixtures" ;;
  esac
  echo "skipped: needs $dir ($what, not in the repository)"
  return 1
}

# need_fixture NAME: for scripts whose every check needs the fixture; exits 77,
# which ctest reports as skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt).
need_fixture() {
  have_fixture "$1" || exit 77
}

# dvs_input OUT.npy: SANA-FE's DVS frame ($SHARED/external/sanafe-dvs/input_frame.npy)
# repeated for 1000 timesteps, [1000, 1, 32, 32] float32, as SANA-FE applies it.
dvs_input() {
  /usr/bin/python3 - "$SHARED/external/sanafe-dvs/input_frame.npy" "$1" <<'PYEOF'
import sys, numpy as np
f = np.load(sys.argv[1])
assert f.shape == (1, 32, 32), f.shape
np.save(sys.argv[2], np.repeat(f[None], 1000, axis=0).astype(np.float32))
PYEOF
}
