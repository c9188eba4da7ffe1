#include "sim/run_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "site/permit_pace.hpp"

namespace sim {

namespace {
constexpr int kPodCheckEverySteps = 10;
constexpr double kRampMeanS = 10;  // the import ramp is judged on 10 s means, 60 s apart  // the
                                   // floor check costs O(pods): every 100 ms
// The band of arXiv 2508.14318's example specification for a training site's
// power at the grid connection.
// The import's mean over this is what the utility's telemetry sees of the contract
// (EMS scan rates are 2-4 s; 1 s is stricter).
constexpr double kContractMeanS = 1.0;
constexpr double kBandLowHz = 0.1, kBandHighHz = 20;
constexpr double kBandWarmUpS = 30;  // five of the high-pass's time constants
// Below this swing of the load (rms in the band), there is nothing to attenuate.
constexpr double kBandLeastLoadRmsMw = 0.5;
}  // namespace

RunMonitor::RunMonitor(const Plant& plant, const Scenario& scenario)
    : scenario_(scenario),
      site_(plant.site()),
      poi_band_(kBandLowHz, kBandHighHz, plant.step_s()),
      load_band_(kBandLowHz, kBandHighHz, plant.step_s()) {
  const size_t n = static_cast<size_t>(plant.turbine_count());
  last_state_.resize(n);
  for (size_t u = 0; u < n; ++u)
    last_state_[u] = plant.turbine(static_cast<int>(u)).state();
  started_at_s_.assign(n, -1e18);
  stopped_at_s_.assign(n, -1e18);
  if (plant.battery()) battery_start_mwh_ = plant.battery()->stored_mwh();
}

void FrequencyExtremes::energised(double hz, double dt_s) {
  seen_ = true;
  block_min_ = std::min(block_min_, hz);
  block_max_ = std::max(block_max_, hz);
  block_s_ += dt_s;
  if (block_s_ < kCollapseBlockS) return;
  // The block before this one did not end in a blackout: it counts.
  nadir_ = std::min(nadir_, previous_min_);
  peak_ = std::max(peak_, previous_max_);
  previous_min_ = block_min_;
  previous_max_ = block_max_;
  block_min_ = 1e9;
  block_max_ = -1e9;
  block_s_ = 0;
}

void FrequencyExtremes::went_dark() {
  previous_min_ = block_min_ = 1e9;
  previous_max_ = block_max_ = -1e9;
  block_s_ = 0;
}

double FrequencyExtremes::nadir_hz() const {
  return std::min({nadir_, previous_min_, block_min_});
}

double FrequencyExtremes::peak_hz() const {
  return std::max({peak_, previous_max_, block_max_});
}

void RunMonitor::observe(const Plant& plant, double shed_target_mw) {
  const PlantState& s = plant.state();
  const double dt = plant.step_s();
  ++step_count_;

  // The contract is judged on the import's 1 s means, what the utility's telemetry
  // sees; the swing within a second is the band's (observe_poi).
  contract_sum_mw_ += s.import_mw;
  contract_block_s_ += dt;
  if (contract_block_s_ >= kContractMeanS - 1e-9) {
    if (contract_sum_mw_ * dt / contract_block_s_ > site_.grid.import_contract_mw) {
      above_s_ += contract_block_s_;
      above_run_s_ += contract_block_s_;
      above_run_max_s_ = std::max(above_run_max_s_, above_run_s_);
    } else {
      above_run_s_ = 0;
    }
    contract_sum_mw_ = contract_block_s_ = 0;
  }
  grid_back_s_ = plant.grid().available() ? grid_back_s_ + dt : 0.0;
  ended_dark_ = s.blackout;
  if (s.blackout) {
    frequency_.went_dark();
  } else {
    frequency_.energised(s.frequency_hz, dt);
  }

  // Ramp of the import: 10 s means (longer than any training iteration, so a
  // swing's phase does not move them), compared 60 s apart while connected.
  second_sum_ += s.import_mw;
  if (++second_steps_ * dt >= kRampMeanS - 1e-9) {
    const size_t n = means_.size();
    const size_t slot = static_cast<size_t>(means_count_) % n;
    means_[slot] = second_sum_ / second_steps_;
    means_connected_[slot] = !s.islanded;
    if (means_count_ >= static_cast<int>(n) - 1) {
      const size_t old = static_cast<size_t>(means_count_ + 1) % n;
      if (means_connected_[old] && means_connected_[slot])
        if (std::fabs(means_[slot] - means_[old]) > ramp_max_) {
          ramp_max_ = std::fabs(means_[slot] - means_[old]);
          ramp_max_at_s_ = s.time_s;
        }
    }
    ++means_count_;
    second_sum_ = 0;
    second_steps_ = 0;
    peaks_[static_cast<size_t>(means_count_) % peaks_.size()] = second_peak_mw_;
    second_peak_mw_ = -1e18;
  }

  observe_poi(s, dt);
  observe_units(plant);
  if (step_count_ % kPodCheckEverySteps == 0) observe_pods(plant);

  // Shedding while margin exists: GPU power held back although the grid contract
  // or the online units (and the battery) could carry it, for longer than the
  // controller's own restoration would take.
  const double curtailed = plant.pods().curtailed_mw();
  peak_shed_mw_ = std::max(peak_shed_mw_, shed_target_mw);
  double headroom_mw = 0;
  for (int u = 0; u < plant.turbine_count(); ++u) {
    const Turbine& t = plant.turbine(u);
    // A unit delivers power from its breaker's closing: loading counts too, with what
    // its loading ramp can bring within the restore delay.
    const double spare_mw = std::max(0.0, t.rating_mw() - t.mechanical_mw());
    if (t.state() == TurbineState::kOnline) headroom_mw += spare_mw;
    if (t.state() == TurbineState::kLoading)
      headroom_mw += std::min(spare_mw, t.params().ramp_rate_pu_per_min / 60.0 * t.rating_mw() *
                                            site_.controller.restore_delay_s);
  }
  // Margin as the site's policy defines it: islanded, the online units keep their
  // reserve; connected, the contract must hold at the import's peak of the last 10 s.
  const site::ControllerSettings& c = site_.controller;
  second_peak_mw_ = std::max(second_peak_mw_, s.import_mw);
  double recent_peak_mw = second_peak_mw_;
  for (double p : peaks_)
    recent_peak_mw = std::max(recent_peak_mw, p);
  const double margin_mw = s.islanded
                               ? headroom_mw - c.island_reserve_pu * (s.load_mw + s.losses_mw)
                               : site_.grid.import_contract_mw - recent_peak_mw + headroom_mw;
  const double overheads = 1 + site_.facility.conversion_loss_pu + site_.facility.cooling_pu;
  const double slack_mw =
      c.import_margin_mw + 2 * c.restore_step_pu * site_.it_compute_mw() * overheads;
  if (curtailed > 0.5 && margin_mw > curtailed * overheads + slack_mw) {
    unneeded_run_s_ += dt;
    const double steps = std::ceil(peak_shed_mw_ / (c.restore_step_pu * site_.it_compute_mw()));
    const double grace_s = c.restore_delay_s + steps * c.restore_interval_s + 30.0;
    if (unneeded_run_s_ > grace_s) unneeded_total_s_ += dt;
  } else {
    unneeded_run_s_ = 0;
  }
  if (curtailed <= 0.5) peak_shed_mw_ = shed_target_mw;
}

// Export past what the contract allows, and the swing at the POI against the load's.
void RunMonitor::observe_poi(const PlantState& s, double dt) {
  if (s.islanded) {
    connected_for_s_ = 0;
    poi_band_.restart();
    load_band_.restart();
    return;
  }
  connected_for_s_ += dt;
  const double exported_mw = -s.import_mw - site_.grid.export_limit_mw;
  if (exported_mw > 0) {
    export_s_ += dt;
    export_mwh_ += exported_mw * dt / 3600;
    export_peak_mw_ = std::max(export_peak_mw_, exported_mw);
  }
  const bool count = connected_for_s_ >= kBandWarmUpS;
  poi_band_.add(s.import_mw, count);
  load_band_.add(s.load_mw + s.losses_mw, count);
}

// A start while connected is the load's choice: within the year's pace. Starts an
// island or a dead bus needs count in the year, and are neither paced nor judged.
void RunMonitor::judge_start_pace(const Plant& plant) {
  if (plant.state().islanded) return;
  ++connected_starts_;
  const int in_year =
      scenario_.permit_usage.starts_per_unit * plant.turbine_count() + connected_starts_;
  const double day = scenario_.permit_usage.day_of_year + plant.time_s() / site::kSecondsPerDay;
  const double allowed = site::starts_allowed_by(site_, day);
  if (in_year <= allowed + 1e-9) return;
  if (starts_beyond_pace_++ == 0) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "paced start %d of the year at %.0f s (day %.2f); the pace allows %.1f", in_year,
                  plant.time_s(), day, allowed);
    first_beyond_pace_ = text;
  }
}

