// Linked into every executable of a sanitized build (CMakeLists.txt,
// NMSIM_SANITIZE / NMSIM_FUZZ): the default sanitizer options, so that plain
// `ctest` and the fuzzers run with them. ASAN_OPTIONS in the environment still
// adds to or overrides them.
//  - suppressions: third-party findings only, each explained in asan.supp.
extern "C" const char* __asan_default_options() {
  return "suppressions=" NMSIM_SOURCE_DIR "/tests/sanitizers/asan.supp";
}
