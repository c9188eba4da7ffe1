// statedoc: prints docs/state-machines.md, generated from the firmware's state machines.
//   build/ci/tools/statedoc/statedoc > docs/state-machines.md
#include <iostream>

#include "fw/state_doc.hpp"

int main() {
  std::cout << fw::render_state_machines_markdown();
  return std::cout ? 0 : 1;
}