void RunMonitor::observe_units(const Plant& plant) {
  const double now = plant.time_s();
  const double min_run = site_.controller.min_run_s, min_off = site_.controller.min_off_s;
  int running = 0;
  for (int u = 0; u < plant.turbine_count(); ++u) {
    const size_t i = static_cast<size_t>(u);
    const Turbine& t = plant.turbine(u);
    const TurbineState s = t.state();
    const TurbineState was = last_state_[i];
    if (s != TurbineState::kOff && s != TurbineState::kTripped && s != TurbineState::kCooldown)
      ++running;
    if (s == was) continue;
    char text[120];
    if (was == TurbineState::kOff && s == TurbineState::kPurging) {
      if (now - stopped_at_s_[i] < min_off) {
        std::snprintf(text, sizeof text, "unit %d restarted %.0f s after its stop (min off %.0f s)",
                      u, now - stopped_at_s_[i], min_off);
        short_cycles_.push_back(text);
      }
      started_at_s_[i] = now;
      judge_start_pace(plant);
    }
    // A commanded stop (unloading) of a unit that started in this run.
    if (s == TurbineState::kUnloading && started_at_s_[i] > -1e17) {
      if (now - started_at_s_[i] < min_run) {
        std::snprintf(text, sizeof text, "unit %d stopped %.0f s after its start (min run %.0f s)",
                      u, now - started_at_s_[i], min_run);
        short_cycles_.push_back(text);
      }
      stopped_at_s_[i] = now;
    }
    last_state_[i] = s;
  }
  max_running_ = std::max(max_running_, running);
}

