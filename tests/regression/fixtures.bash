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
