// Watches the simulated plant's truth every physics step and keeps the figures
// a run is judged by: KPIs and the invariants' evidence.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sim/band_energy.hpp"
#include "sim/plant.hpp"
#include "sim/run_report.hpp"
#include "sim/scenario.hpp"

namespace sim {

// The energised bus's frequency extremes. The second or two before a blackout are
// the collapse its relays clear (0.16-0.5 s): reported as the blackout, not as a
// nadir or a peak beyond the trip settings.
class FrequencyExtremes {
 public:
  void energised(double hz, double dt_s);
  void went_dark();
  bool seen() const { return seen_; }
  double nadir_hz() const;
  double peak_hz() const;

 private:
  static constexpr double kCollapseBlockS = 1.0;
  bool seen_ = false;
  double nadir_ = 1e9, peak_ = -1e9;
  double previous_min_ = 1e9, previous_max_ = -1e9;  // the last whole block
  double block_min_ = 1e9, block_max_ = -1e9, block_s_ = 0;
};

class RunMonitor {
 public:
  RunMonitor(const Plant& plant, const Scenario& scenario);

  void observe(const Plant& plant, double shed_target_mw);
  void finish(const Plant& plant, RunReport& result) const;

 private:
  void observe_units(const Plant& plant);
  void judge_start_pace(const Plant& plant);
  void observe_pods(const Plant& plant);
  void observe_poi(const PlantState& s, double dt);
  void add_poi_invariants(const Plant& plant, RunReport& r) const;

  const Scenario& scenario_;
  const site::Site& site_;
  // Contract.
  double above_s_ = 0, above_run_s_ = 0, above_run_max_s_ = 0;
  double contract_sum_mw_ = 0, contract_block_s_ = 0;  // the present 1 s mean
  // Frequency.
  FrequencyExtremes frequency_;
  static constexpr double kEndSuppliedMarginS = 240;
  double grid_back_s_ = 0;  // the grid available this long, up to now
  bool ended_dark_ = false;
  // Import ramp: 10 s means, and the largest change over 60 s (six of them).
  double second_sum_ = 0;
  int second_steps_ = 0;
  std::array<double, 7> means_{};
  std::array<bool, 7> means_connected_{};
  int means_count_ = 0;
  double second_peak_mw_ = -1e18;         // import peak within the present 10 s mean
  std::array<double, 1> peaks_{{-1e18}};  // the previous 10 s window's peak
  double ramp_max_ = 0, ramp_max_at_s_ = 0;
  // Export, and the energy of the import and of the load in the 0.1-20 Hz band
  // while connected (after a warm-up: a connection's own step is not a swing).
  double export_s_ = 0, export_mwh_ = 0, export_peak_mw_ = 0;
  BandEnergy poi_band_, load_band_;
  double connected_for_s_ = 0;
  // Units: short-cycling and permit.
  std::vector<TurbineState> last_state_;
  std::vector<double> started_at_s_, stopped_at_s_;
  std::vector<std::string> short_cycles_;
  int max_running_ = 0;
  // The start pace (site/permit_pace.hpp): starts made while connected beyond it.
  int connected_starts_ = 0, starts_beyond_pace_ = 0;
  std::string first_beyond_pace_;
  // Pods.
  std::vector<std::string> below_floor_;
  long long step_count_ = 0;
  // Shedding while margin exists.
  double unneeded_run_s_ = 0, unneeded_total_s_ = 0, peak_shed_mw_ = 0;
  double battery_start_mwh_ = 0;
};

}  // namespace sim
