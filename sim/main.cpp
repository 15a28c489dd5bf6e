// nmsim command line; subcommands are filled in by sim/cli.cpp.
int nmsim_main(int argc, char** argv);
int main(int argc, char** argv) { return nmsim_main(argc, argv); }
