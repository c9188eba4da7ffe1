// The site controller: one pure step per scan.
//
//   step(process image, operator inputs, now) -> commands
//
// No I/O, no clock, no threads, no globals; everything it needs is allocated in
// the constructor, so steady-state scans allocate nothing. The policy (this
// controller, or the conventional genset-style baseline) is chosen by the site's
// [controller] kind.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "fw/alarms.hpp"
#include "fw/event_log.hpp"
#include "fw/supervisor.hpp"
#include "fw/turbine_machine.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "site/site.hpp"

namespace fw {

// Requests from the operator (SCADA/HMI, or a scenario), read once per scan. The
// shell validates them against the site's [scada] bounds before they get here.
struct OperatorInputs {
  bool manual_request = false;  // one-shot
  bool auto_request = false;    // one-shot
  // Held settings: a lower import limit than the contract (0: the contract), and
  // a level of GPU load to hold back whatever the controller's own need.
  double import_limit_mw = 0;
  double manual_shed_mw = 0;
  // Not the operator's: the shell's own health, for its alarms.
  bool scan_overrun = false;
  bool state_not_kept = false;        // counters not restored, or not saved
  bool peer_site_mismatch = false;    // the hot-standby peer runs another site model
  bool event_journal_failed = false;  // the journal's last write failed
};

// Counters carried in from before this run (the shell persists them), and kept
// up to date by the step.
struct PermitUsage {
  std::vector<int> starts;  // per unit, this permit year
  std::vector<int> stops;
  std::vector<double> run_hours;  // per unit, counted by the controller while online
  double nox_kg = 0;              // rolling 12 months
  // Seconds of the permit year gone when the controller's clock reads 0: the shell
  // sets it from the wall clock and the site's permit.year_start (never persisted;
  // a standby taking over keeps its own).
  double year_elapsed_s = 0;
};

// NOx of every unit at full fuel, kg per hour: the most the site can emit.
double full_fuel_nox_kg_per_h(const site::Site& site);

struct ControllerStatus {
  Mode mode = Mode::kInit;
  bool connected = false;
  double import_mw = 0;  // best estimate
  bool import_meter_suspect = false;
  double site_load_mw = 0;
  double shed_mw = 0;  // IT power held back by caps (target)
  double battery_target_mw = 0;
  int units_online = 0;
  int units_starting = 0;
  double import_limit_mw = 0;  // in force: the contract or the operator's lower limit
  double nox_kg = 0;           // permit usage, rolling, including this run
  int ufls_stages = 0;         // stages that have acted
  bool start_blocked_by_permit = false;
  // The start pace (site/permit_pace.hpp): the day of the permit year, the starts
  // of every unit this year, and those the pace allows by today.
  double permit_year_day = 0;
  int starts_used = 0;
  double starts_allowed = 0;
  bool start_held_by_pace = false;  // connected, a start was wanted beyond the pace
};

class Controller {
 public:
  Controller(const site::Site& site, const PermitUsage& usage);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void step(const hal::ProcessImage& image, const OperatorInputs& op, double now_s,
            hal::Commands& out);
  // As if constructed anew with `usage`: a standby taking over, with the counters
  // its peer last sent. Its next step adopts the plant as it finds it, as a
  // controller's first step does (bumpless). Allocates: not a scan's work.
  void restart(const PermitUsage& usage);

  const ControllerStatus& status() const;
  EventLog& log();
  // The alarms. Operator actions (acknowledge, shelve) are taken between scans,
  // stamped with the time of the last scan; the step raises and clears.
  AlarmManager& alarms();
  const AlarmManager& alarms() const;
  // Shed amount (MW of IT power) kept ready per credible contingency:
  // index 0 is the loss of the grid, 1 + u the loss of unit u.
  const std::vector<double>& contingency_shed_mw() const;
  const TurbineMachine& unit(int u) const;
  // The carried counters as they stand after the last step.
  const PermitUsage& usage() const;
  int starts_used(int u) const;
  int stops_used(int u) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw
