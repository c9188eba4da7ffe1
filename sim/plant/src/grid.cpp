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

namespace {
// Times within this of a dip's edge count as past it: whole steps of a
// floating-point clock land a hair either side.
constexpr double kEdgeS = 1e-9;
}  // namespace

// Symmetrical components (Bollen, "Understanding Power Quality Problems", IEEE
// Press 2000, ch. 4). A phase-to-ground fault keeps `v` on one phase and leaves
// the others at 1: positive sequence (2 + v)/3. Behind a delta-wye transformer
// the IT's phases follow the line-to-line voltages; the lowest of them is
// sqrt(1/4 + 3/4 ((1 + 2v)/3)^2), 0.577 pu for a bolted fault.
DipVoltages dip_voltages(double v, DipKind kind) {
  if (kind == DipKind::kThreePhase) return {v, v};
  const double c = (1.0 + 2.0 * v) / 3.0;
  return {(2.0 + v) / 3.0, std::sqrt(0.25 + 0.75 * c * c)};
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
  voltage_pu_ = it_voltage_pu_ = 1.0;
  excursion_ = Excursion{};
  dips_start_s_ = -1;
}

void GridConnection::frequency_excursion(double hz, double hold_s, double rocof_hz_per_s,
                                         double now_s) {
  excursion_ = Excursion{true, now_s, frequency_hz_, hz, rocof_hz_per_s, hold_s};
}

void GridConnection::voltage_sag(double pu, double duration_s, double now_s) {
  VoltageDips d;
  d.retained_pu = pu;
  d.duration_s = duration_s;
  voltage_dips(d, now_s);
}

void GridConnection::voltage_dips(const VoltageDips& dips, double now_s) {
  dips_ = dips;
  dips_start_s_ = now_s;
  update_voltage(now_s);  // the dip is there from this instant
}

// Up at the excursion's rate, hold, back down at the same rate: piecewise linear in time.
void GridConnection::update_frequency(double now_s) {
  if (!excursion_.active) return;
  const Excursion& e = excursion_;
  const double f0 = p_.nominal_frequency_hz;
  const double t = now_s - e.start_s;
  const double up_s = std::fabs(e.to_hz - e.from_hz) / e.rocof_hz_per_s;
  const double down_s = std::fabs(f0 - e.to_hz) / e.rocof_hz_per_s;
  if (t < up_s) {
    frequency_hz_ = e.from_hz + std::copysign(e.rocof_hz_per_s * t, e.to_hz - e.from_hz);
  } else if (t < up_s + e.hold_s) {
    frequency_hz_ = e.to_hz;
  } else if (t < up_s + e.hold_s + down_s) {
    frequency_hz_ = e.to_hz + std::copysign(e.rocof_hz_per_s * (t - up_s - e.hold_s), f0 - e.to_hz);
  } else {
    frequency_hz_ = f0;
    excursion_.active = false;
  }
}

void GridConnection::update_voltage(double now_s) {
  if (dips_start_s_ < 0) return;
  const double t = now_s - dips_start_s_;
  const int k = dips_.count > 1 ? static_cast<int>(std::floor((t + kEdgeS) / dips_.interval_s)) : 0;
  const double into_s = t - k * (dips_.count > 1 ? dips_.interval_s : 0.0);
  if (k >= dips_.count || (k == dips_.count - 1 && into_s >= dips_.duration_s - kEdgeS)) {
    voltage_pu_ = it_voltage_pu_ = 1.0;
    dips_start_s_ = -1;
    return;
  }
  const bool in_dip = into_s < dips_.duration_s - kEdgeS;
  const DipVoltages v = in_dip ? dip_voltages(dips_.retained_pu, dips_.kind) : DipVoltages{};
  voltage_pu_ = v.poi_pu;
  it_voltage_pu_ = v.it_pu;
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
  update_frequency(now_s);
  update_voltage(now_s);
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
