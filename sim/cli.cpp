#include <iostream>
int nmsim_main(int, char**) {
  std::cerr << "nmsim: under construction\n";
  return 1;
}
