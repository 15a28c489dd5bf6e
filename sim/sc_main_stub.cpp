// libsystemc.so refers to sc_main from its own main(). nmsim has its own main()
// and starts the kernel itself, so this is never called; it only satisfies
// the shared library's reference. Linked into every executable.
extern "C" int sc_main(int /*argc*/, char** /*argv*/) { return 1; }