void RunMonitor::observe_pods(const Plant& plant) {
  const PodFleet& pods = plant.pods();
  if (below_floor_.size() >= 5) return;  // enough evidence
  for (int p = 0; p < pods.size(); ++p) {
    // Dark or booting, a pod draws nothing or its idle power whatever its cap: its
    // work is counted as lost IT.
    if (pods.dark(p) || pods.booting(p)) continue;
    // A pod never runs below its floor (minimum cap) unless it asks for less.
    const double floor = std::min(pods.demand_mw(p), pods.min_cap_mw(p));
    if (pods.power_mw(p) < floor - 1e-9 || pods.cap_mw(p) < pods.min_cap_mw(p) - 1e-9) {
      char text[120];
      std::snprintf(text, sizeof text, "pod %d at %.3f MW, floor %.3f MW, t=%.1f s", p,
                    pods.power_mw(p), pods.min_cap_mw(p), plant.time_s());
      below_floor_.push_back(text);
      return;
    }
  }
}

void RunMonitor::finish(const Plant& plant, RunReport& r) const {
  const PlantTotals& t = plant.totals();
  Kpis& k = r.kpis;
  k.curtailed_mwh = t.curtailed_mwh;
  // Of the GPU energy asked for: what was drawn plus what caps held back.
  const double asked_mwh = t.it_mwh + t.curtailed_mwh;
  k.curtailed_pct = asked_mwh > 0 ? 100.0 * t.curtailed_mwh / asked_mwh : 0.0;
  k.contract_violation_s = above_s_;
  k.contract_violation_max_run_s = above_run_max_s_;
  k.freq_nadir_hz = frequency_.seen() ? frequency_.nadir_hz() : 0.0;
  k.freq_peak_hz = frequency_.seen() ? frequency_.peak_hz() : 0.0;
  k.import_ramp_max_mw_per_min = ramp_max_;
  k.import_ramp_max_at_s = ramp_max_at_s_;
  k.export_s = export_s_;
  k.export_mwh = export_mwh_;
  k.export_peak_mw = export_peak_mw_;
  const double load_energy = load_band_.energy_mw2s();
  const double judged_s = std::max(1e-9, plant.time_s());
  k.load_band_rms_mw = std::sqrt(load_energy / judged_s);
  k.poi_band_ratio =
      k.load_band_rms_mw >= kBandLeastLoadRmsMw ? poi_band_.energy_mw2s() / load_energy : -1.0;
  double nox_kg = 0;
  for (int u = 0; u < plant.turbine_count(); ++u) {
    const TurbineCounters& c = plant.turbine(u).counters();
    k.turbine_starts += c.starts;
    k.fuel_mmbtu += c.fuel_mmbtu;
    k.co2_t += c.co2_kg / 1000;
    nox_kg += c.nox_kg;
  }
  k.nox_t = nox_kg / 1000;
  const PermitUsageAtStart& carried = scenario_.permit_usage;
  const double run_days = plant.time_s() / site::kSecondsPerDay;
  const double end_day = carried.day_of_year + run_days;
  const int carried_starts = carried.starts_per_unit * plant.turbine_count();
  k.starts_in_year = carried_starts + k.turbine_starts;
  k.starts_allowed = site::starts_allowed_by(site_, end_day);
  k.starts_beyond_pace = starts_beyond_pace_;
  k.starts_projected =
      site::projected_at_year_end(carried_starts, k.turbine_starts, run_days, end_day);
  // The rolling NOx is a 12-month sum: carried at this run's rate, the months
  // before it fall out as the run's months come in.
  const double run_nox_t = nox_kg / site::kKgPerShortTon;
  k.nox_projected_short_tons =
      run_days > 0 ? run_nox_t / run_days * site::kPermitYearDays : carried.nox_short_tons;
  double battery_loss_mwh = 0;
  if (const Battery* b = plant.battery())
    battery_loss_mwh =
        b->charged_mwh() - b->discharged_mwh() - (b->stored_mwh() - battery_start_mwh_);
  k.smoothing_mwh = battery_loss_mwh + t.floor_burn_mwh;
  k.unserved_mwh = t.unserved_mwh;
  k.blackout_s = t.blackout_s;
  k.ups_mwh = plant.ups().discharged_mwh();
  k.lost_it_mwh = t.lost_it_mwh;
  k.max_pods_on_ups = t.max_pods_on_ups;
  k.max_dark_pods = t.max_dark_pods;
  k.unneeded_shed_s = unneeded_total_s_;
  k.max_units_running = max_running_;

  const InvariantLimits& lim = scenario_.invariants;
  char text[200];
  auto add = [&](const char* name, bool pass, const std::string& detail) {
    r.invariants.push_back(Invariant{name, pass, detail});
  };
  std::snprintf(text, sizeof text, "longest spell above %.1f MW: %.2f s (allowed %.2f s)",
                site_.grid.import_contract_mw, above_run_max_s_, lim.max_contract_violation_s);
  // 1 s blocks of 0.01 s steps add up to a hair over a whole second: not a breach.
  constexpr double kBlockSumSlackS = 1e-6;
  add("contract", above_run_max_s_ <= lim.max_contract_violation_s + kBlockSumSlackS, text);
  const double allowed_total_s =
      std::max(10.0, lim.max_contract_violation_s_per_day * plant.time_s() / 86400.0);
  std::snprintf(text, sizeof text, "%.2f s above %.1f MW in all (allowed %.2f s)", above_s_,
                site_.grid.import_contract_mw, allowed_total_s);
  add("contract_total", above_s_ <= allowed_total_s + kBlockSumSlackS * (1 + above_s_), text);
  // A run stopped before its first step (a signal at start-up) saw no frequency:
  // nothing to judge, and nothing broken.
  const bool energised_seen = frequency_.seen();
  std::snprintf(text, sizeof text, "nadir %.3f Hz (allowed >= %.2f Hz)%s", k.freq_nadir_hz,
                lim.min_frequency_hz, energised_seen ? "" : "; no energised step observed");
  add("frequency_nadir", !energised_seen || k.freq_nadir_hz >= lim.min_frequency_hz, text);
  std::snprintf(text, sizeof text, "peak %.3f Hz (allowed <= %.2f Hz)%s", k.freq_peak_hz,
                lim.max_frequency_hz, energised_seen ? "" : "; no energised step observed");
  add("frequency_peak", !energised_seen || k.freq_peak_hz <= lim.max_frequency_hz, text);
  std::snprintf(text, sizeof text, "blackout %.1f s, unserved %.2f MWh", t.blackout_s,
                t.unserved_mwh);
  add("no_blackout", lim.allow_blackout || t.blackout_s == 0, text);
  add("no_short_cycling", short_cycles_.empty(),
      short_cycles_.empty() ? "no unit stopped within min_run_s or restarted within min_off_s"
                            : short_cycles_.front());

  // Permit: units at once, start and stop budgets, rolling NOx.
  const site::Permit& p = site_.permit;
  std::string permit_detail;
  bool permit_ok = max_running_ <= p.max_units_running;
  for (int u = 0; u < plant.turbine_count() && permit_ok; ++u) {
    const TurbineCounters& c = plant.turbine(u).counters();
    if (scenario_.permit_usage.starts_per_unit + c.starts > p.starts_per_unit_per_year ||
        scenario_.permit_usage.stops_per_unit + c.stops > p.shutdowns_per_unit_per_year) {
      permit_ok = false;
      std::snprintf(text, sizeof text, "unit %d: %d starts and %d stops with the year's usage", u,
                    scenario_.permit_usage.starts_per_unit + c.starts,
                    scenario_.permit_usage.stops_per_unit + c.stops);
      permit_detail = text;
    }
  }
  const double nox_total_t = scenario_.permit_usage.nox_short_tons + nox_kg / site::kKgPerShortTon;
  if (nox_total_t > p.nox_cap_short_tons_per_12_months) {
    permit_ok = false;
    std::snprintf(text, sizeof text, "rolling NOx %.3f short tons > cap %.1f", nox_total_t,
                  p.nox_cap_short_tons_per_12_months);
    permit_detail = text;
  }
  if (permit_ok) {
    std::snprintf(text, sizeof text,
                  "at most %d units at once (permit %d); rolling NOx %.3f of %.1f short tons",
                  max_running_, p.max_units_running, nox_total_t,
                  p.nox_cap_short_tons_per_12_months);
    permit_detail = text;
  }
  add("permit", permit_ok, permit_detail);
  add("no_pod_below_floor", below_floor_.empty(),
      below_floor_.empty() ? "every pod at or above min(demand, minimum cap)"
                           : below_floor_.front());
  std::snprintf(text, sizeof text,
                "%.1f s of shedding past its restore time while margin existed (allowed %.1f s)",
                unneeded_total_s_, lim.max_unneeded_shed_s);
  add("no_shedding_with_margin", unneeded_total_s_ <= lim.max_unneeded_shed_s, text);
  std::snprintf(text, sizeof text,
                "%d starts in the permit year, %.1f allowed by day %.1f; projected %.0f of %d",
                k.starts_in_year, k.starts_allowed, end_day, k.starts_projected,
                site::fleet_start_budget(site_));
  add("start_pace", starts_beyond_pace_ == 0, starts_beyond_pace_ == 0 ? text : first_beyond_pace_);
  add_poi_invariants(plant, r);
  // Every run ends with the site supplied, unless nothing could supply it: a dark
  // bus is always closable onto a grid that has been back for the controller's
  // stable time and a margin.
  const double closable_after_s = site_.controller.resync_stable_s + kEndSuppliedMarginS;
  std::snprintf(text, sizeof text,
                ended_dark_ ? "the run ends dark, the grid back for %.0f s (allowed while under "
                              "%.0f s)"
                            : "the run ends with the site supplied",
                grid_back_s_, closable_after_s);
  add("ends_supplied", !ended_dark_ || grid_back_s_ < closable_after_s, text);
}

