// Prints docs/register-maps.md from the register tables.
#include <cstdio>

#include "hal/registers.hpp"

int main() {
  std::fputs(hal::regs::render_register_maps_markdown().c_str(), stdout);
  return 0;
}
