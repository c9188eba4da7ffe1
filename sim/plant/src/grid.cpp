#include "sim/grid.hpp"

#include <cmath>

namespace sim {

const char* to_string(BreakerTrip t) {
  switch (t) {
    case BreakerTrip::kNone:
      return "none";
    case BreakerTrip::kLossOfMains:
      return "loss_of_mains";
    case BreakerTrip::kUndervoltage:
      return "undervoltage";
    case BreakerTrip::kCommanded:
      return "commanded";
  }
  return "?";
}

const char* to_string(CommandResult r) {
  switch (r) {
    case CommandResult::kAccepted:
      return "accepted";
    case CommandResult::kOutOfRange:
      return "out_of_range";
    case CommandResult::kNotPermitted:
      return "not_permitted";
    case CommandResult::kNoResponse:
      return "no_response";
  }
  return "?";
}

GridConnection::GridConnection(const site::Grid& params)
    : p_(params), frequency_hz_(params.nominal_frequency_hz) {}

void GridConnection::trip(BreakerTrip why) {
  if (breaker_closed_) ++operations_;
  breaker_closed_ = false;
  close_due_s_ = -1;
  last_trip_ = why;
}

void GridConnection::outage() {
  available_ = false;
  trip(BreakerTrip::kLossOfMains);
}

void GridConnection::restore() {
  available_ = true;
  frequency_hz_ = p_.nominal_frequency_hz;
  voltage_pu_ = 1.0;
  excursion_until_s_ = sag_until_s_ = -1;
}

void GridConnection::frequency_excursion(double hz, double duration_s, double now_s) {
  frequency_hz_ = hz;
  excursion_until_s_ = now_s + duration_s;
}

void GridConnection::voltage_sag(double pu, double duration_s, double now_s) {
  voltage_pu_ = pu;
  sag_until_s_ = now_s + duration_s;
}

CommandResult GridConnection::close(double site_hz, double now_s) {
  if (!available_ || breaker_closed_ || closing()) return CommandResult::kNotPermitted;
  const bool dead_bus = site_hz <= 0;
  if (!dead_bus && std::fabs(site_hz - frequency_hz_) > p_.sync_max_slip_hz)
    return CommandResult::kNotPermitted;  // sync check
  close_due_s_ = now_s + p_.breaker_close_time_s;
  return CommandResult::kAccepted;
}

CommandResult GridConnection::open() {
  if (!breaker_closed_) return CommandResult::kNotPermitted;
  trip(BreakerTrip::kCommanded);
  return CommandResult::kAccepted;
}

bool GridConnection::step(double now_s, double dt_s) {
  if (excursion_until_s_ >= 0 && now_s >= excursion_until_s_) {
    frequency_hz_ = p_.nominal_frequency_hz;
    excursion_until_s_ = -1;
  }
  if (sag_until_s_ >= 0 && now_s >= sag_until_s_) {
    voltage_pu_ = 1.0;
    sag_until_s_ = -1;
  }
  if (connected()) {
    undervoltage_s_ = voltage_pu_ < p_.undervoltage_trip_pu ? undervoltage_s_ + dt_s : 0;
    if (undervoltage_s_ >= p_.undervoltage_trip_s) {
      undervoltage_s_ = 0;
      trip(BreakerTrip::kUndervoltage);
    }
  }
  if (closing() && now_s >= close_due_s_) {
    close_due_s_ = -1;
    if (available_) {
      breaker_closed_ = true;
      ++operations_;
      return true;
    }
  }
  return false;
}

}  // namespace sim
