// One line of text for a log entry: for the runtime's log and the scenario runner.
#include <cstdio>
#include <string>

#include "fw/event_log.hpp"
#include "fw/supervisor.hpp"
#include "fw/turbine_machine.hpp"

namespace fw {

std::string describe(const LogEntry& e) {
  char text[200];
  const char* tail = e.transition ? "" : " [no transition]";
  switch (e.machine) {
    case MachineId::kController:
      std::snprintf(text, sizeof text, "t=%.2f s controller: %s", e.t_s, e.cause.data());
      break;
    case MachineId::kSupervisor:
      std::snprintf(text, sizeof text, "t=%.2f s supervisor: %s -> %s on %s (%s)%s", e.t_s,
                    to_string(static_cast<Mode>(e.from)), to_string(static_cast<Mode>(e.to)),
                    to_string(static_cast<SupervisorEvent>(e.event)), e.cause.data(), tail);
      break;
    case MachineId::kTurbine:
      std::snprintf(text, sizeof text, "t=%.2f s unit %d: %s -> %s on %s (%s)%s", e.t_s, e.index,
                    to_string(static_cast<UnitState>(e.from)),
                    to_string(static_cast<UnitState>(e.to)),
                    to_string(static_cast<UnitEvent>(e.event)), e.cause.data(), tail);
      break;
  }
  return text;
}

}  // namespace fw
