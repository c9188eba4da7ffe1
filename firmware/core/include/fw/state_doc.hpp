// Renders docs/state-machines.md from the machines' transition tables: used by the
// statedoc tool and by the test that keeps the committed file equal to the machines.
#pragma once

#include <string>

namespace fw {

std::string render_state_machines_markdown();

}  // namespace fw
