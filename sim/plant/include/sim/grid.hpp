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

// A frequency excursion ramps at this rate unless told otherwise: the severe end of
// what a large interconnection sees (ENTSO-E, "Rate of Change of Frequency (RoCoF)
// withstand capability", 2018: HVDC systems withstand +-2.5 Hz/s; docs/scenarios.md).
inline constexpr double kDefaultRocofHzPerS = 1.0;

// How a voltage dip's fault touches the phases: all three, or one phase to ground.
enum class DipKind { kThreePhase, kPhaseToGround };

// One dip or a train of them, as auto-reclosing onto a persistent fault gives:
// `count` dips of `duration_s` each, starting `interval_s` apart; during each,
// the faulted phase(s) keep `retained_pu` of nominal.
struct VoltageDips {
  double retained_pu = 0.5;
  double duration_s = 0.1;
  int count = 1;
  double interval_s = 0;  // start to start; only read when count > 1
  DipKind kind = DipKind::kThreePhase;
};

// What a dip leaves: the positive-sequence voltage at the POI (what its meter
// reports, and what its under-voltage protection acts on) and the lowest phase the
// IT equipment sees behind the site's delta-wye transformer.
struct DipVoltages {
  double poi_pu = 1.0;
  double it_pu = 1.0;
};
DipVoltages dip_voltages(double retained_pu, DipKind kind);

class GridConnection {
 public:
  explicit GridConnection(const site::Grid& params);

  // Faults and events on the utility side.
  void outage();
  void restore();
  // The grid frequency ramps from where it is to `hz` at `rocof_hz_per_s`, holds
  // there for `hold_s`, and ramps back to nominal at the same rate.
  void frequency_excursion(double hz, double hold_s, double now_s) {
    frequency_excursion(hz, hold_s, kDefaultRocofHzPerS, now_s);
  }
  void frequency_excursion(double hz, double hold_s, double rocof_hz_per_s, double now_s);
  // One three-phase dip to `pu` (the original voltage_sag event).
  void voltage_sag(double pu, double duration_s, double now_s);
  void voltage_dips(const VoltageDips& dips, double now_s);

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
  double voltage_pu() const { return available_ ? voltage_pu_ : 0.0; }  // positive sequence
  double it_voltage_pu() const { return available_ ? it_voltage_pu_ : 0.0; }
  BreakerTrip last_trip() const { return last_trip_; }
  int breaker_operations() const { return operations_; }
  const site::Grid& params() const { return p_; }

 private:
  void trip(BreakerTrip why);
  void update_frequency(double now_s);
  void update_voltage(double now_s);

  // A frequency excursion: from `from_hz` at `start_s` to `to_hz`, held, then back.
  struct Excursion {
    bool active = false;
    double start_s = 0, from_hz = 0, to_hz = 0, rocof_hz_per_s = 1, hold_s = 0;
  };

  site::Grid p_;
  bool available_ = true;
  bool breaker_closed_ = true;
  double frequency_hz_;
  double voltage_pu_ = 1.0;
  double it_voltage_pu_ = 1.0;
  Excursion excursion_;
  VoltageDips dips_;
  double dips_start_s_ = -1;  // < 0: no dips scheduled
  double undervoltage_s_ = 0;
  double close_due_s_ = -1;
  BreakerTrip last_trip_ = BreakerTrip::kNone;
  int operations_ = 0;
};

}  // namespace sim