// The utility's view of the connection: the import's ramp, export, and the swing.
void RunMonitor::add_poi_invariants(const Plant& plant, RunReport& r) const {
  const InvariantLimits& lim = scenario_.invariants;
  const Kpis& k = r.kpis;
  char text[200];
  auto add = [&](const char* name, bool pass) {
    r.invariants.push_back(Invariant{name, pass, text});
  };
  const double ramp_limit = lim.max_import_ramp_mw_per_min >= 0
                                ? lim.max_import_ramp_mw_per_min
                                : site_.grid.import_ramp_limit_mw_per_min;
  if (ramp_limit > 0) {
    std::snprintf(text, sizeof text,
                  "largest change of the 10 s mean import over a minute %.2f MW (at %.0f s; "
                  "allowed %.2f MW/min)",
                  k.import_ramp_max_mw_per_min, k.import_ramp_max_at_s, ramp_limit);
  } else {
    std::snprintf(text, sizeof text, "the site has no import ramp limit (largest %.2f MW/min)",
                  k.import_ramp_max_mw_per_min);
  }
  add("import_ramp", ramp_limit <= 0 || k.import_ramp_max_mw_per_min <= ramp_limit);
  const double allowed_export_s =
      std::max(10.0, lim.max_export_s_per_day * plant.time_s() / 86400.0);
  std::snprintf(text, sizeof text,
                "%.1f s beyond the %.1f MW the contract allows, %.3f MWh, %.1f MW at most "
                "(allowed %.1f s)",
                k.export_s, site_.grid.export_limit_mw, k.export_mwh, k.export_peak_mw,
                allowed_export_s);
  add("no_export", k.export_s <= allowed_export_s);
  if (k.poi_band_ratio >= 0) {
    std::snprintf(text, sizeof text,
                  "import's 0.1-20 Hz energy %.1f %% of the load's (load %.2f MW rms in the band; "
                  "allowed %.0f %%)",
                  100 * k.poi_band_ratio, k.load_band_rms_mw, 100 * lim.max_poi_band_ratio);
  } else {
    std::snprintf(text, sizeof text,
                  "the load swung %.2f MW rms in the 0.1-20 Hz band: too little to judge",
                  k.load_band_rms_mw);
  }
  add("poi_band", k.poi_band_ratio < 0 || k.poi_band_ratio <= lim.max_poi_band_ratio);
}

}  // namespace sim
