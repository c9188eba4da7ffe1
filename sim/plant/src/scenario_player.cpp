#include "sim/scenario_player.hpp"

#include <cstdio>

namespace sim {

ScenarioPlayer::ScenarioPlayer(Plant& plant, const Scenario& scenario)
    : plant_(plant), scenario_(scenario) {}

void ScenarioPlayer::initialise() {
  const InitialState& init = scenario_.initial;
  for (const auto& [unit, mw] : init.turbines_online)
    plant_.set_turbine_online(unit, mw);
  plant_.set_breaker_closed(init.breaker_closed);
  if (init.battery_soc_pu) plant_.set_battery_soc(*init.battery_soc_pu);
}

CommandResult ScenarioPlayer::apply(const Event& e) {
  Plant& p = plant_;
  switch (e.type) {
    case EventType::kGridOutage:
      p.grid_outage();
      break;
    case EventType::kGridReturn:
      p.grid_return();
      break;
    case EventType::kFrequencyExcursion:
      p.frequency_excursion(e.value, e.duration_s, e.rocof_hz_per_s);
      break;
    case EventType::kVoltageSag:
      p.voltage_dips(VoltageDips{e.value, e.duration_s, e.count, e.interval_s, e.dip_kind});
      break;
    case EventType::kTurbineTrip:
      p.turbine_trip(e.target);
      break;
    case EventType::kFailToStart:
      p.fail_next_start(e.target);
      break;
    case EventType::kMeasurementFreeze:
      p.freeze_point(e.target, e.duration_s);
      break;
    case EventType::kMeasurementStuck:
      p.stick_point(e.target, e.value, e.duration_s);
      break;
    case EventType::kDeviceSilent:
      p.device_silent(e.target, e.duration_s);
      break;
    case EventType::kDeviceSlow:
      p.device_slow(e.target, e.value, e.duration_s);
      break;
    case EventType::kLoadSurge:
      p.load_surge(e.value, e.duration_s);
      break;
    case EventType::kJobStart:
      p.job_start(e.name);
      break;
    case EventType::kJobStop:
      p.job_stop(e.name);
      break;
    case EventType::kTurbineStart:
      return p.turbine_start(e.target);
    case EventType::kTurbineStop:
      return p.turbine_stop(e.target);
    case EventType::kTurbineReset:
      return p.turbine_reset(e.target);
    case EventType::kTurbineSetpoint:
      return p.turbine_setpoint(e.target, e.value);
    case EventType::kPodCap:
      return p.pod_cap(e.target, e.value);
    case EventType::kPodFloor:
      return p.pod_floor(e.target, e.value);
    case EventType::kBatterySetpoint:
      return p.battery_setpoint(e.value);
    case EventType::kBreakerClose:
      return p.breaker_close();
    case EventType::kBreakerOpen:
      return p.breaker_open();
    case EventType::kOperatorManual:
    case EventType::kOperatorAuto:
      break;  // for the controller's shell, not the plant
  }
  return CommandResult::kAccepted;
}

void ScenarioPlayer::apply_due() {
  // Compare in whole steps so an event lands in the same step on every machine.
  const double now = plant_.time_s();
  const double half_step = plant_.step_s() * 0.5;
  while (next_ < scenario_.events.size() && scenario_.events[next_].at_s <= now + half_step) {
    const Event& e = scenario_.events[next_++];
    const CommandResult r = apply(e);
    char text[160];
    std::snprintf(text, sizeof text, "t=%.2f s %s (%s:%d): %s", now, to_string(e.type),
                  scenario_.file.c_str(), e.line, to_string(r));
    applied_.push_back(AppliedEvent{now, &e, r, text});
  }
}

}  // namespace sim
