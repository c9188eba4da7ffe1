#include "hal/commands.hpp"

namespace hal {

Commands::Commands(const site::Site& site)
    : turbines(static_cast<size_t>(site.turbine_count())),
      pods(static_cast<size_t>(site.pod_count())),
      battery_enabled(site.has_battery) {}

void Commands::clear_one_shots() {
  for (TurbineOutputs& t : turbines)
    t.command = TurbineCommand::kNone;
  breaker = BreakerCommand::kNone;
}

}  // namespace hal
