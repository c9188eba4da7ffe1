// statedoc: prints docs/state-machines.md, generated from the firmware's state
// machines, or with --alarms docs/alarms.md, from the alarm catalogue.
//   build/ci/tools/statedoc/statedoc > docs/state-machines.md
//   build/ci/tools/statedoc/statedoc --alarms > docs/alarms.md
#include <cstring>
#include <iostream>

#include "fw/alarms.hpp"
#include "fw/state_doc.hpp"

int main(int argc, char** argv) {
  const bool alarms = argc > 1 && std::strcmp(argv[1], "--alarms") == 0;
  std::cout << (alarms ? fw::render_alarm_catalogue_markdown()
                       : fw::render_state_machines_markdown());
  return std::cout ? 0 : 1;
}
