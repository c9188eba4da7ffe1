// The utility connection: a stiff source at nominal frequency behind the POI breaker.
//
// The breaker opens by itself on loss of mains (outage) and on sustained
// under-voltage (POI protection); it closes only on command, after a sync check
// (slip within the configured window, or a dead site bus), after its closing time.
#pragma once

#include "sim/command.hpp"
#include "site/site.hpp"

namespace sim {

enum class BreakerTrip { kNone, kLossOfMains, kUndervoltage, kCommanded };
const char* to_string(BreakerTrip t);

class GridConnection {
 public:
  explicit GridConnection(const site::Grid& params);

  // Faults and events on the utility side.
  void outage();
  void restore();
  void frequency_excursion(double hz, double duration_s, double now_s);
  void voltage_sag(double pu, double duration_s, double now_s);

  // Commands at the POI breaker. `site_hz` is the site bus frequency (0 when dead).
  CommandResult close(double site_hz, double now_s);
  CommandResult open();
  void set_breaker_closed(bool closed) { breaker_closed_ = closed; }  // initial condition

  // Advances timers and protection; returns true in the step the breaker closes.
  bool step(double now_s, double dt_s);

  bool available() const { return available_; }
  bool breaker_closed() const { return breaker_closed_; }
  bool connected() const { return available_ && breaker_closed_; }
  bool closing() const { return close_due_s_ >= 0; }
  double frequency_hz() const { return available_ ? frequency_hz_ : 0.0; }
  double voltage_pu() const { return available_ ? voltage_pu_ : 0.0; }
  BreakerTrip last_trip() const { return last_trip_; }
  int breaker_operations() const { return operations_; }
  const site::Grid& params() const { return p_; }

 private:
  void trip(BreakerTrip why);

  site::Grid p_;
  bool available_ = true;
  bool breaker_closed_ = true;
  double frequency_hz_;
  double voltage_pu_ = 1.0;
  double excursion_until_s_ = -1;
  double sag_until_s_ = -1;
  double undervoltage_s_ = 0;
  double close_due_s_ = -1;
  BreakerTrip last_trip_ = BreakerTrip::kNone;
  int operations_ = 0;
};

}  // namespace sim
