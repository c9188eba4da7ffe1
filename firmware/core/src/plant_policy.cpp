// This controller's policy: prefer the grid, then the battery, then turbines;
// smooth the import; shed only what the margin cannot carry.
#include <algorithm>
#include <cmath>

#include "controller_impl.hpp"
#include "site/permit_pace.hpp"
#include "site/turbine_fuel.hpp"

namespace fw {

namespace {
constexpr double kMeanTimeConstantS = 60;    // sustained load: a one-minute mean
constexpr double kTrendSampleS = 10;         // trend history: a sample every 10 s
constexpr double kBatteryBridgeS = 1800;     // the battery may carry a deficit this long
constexpr double kSocBiasPu = 0.5;           // how hard the battery is pulled to its target charge
constexpr double kRampUsePu = 0.8;           // use 80 % of the utility's ramp limit
constexpr double kSetpointDeadbandMw = 0.2;  // fewer writes: devices keep the last setpoint
constexpr double kStopHysteresisOfNeedPu = 0.05;  // of the turbines' need
constexpr double kIslandMinSocPu = 0.02;
constexpr double kBoostReleaseS = 60;  // a contingency's battery boost fades over this
constexpr double kRechargePu = 0.1;   // of battery power: the units' extra output to recharge it //
                                      // islanded: the battery runs to near empty
constexpr double kNoxStopLeadS = 60;  // a unit is stopped this long before the NOx cap
constexpr double kAtOnceS = 1e9;      // island plan: an online unit's whole rating counts now
constexpr double kIslandRechargeBandPu = 0.03;  // islanded: recharged below its floor plus this
// Connected, a battery just below its reserve still answers the training swing
// (its peaks above the contract, charged back in its troughs) while the mean
// import is held under the contract less its margin: a swing costs energy only in
// the battery's losses, and shedding every peak would hold back far more GPU work
// than the mean's excess. Below this band it only recharges.
constexpr double kSwingBandPu = 0.02;  // of state of charge, under the reserve
// Under its swing band, the battery recharges at up to this share of its rating: the
// rest of it stays for the lead on its lag (lead_battery_lag).
constexpr double kRechargeRoomPu = 0.9;
// Share of the swing a recharging battery's lag lets through to the import at the
// swing's peaks: the 1M site's 2 s swing through its 0.2 s response put 8 MW of a
// 216 MW half swing over the import's target; a tenth keeps a margin.
constexpr double kLagThroughPu = 0.1;
// The utility judges the ramp on 10 s means: what a recharging battery cannot absorb
// is held back on that mean, within a few seconds.
constexpr double kFastMeanS = 10;
constexpr double kRampShedS = 5;
// The battery lag's model is drawn towards the measured output by this share a
// scan: it follows a drift, and a stale or noisy reading does not drive the lead.
constexpr double kModelPullPu = 0.2;
constexpr double kMeanShedS = 120;  // the mean's excess is held back over this (with the 60 s
                                    // mean: a damping of 0.7, no windup)
// A learned peak is prepared for with this margin: a day's peak is rarely the
// same size twice.
constexpr double kProfileMarginPu = 1.25;
constexpr double kGridReturnMarginS = 30;  // a live grid is closed onto within its wait and this
constexpr double kSocTargetHeadroomPu = 0.05;  // a pre-charged battery stops short of full
}  // namespace

// --- the permit's pace and the day's peaks -------------------------------------

int Controller::Impl::fleet_starts_used() const {
  int n = 0;
  for (const int s : permit.starts)
    n += s;
  return n;
}

// Starts the pace counts: every start of the year but those an island or a dead
// bus forced since this controller began (after a restart, those count as paced:
// erring on the permit's side).
int Controller::Impl::paced_starts_used() const {
  return fleet_starts_used() - forced_starts;
}

// A start the grid does not force is made only within the year's pace.
bool Controller::Impl::start_within_pace() const {
  const double day = year_clock_s() / site::kSecondsPerDay;
  return paced_starts_used() + 1 <= site::starts_allowed_by(site, day) + 1e-9;
}

// The battery's energy above its reserve (kept for contingencies and islanding).
double Controller::Impl::bridge_mwh() const {
  if (!site.has_battery || !est.battery_ok) return 0;
  return std::max(0.0, (est.soc_pu - site.battery.soc_min_pu - cfg.battery_reserve_pu) *
                           site.battery.energy_mwh);
}

// The charge a connected battery rests at: mid charge, or, once the day's peaks
// are known, enough above its reserve to carry the next one alone, charged from
// the contract the hours before it leave unused.
double Controller::Impl::soc_target_pu() const {
  const site::Battery& b = site.battery;
  const double mid = 0.5 * (b.soc_min_pu + b.soc_max_pu);
  if (!profile.known()) return mid;
  const DailyProfile::Peak next = profile.next_peak(year_clock_s(), site::kSecondsPerDay, 0.0);
  const double wanted =
      b.soc_min_pu + cfg.battery_reserve_pu +
      kProfileMarginPu * next.energy_mwh / (b.energy_mwh * std::sqrt(b.round_trip_efficiency_pu));
  return std::clamp(wanted, mid, std::max(mid, b.soc_max_pu - kSocTargetHeadroomPu));
}

// Can the battery carry a gap beyond the units committed? Until a start could take
// over and half an hour more; in a peak the day's profile knows, the whole peak.
bool Controller::Impl::battery_carries_gap(double gap_mw, double committed_mw,
                                           double next_start_s) const {
  const double battery_mw = site.has_battery ? 0.8 * site.battery.power_mw : 0.0;
  if (gap_mw > battery_mw) return false;
  double energy_mwh = gap_mw * (kBatteryBridgeS + next_start_s) / 3600.0;
  const double clock = year_clock_s();
  if (profile.known() && profile.need_mw(clock) > committed_mw) {
    const DailyProfile::Peak peak = profile.next_peak(clock, site::kSecondsPerDay, committed_mw);
    energy_mwh = std::max(gap_mw * next_start_s / 3600.0, kProfileMarginPu * peak.energy_mwh);
    if (peak.max_mw > battery_mw) return false;
  }
  return energy_mwh <= bridge_mwh();
}

// Stopping a unit the next peak needs costs a start of the year's budget, and
// its start and stop NOx; holding it at minimum load costs NOx by the hour. It is
// held through the dip when the next peak that the rest of the units and a
// charged battery cannot carry comes within the hours its hold is worth: the
// permit's NOx per budgeted start over its minimum load's NOx rate (a day at most).
bool Controller::Impl::hold_through_dip(int u, double rest_mw) const {
  if (!profile.known()) return false;
  const UnitView& v = units[static_cast<size_t>(u)];
  const site::TurbineGroup& g = *v.group;
  const double msl_pu = g.min_stable_load_pu;
  const double hold_kg_per_h =
      v.fuel_mmbtu_per_h_full * site::fuel_pu_at_load(g, msl_pu) *
      site::nox_kg_per_mmbtu_from_ppm(site::nox_ppm_at_load(g, msl_pu, false));
  const double start_worth_kg =
      site.permit.nox_cap_kg() / std::max(1, site::fleet_start_budget(site)) +
      2 * site::start_nox_kg(g);
  const double horizon_s =
      hold_kg_per_h > 0 ? std::min(site::kSecondsPerDay, start_worth_kg / hold_kg_per_h * 3600)
                        : site::kSecondsPerDay;
  const DailyProfile::Peak next = profile.next_peak(year_clock_s(), horizon_s, rest_mw);
  if (next.max_mw <= 0) return false;
  const site::Battery& b = site.battery;
  const double battery_mw = site.has_battery ? 0.8 * b.power_mw : 0.0;
  const double charged_mwh =
      site.has_battery
          ? std::max(0.0, soc_target_pu() - b.soc_min_pu - cfg.battery_reserve_pu) * b.energy_mwh
          : 0.0;
  return next.max_mw > battery_mw || kProfileMarginPu * next.energy_mwh > charged_mwh;
}

bool Controller::Impl::battery_above_reserve() const {
  return site.has_battery && est.battery_ok &&
         est.soc_pu > site.battery.soc_min_pu + cfg.battery_reserve_pu;
}

bool Controller::Impl::battery_swing_only() const {
  const double reserve_soc = site.battery.soc_min_pu + cfg.battery_reserve_pu;
  return est.connected && site.has_battery && est.battery_ok && !battery_above_reserve() &&
         est.soc_pu > reserve_soc - kSwingBandPu;
}

// Connected, the battery discharges only above its reserve or within the swing
// band under it; under that band it only recharges.
bool Controller::Impl::battery_may_discharge() const {
  return site.has_battery && est.battery_ok && (battery_above_reserve() || battery_swing_only()) &&
         est.soc_pu > site.battery.soc_min_pu + 0.01;
}

int Controller::Impl::pick_unit_to_start() const {
  int best = -1;
  for (size_t u = 0; u < units.size(); ++u) {
    const char* why = nullptr;
    if (machines[u].state() != UnitState::kOff || !units[u].comms_ok) continue;
    if (!start_allowed(static_cast<int>(u), why)) continue;
    if (best < 0 || units[u].run_hours < units[static_cast<size_t>(best)].run_hours)
      best = static_cast<int>(u);  // equalise run hours
  }
  return best;
}

int Controller::Impl::pick_unit_to_stop() const {
  int best = -1;
  for (size_t u = 0; u < units.size(); ++u) {
    if (machines[u].state() != UnitState::kOnline) continue;
    if (now - units[u].started_at_s < cfg.min_run_s) continue;  // no short-cycling
    if (permit.stops[u] >= site.permit.shutdowns_per_unit_per_year) continue;
    if (best < 0 || units[u].run_hours > units[static_cast<size_t>(best)].run_hours)
      best = static_cast<int>(u);
  }
  return best;
}

bool Controller::Impl::start_allowed(int u, const char*& why) const {
  const size_t i = static_cast<size_t>(u);
  int running = 0;
  for (const TurbineMachine& m : machines)
    if (m.state() == UnitState::kOnline || m.state() == UnitState::kStarting ||
        m.state() == UnitState::kCooling)
      ++running;
  if (running >= site.permit.max_units_running) return why = "units at once", false;
  // Every start needs a shutdown later: keep one of each in the budget.
  if (permit.starts[i] >= site.permit.starts_per_unit_per_year) return why = "start budget", false;
  if (permit.stops[i] >= site.permit.shutdowns_per_unit_per_year)
    return why = "shutdown budget", false;
  if (now - units[i].stopped_at_s < cfg.min_off_s) return why = "minimum off time", false;
  // No auxiliary power on a dead bus: only a unit with a black-start package cranks.
  if (bus_dead() && !units[i].group->black_start) return why = "dead bus", false;
  // Rolling NOx: the start's own NOx (part-load mode), the unit's minimum run at
  // full fuel and its stop must fit in what is left after what the units already
  // running are committed to.
  const double cap_kg = site.permit.nox_cap_kg();
  const site::TurbineGroup& g = *units[i].group;
  const double run_kg = 2 * site::start_nox_kg(g) + units[i].fuel_mmbtu_per_h_full *
                                                        units[i].nox_kg_per_mmbtu *
                                                        nox_commitment_run_s() / 3600.0;
  if (permit.nox_kg + committed_nox_kg() + run_kg > cap_kg) return why = "rolling NOx cap", false;
  return true;
}

// A start commits a unit to its minimum run (at least an hour, the NOx counted at
// full fuel) and to a stop. The stop's unloading burns in the part-load mode like
// a start's loading ramp, and is counted as a start's NOx.
double Controller::Impl::nox_commitment_run_s() const {
  return std::max(cfg.min_run_s, 3600.0);
}

double Controller::Impl::committed_nox_kg() const {
  double kg = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    const UnitState s = machines[u].state();
    const UnitView& v = units[u];
    if (s != UnitState::kOnline && s != UnitState::kStarting && s != UnitState::kCooling) continue;
    const double ramp_kg = site::start_nox_kg(*v.group);
    kg += ramp_kg;  // the stop
    if (s == UnitState::kCooling) continue;
    if (s == UnitState::kStarting) kg += ramp_kg;
    const double run_left_s = std::max(0.0, v.started_at_s + nox_commitment_run_s() - now);
    kg += v.fuel_mmbtu_per_h_full * v.nox_kg_per_mmbtu * run_left_s / 3600.0;
  }
  return kg;
}

// Never past the NOx cap: when what is left after the running units' stops would
// be burnt within a minute at their present rate, one is stopped, whatever its
// minimum run (the permit comes first; the island plan sheds for it).
void Controller::Impl::hold_nox_cap(hal::Commands& out) {
  const double cap_kg = site.permit.nox_cap_kg();
  if (cap_kg <= 0) return;
  double rate_kg_per_s = 0, stops_kg = 0, largest_mw = -1;
  int stop = -1;
  for (size_t u = 0; u < units.size(); ++u) {
    const UnitState s = machines[u].state();
    const UnitView& v = units[u];
    if (s == UnitState::kOnline || s == UnitState::kCooling)
      stops_kg += site::start_nox_kg(*v.group);
    if (s != UnitState::kOnline) continue;
    const site::TurbineGroup& g = *v.group;
    const double load_pu = std::clamp(v.mechanical_mw / v.rating_mw, 0.0, 1.0);
    rate_kg_per_s += v.fuel_mmbtu_per_h_full * site::fuel_pu_at_load(g, load_pu) *
                     site::nox_kg_per_mmbtu_from_ppm(site::nox_ppm_at_load(g, load_pu, false)) /
                     3600.0;
    if (v.mechanical_mw > largest_mw) {
      largest_mw = v.mechanical_mw;
      stop = static_cast<int>(u);
    }
  }
  const double left_kg = cap_kg - permit.nox_kg - stops_kg;
  if (stop < 0 || left_kg > rate_kg_per_s * kNoxStopLeadS) return;
  note("rolling NOx cap: %.1f kg left after the stops; stopping unit %.0f", left_kg, stop);
  command_stop(stop, out, "rolling NOx cap");
}

void Controller::Impl::command_start(int u, hal::Commands& out, const char* cause) {
  const size_t i = static_cast<size_t>(u);
  out.turbines[i].command = hal::TurbineCommand::kStart;
  machines[i].process(UnitEvent::kStartCmd, now, cause);
  units[i].started_at_s = now;
  units[i].fuel_from_s = now + units[i].group->purge_s;
  ++permit.starts[i];
  if (!est.connected) ++forced_starts;
}

void Controller::Impl::command_stop(int u, hal::Commands& out, const char* cause) {
  const size_t i = static_cast<size_t>(u);
  out.turbines[i].command = hal::TurbineCommand::kStop;
  machines[i].process(UnitEvent::kStopCmd, now, cause);
  units[i].stopped_at_s = now;
  ++permit.stops[i];
}

// Equal loading in pu. A unit still loading gives what it delivers now (its ramp
// brings the rest): were its rating shared out at once, the units at load would
// unload faster than it takes up its share, and the import or the island pay.
void Controller::Impl::share_setpoints(double total_mw, hal::Commands& out) {
  double rating = 0, loaded_rating = 0, loading_mw = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    if (machines[u].state() != UnitState::kOnline) continue;
    rating += units[u].rating_mw;
    if (units[u].status == hal::TurbineStatus::kLoading)
      loading_mw += std::max(0.0, units[u].power_mw);
    else
      loaded_rating += units[u].rating_mw;
  }
  if (rating <= 0) return;
  const double share_pu = std::clamp(
      loaded_rating > 0 ? (total_mw - loading_mw) / loaded_rating : total_mw / rating, 0.0, 1.0);
  for (size_t u = 0; u < units.size(); ++u) {
    if (machines[u].state() != UnitState::kOnline) continue;
    const double mw =
        std::clamp(share_pu * units[u].rating_mw, units[u].msl_mw, units[u].rating_mw);
    double& written = out.turbines[u].setpoint_mw;
    if (std::fabs(mw - written) >= kSetpointDeadbandMw || mw == units[u].msl_mw ||
        mw == units[u].rating_mw)
      written = std::round(mw * 100) / 100;
  }
}

void Controller::Impl::plant_dispatch(hal::Commands& out) {
  load_mean_mw += (est.load_mw - load_mean_mw) * dt / kMeanTimeConstantS;
  // Trend: the change of the one-minute mean over five minutes, once there is that
  // much history (a fresh mean still settles, and its slope would mislead).
  if (now - mean_history_last_s >= kTrendSampleS) {
    mean_history_last_s = now;
    const size_t n = mean_history.size();
    mean_history[static_cast<size_t>(mean_history_count) % n] = load_mean_mw;
    ++mean_history_count;
    if (mean_history_count > static_cast<int>(n)) {
      const double oldest = mean_history[static_cast<size_t>(mean_history_count) % n];
      load_slope_mw_per_s = (load_mean_mw - oldest) / (kTrendSampleS * static_cast<double>(n - 1));
    }
  }
  // The units carry the load's recent peak beyond the contract: the battery then
  // answers only the fast part of each swing (it is held where a jump to the peak
  // cannot breach the contract, see plant_battery), and its charge stays even. Were
  // the units to carry only the mean, the battery would carry every peak and drain.
  load_peak_mw = recent_peak(load_peak_mw, est.load_mw);
  if (!automatic()) return;
  if (!est.connected) {
    island_dispatch(out, cfg.island_reserve_pu);
    return;
  }
  const double limit = import_limit_mw - cfg.import_margin_mw;
  // Sustained need beyond the contract, counting the GPU load held back (turbines
  // start to give it back), and where the trend takes it within a start.
  const double held_back_mw = shed.target_mw() * (1 + overhead_pu + site.facility.cooling_pu);
  profile.record(year_clock_s(), dt, load_mean_mw + held_back_mw - limit);
  // Running units also make room for the battery to recharge when it is below mid
  // charge; below its reserve, recharging is reason enough to start one.
  const double mid_soc = 0.5 * (site.battery.soc_min_pu + site.battery.soc_max_pu);
  const double recharge_mw =
      site.has_battery && est.battery_ok
          ? std::clamp((mid_soc - est.soc_pu) / (mid_soc - site.battery.soc_min_pu), 0.0, 1.0) *
                kRechargePu * site.battery.power_mw
          : 0.0;
  const bool below_reserve = site.has_battery && est.battery_ok &&
                             est.soc_pu < site.battery.soc_min_pu + cfg.battery_reserve_pu;
  const double need_mw = load_peak_mw + held_back_mw - limit + (below_reserve ? recharge_mw : 0.0);
  double committed = 0, next_start_s = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    const UnitState s = machines[u].state();
    if (s == UnitState::kOnline || s == UnitState::kStarting) committed += units[u].rating_mw;
    if (s == UnitState::kOff) next_start_s = std::max(next_start_s, units[u].start_to_msl_s);
  }
  // The trend may bring forward one unit's start, not more: a step in the load
  // also bends a one-minute mean upwards for a while.
  double largest_mw = 0;
  for (const UnitView& v : units)
    largest_mw = std::max(largest_mw, v.rating_mw);
  const double predicted_mw =
      need_mw + std::min(largest_mw, std::max(0.0, load_slope_mw_per_s) * next_start_s);
  // Prefer the battery: start a unit only when the battery cannot carry the gap
  // (each start spends the permit's year). The trend brings a start forward only
  // where the battery could not bridge it either: a load coming back
  // from a checkpoint's dip bends the mean upwards too, and a start for it, just
  // after a stop, wears the permit.
  const double gap_mw = need_mw - committed, trend_gap_mw = predicted_mw - committed;
  const bool for_need = gap_mw > 0 && !battery_carries_gap(gap_mw, committed, next_start_s);
  const bool for_trend =
      trend_gap_mw > 0 && !battery_carries_gap(trend_gap_mw, committed, next_start_s);
  status.start_held_by_pace = false;
  if (for_need || for_trend) {
    if (need_since_s < 0) need_since_s = now;
    if (now - need_since_s >= cfg.add_on_delay_s) start_for_need(out);
  } else {
    need_since_s = -1;
  }
  // Stop a unit when the rest carry the need with hysteresis, after the delay.
  const int stop = pick_unit_to_stop();
  if (stop >= 0) {
    const double rest = committed - units[static_cast<size_t>(stop)].rating_mw;
    // Hysteresis grows with the need: a large site's one-minute mean wanders by
    // more than a unit's share, and a stop followed by a start wears the permit.
    const double hysteresis =
        std::max(cfg.stop_hysteresis_pu * units[static_cast<size_t>(stop)].rating_mw,
                 kStopHysteresisOfNeedPu * std::max(0.0, need_mw));
    // What the units carry counts their battery's recharge: a stop as the battery
    // crosses its reserve would be a start again as it drains back under it.
    const double carried_mw = std::max(need_mw, predicted_mw) + (below_reserve ? 0.0 : recharge_mw);
    if (carried_mw + hysteresis <= std::max(0.0, rest) && status.units_starting == 0 &&
        shed.target_mw() <= 0 && !hold_through_dip(stop, rest)) {
      if (surplus_since_s < 0) surplus_since_s = now;
      if (now - surplus_since_s >= cfg.add_off_delay_s) {
        command_stop(stop, out, "surplus: the rest carry the load");
        surplus_since_s = -1;
      }
    } else {
      surplus_since_s = -1;
    }
  }
  // Units carry the sustained need, and whatever the import's ramp limit holds back
  // (after a reconnection, the transfer to the grid goes at the utility's pace).
  // A battery that may only recharge takes its charge from them too while they
  // hand back: that charge is the room that keeps a load step off the import.
  units_need_mw = std::max(0.0, need_mw + recharge_mw);
  const double handing_back_mw =
      load_mean_mw - import_target_mw + (recharging_only ? recharge_mw : 0.0);
  share_setpoints(std::max(need_mw + recharge_mw, handing_back_mw), out);
}

// Connected, a start is the load's choice, not the grid's: within the permit's
// pace only. Beyond it, the battery down to its reserve and then the GPU caps
// carry the load.
void Controller::Impl::start_for_need(hal::Commands& out) {
  if (!start_within_pace()) {
    status.start_held_by_pace = status.start_blocked_by_permit = true;
    if (!pace_block_noted) {
      pace_block_noted = true;
      note("start pace: %.0f paced starts used, %.1f allowed today: GPU load held",
           paced_starts_used(),
           site::starts_allowed_by(site, year_clock_s() / site::kSecondsPerDay));
    }
    return;
  }
  pace_block_noted = false;
  const int u = pick_unit_to_start();
  if (u >= 0) {
    command_start(u, out, "load above the contract");
    need_since_s = -1;
    permit_block_noted = false;
  } else if (!permit_block_noted) {
    permit_block_noted = true;
    note("no unit may start (permit or availability): GPU load will be held instead");
  }
  status.start_blocked_by_permit = u < 0;
}

// The island's energy plan (island_plan.hpp): the load it can carry until the grid
// is expected back, counting the units online at unit_share_pu of their rating
// (what they deliver and can ramp up within pickup_s now, the rest as their ramp
// brings it), the units starting and those that may still start as each arrives at
// full power, and the battery's energy above its island floor.
double Controller::Impl::island_sustainable_mw(double unit_share_pu, double pickup_s) {
  island_supplies.clear();
  int may_start = site.permit.max_units_running;
  for (const TurbineMachine& m : machines)
    if (m.state() == UnitState::kOnline || m.state() == UnitState::kStarting ||
        m.state() == UnitState::kCooling)
      --may_start;
  for (size_t u = 0; u < units.size(); ++u) {
    const UnitView& v = units[u];
    const double capacity_mw = v.rating_mw * unit_share_pu;
    const double to_full_s = v.start_to_msl_s + (v.rating_mw - v.msl_mw) / v.ramp_mw_per_s;
    const char* why = nullptr;
    switch (machines[u].state()) {
      case UnitState::kOnline: {
        const double now_mw =
            std::min(capacity_mw, std::max(0.0, v.power_mw) + v.ramp_mw_per_s * pickup_s);
        island_supplies.push_back({now_mw, 0.0});
        if (capacity_mw > now_mw)
          island_supplies.push_back(
              {capacity_mw - now_mw, (capacity_mw - now_mw) / v.ramp_mw_per_s});
        break;
      }
      case UnitState::kStarting:
        island_supplies.push_back({capacity_mw, std::max(0.0, v.started_at_s + to_full_s - now)});
        break;
      case UnitState::kOff:
        if (may_start > 0 && v.comms_ok && start_allowed(static_cast<int>(u), why)) {
          island_supplies.push_back({capacity_mw, cfg.add_on_delay_s + to_full_s});
          --may_start;
        }
        break;
      default:
        break;
    }
  }
  std::sort(island_supplies.begin(), island_supplies.end(),
            [](const IslandSupply& a, const IslandSupply& b) { return a.arrival_s < b.arrival_s; });
  double energy_mwh = 0, power_mw = 0;
  if (site.has_battery && est.battery_ok) {
    const double usable_pu = est.soc_pu - site.battery.soc_min_pu - kIslandMinSocPu;
    energy_mwh = std::max(0.0, usable_pu) * site.battery.energy_mwh *
                 std::sqrt(site.battery.round_trip_efficiency_pu);  // the discharge's losses
    power_mw = site.battery.power_mw;
  }
  // Plan for the expected outage; past it, for at least half of it more.
  const double expected_s = cfg.island_expected_outage_s;
  const double elapsed_s = islanded_since_s >= 0 ? now - islanded_since_s : 0.0;
  const double horizon_s = std::max(expected_s - elapsed_s, 0.5 * expected_s);
  return island_sustainable_load_mw(island_supplies.data(),
                                    static_cast<int>(island_supplies.size()), energy_mwh, power_mw,
                                    horizon_s);
}

// The island's load: what the bus carries, and the IT its pods' UPS carry off it,
// which comes back onto the bus when they return (planned for, it does not collapse
// the island again and again).
double Controller::Impl::island_load_mw() const {
  return est.load_mw + shed.ups_it_mw() * (1 + overhead_pu);
}

// Islanded: units carry the load with reserve (at least the largest unit's loss);
// the battery bridges; the energy plan sheds what the island cannot carry.
void Controller::Impl::island_dispatch(hal::Commands& out, double reserve_pu) {
  // The demand counts the GPU load held back: units start to give it back.
  const double demand_mw =
      island_load_mw() + shed.target_mw() * (1 + overhead_pu + site.facility.cooling_pu);
  double committed = 0, largest = 0;
  for (size_t u = 0; u < units.size(); ++u)
    if (machines[u].state() == UnitState::kOnline || machines[u].state() == UnitState::kStarting) {
      committed += units[u].rating_mw;
      largest = std::max(largest, units[u].rating_mw);
    }
  const double needed = std::max(demand_mw * (1 + reserve_pu), demand_mw + largest);
  if (committed < needed && !island_waits_for_grid()) {
    const int u = pick_unit_to_start();
    if (u >= 0) command_start(u, out, "islanded: capacity below load and reserve");
    if (u < 0 && bus_dead() && !dead_bus_noted) {
      dead_bus_noted = true;
      note("dead bus and no black-start unit may start: waiting for the battery or the grid");
    }
  }
  if (!bus_dead()) dead_bus_noted = false;
  share_setpoints(est.load_mw + island_recharge_mw - std::max(0.0, est.battery_mw), out);
}

// Islanded by a disturbance the grid has ridden through (a sag its protection
// opened the breaker on, a fault cleared by a recloser), the utility side is still
// live and the breaker closes again within resync_stable_s. While the battery alone
// carries the island until then, with margin, no start is spent on it: a start
// answers an outage, and one the grid does not have would burn the permit's starts
// on a dip. A battery's trip in that minute is a second contingency.
bool Controller::Impl::island_waits_for_grid() const {
  if (!est.grid_live || islanded_since_s < 0) return false;
  // The wait runs from the grid's return to its band (from the loss while the
  // island recovers its frequency first), and never past twice its length.
  const double wait_s = cfg.resync_stable_s + kGridReturnMarginS;
  const double from_s = grid_stable_since_s >= 0 ? grid_stable_since_s : islanded_since_s;
  const double last_s = std::min(from_s, islanded_since_s + wait_s) + wait_s;
  if (now > last_s) return false;
  if (!site.has_battery || !est.battery_ok) return false;
  const double deficit_mw = std::max(0.0, island_load_mw() - std::max(0.0, est.turbine_mw));
  if (deficit_mw > site.battery.power_mw) return false;
  const double usable_mwh = std::max(0.0, est.soc_pu - site.battery.soc_min_pu - kIslandMinSocPu) *
                            site.battery.energy_mwh;
  return 2 * deficit_mw * (last_s - now) / 3600.0 <= usable_mwh;
}

void Controller::Impl::resynchronise(hal::Commands& out) {
  const double f0 = site.grid.nominal_frequency_hz;
  const bool grid_ok = est.grid_live && std::fabs(est.grid_hz - f0) < 0.1;
  const Mode mode = supervisor.mode();
  if (mode == Mode::kIslanded || mode == Mode::kResynchronising) {
    if (grid_ok) {
      if (grid_stable_since_s < 0) grid_stable_since_s = now;
    } else {
      grid_stable_since_s = -1;
    }
  }
  if (mode == Mode::kIslanded && grid_stable_since_s >= 0 &&
      now - grid_stable_since_s >= cfg.resync_stable_s) {
    supervisor.process(SupervisorEvent::kGridStable, now, "grid back and stable");
  }
  if (supervisor.mode() != Mode::kResynchronising) {
    resync_since_s = -1;
    resync_gave_up = false;
    return;
  }
  if (!grid_ok) {
    supervisor.process(SupervisorEvent::kGridUnstable, now, "grid left its band");
    return;
  }
  if (resync_since_s < 0) {
    resync_since_s = now;
    close_attempts = 0;
  }
  // Sync check, then close; a dead bus closes onto the live grid at once (the sync
  // check's dead-bus permissive). Retry every 2 s until the breaker reports closed.
  const bool dead = bus_dead();
  const bool in_sync = dead || (est.bus_hz_ok && std::fabs(est.bus_hz - est.grid_hz) < 0.1);
  if (!resync_gave_up && now - resync_since_s >= cfg.resync_timeout_s) {
    // Resynchronisation ends: closed, or this alarm with the reason.
    resync_gave_up = true;
    if (!in_sync)
      note("resync failed: bus %.2f Hz out of sync with the grid's %.2f Hz", est.bus_hz,
           est.grid_hz);
    else
      note("resync failed: the breaker did not close after %.0f attempts", close_attempts);
  }
  if (!resync_gave_up && in_sync && now - last_close_attempt_s >= 2.0) {
    out.breaker = hal::BreakerCommand::kClose;
    last_close_attempt_s = now;
    ++close_attempts;
  }
}

// The import a reconnection's transfer starts at: from zero, the swing's residue at
// the POI would be exported for seconds every time. Half a minute's ramp, and the
// minute after the close ramps at half the rate (plant_battery).
double Controller::Impl::close_step_mw() const {
  return std::min(0.5 * kRampUsePu * site.grid.import_ramp_limit_mw_per_min,
                  std::max(0.0, est.load_mw));
}

// The battery: smoothing at the POI (ramp-limited import); islanded, the
// contingency boost and frequency response.
void Controller::Impl::plant_battery(hal::Commands& out) {
  const double f0 = site.grid.nominal_frequency_hz;
  // The import without the battery. The import meter closes the battery's loop: a
  // reading that has not moved while the pods' power has, and that the balance of
  // the facility meter (which has moved) contradicts, would drive the battery by
  // its own output for the seconds the doubt takes to judge it, so the balance
  // stands in at once. A stale facility meter is not believed over the import.
  const double tol = cfg.meter_tolerance_mw;
  const bool import_stale = est.connected && est.load_ok && import_freeze.stale(tol) &&
                            !facility_freeze.stale(tol) &&
                            std::fabs(balance_mw() - est.import_mw) > tol;
  const double raw_mw =
      import_stale ? est.load_mw - est.turbine_mw : est.import_mw + est.battery_mw;
  raw_mean_mw += (raw_mw - raw_mean_mw) * dt / kMeanTimeConstantS;
  raw_peak_mw = recent_peak(raw_peak_mw, raw_mw);
  raw_fast_mean_mw += (raw_mw - raw_fast_mean_mw) * std::min(1.0, dt / kFastMeanS);
  // In the minute after a reconnection the ramp is halved: with the close's step,
  // the import's first minute moves as much as any other.
  const double ramp_pu = now - reconnected_at_s < 60 ? 0.5 * kRampUsePu : kRampUsePu;
  const double ramp_mw = ramp_pu * site.grid.import_ramp_limit_mw_per_min / 60.0 * dt;
  const double limit = import_limit_mw - cfg.import_margin_mw;
  battery_boost_mw = std::max(0.0, battery_boost_mw - battery_boost_mw * dt / kBoostReleaseS);
  if (!site.has_battery) {
    if (est.connected) import_target_mw = raw_mw;
    return;
  }
  const double p_max = site.battery.power_mw;
  const double soc_target = soc_target_pu();
  double cmd = 0;
  if (est.connected) {
    // The grid takes the load the units need not carry (what they carry beyond
    // their need, after a reconnection, goes back to it at the utility's ramp),
    // never exported beyond what the contract allows.
    const double units_mw = std::min(units_need_mw, std::max(0.0, est.turbine_mw));
    double desired =
        std::min(est.load_mw - units_mw, limit) - kSocBiasPu * (est.soc_pu - soc_target) * p_max;
    const bool recharge_only = est.battery_ok && !battery_may_discharge();
    if (recharge_only) recharge_target(desired, limit, p_max);
    recharging_only = recharge_only;
    import_target_mw += std::clamp(desired - import_target_mw, -ramp_mw, ramp_mw);
    import_target_mw = std::clamp(import_target_mw, -site.grid.export_limit_mw, limit);
    // The battery's output at the next scan: the import without the battery and
    // without the training swing, plus the swing as it will be then (its edges as
    // ramps of one scan, which a battery stepped once a scan can follow).
    const double per_it = 1 + overhead_pu;
    const double h = cfg.scan_period_s;
    const double base_mw = raw_mw - swing.now_mw() * per_it;
    const double swing_next_mw = swing.mean_mw(now + h, h) * per_it;
    // A step beyond the swing is answered in a scan: the lead below brings the
    // battery to it within the next (the contract allows seconds, not a scan).
    // A lost unit's power is in base_mw at once, so the battery takes it up within
    // the scan and the import moves only as its target ramps: no contingency boost
    // on top (as that fades, the import would ramp faster than the utility allows).
    cmd = base_mw + swing_next_mw - import_target_mw;
    island_units_share_mw = island_recharge_mw = 0;
  } else {
    recharging_only = false;
    // Islanded: bridge what the units cannot carry, and answer frequency like a governor.
    // Resynchronising, the breaker may close at any scan and the battery then holds
    // its last setpoint: no contingency boost in it, or it is exported.
    if (supervisor.mode() == Mode::kResynchronising) battery_boost_mw = 0;
    const double units_mw = online_rating_mw() * (1 - cfg.island_reserve_pu);
    // As units come in, their share of the load grows at their ramp rate (all at once
    // would be a load step on units still at no load); the battery bridges the rest.
    double units_ramp_mw_per_s = 0;
    for (size_t u = 0; u < units.size(); ++u)
      if (machines[u].state() == UnitState::kOnline) units_ramp_mw_per_s += units[u].ramp_mw_per_s;
    // Never less than what they deliver already (units found online carry the load).
    island_units_share_mw = std::min(
        units_mw, std::max(island_units_share_mw + units_ramp_mw_per_s * dt, est.turbine_mw));
    cmd = std::max(0.0, est.load_mw - island_units_share_mw) + battery_boost_mw;
    if (est.bus_hz_ok) cmd += (f0 - est.bus_hz) / f0 / cfg.battery_frequency_droop_pu * p_max;
    // Near its floor, the units recharge it: a grid-forming battery answers every
    // swing from its cells, and an empty one drops the swing onto the units at once.
    const double floor_soc = site.battery.soc_min_pu + kIslandMinSocPu;
    island_recharge_mw =
        std::clamp((floor_soc + kIslandRechargeBandPu - est.soc_pu) / kIslandRechargeBandPu, 0.0,
                   1.0) *
        kRechargePu * p_max;
    if (island_recharge_mw > 0) cmd = std::min(cmd, -island_recharge_mw);
    import_target_mw = close_step_mw();  // where a reconnection's transfer starts
  }
  // Below its reserve, a connected battery stops carrying the site's mean: it
  // answers the swing within its band (hold_limits holds the mean under the
  // contract), and under the band only recharges.
  double lowest = -p_max, highest = p_max;
  if (est.connected && !battery_may_discharge()) highest = 0;
  // State of charge limits: never ask for what the cells cannot give.
  if (est.soc_pu <= site.battery.soc_min_pu + 0.01) highest = 0;
  if (est.soc_pu >= site.battery.soc_max_pu - 0.01) lowest = 0;
  cmd = std::clamp(cmd, lowest, highest);
  // Connected, it follows the swing: its lag is led. Islanded it forms the grid:
  // its output is what the bus takes, and the model only follows it.
  if (est.connected)
    cmd = lead_battery_lag(cmd, lowest, highest);
  else
    battery_model_mw = est.battery_mw;
  out.battery_setpoint_mw = std::round(cmd * 100) / 100;
  status.battery_target_mw = out.battery_setpoint_mw;
}

// Connected with a battery that may only recharge: the import cannot be held
// under the load, so on a reconnection, or as the battery crosses under its swing
// band, the target starts from the load (that step is the battery's; it cannot
// give more). It then recharges with the whole unused contract, at the utility's
// ramp and within the battery's rating (less half the swing, which the charge
// follows): the charge it takes is the room in which
// a checkpoint's end, the swing and GPU load restored (restore) change the load
// while the import stays on its ramp (hold_import_ramp holds what does not fit).
void Controller::Impl::recharge_target(double& desired_mw, double limit_mw, double p_max_mw) {
  if (!recharging_only)
    import_target_mw = std::max(import_target_mw, std::min(raw_fast_mean_mw, limit_mw));
  // The charge swings with the load about its mean: its troughs need as much more
  // charge as its peaks need less, so the mean charge stays a half swing inside
  // the battery's rating.
  // What its lag lets through at the swing's peaks stays under the limit too.
  const double half_swing_mw = std::max(0.0, raw_peak_mw - raw_mean_mw);
  desired_mw = std::min(limit_mw - kLagThroughPu * half_swing_mw,
                        raw_mean_mw + kRechargeRoomPu * p_max_mw - half_swing_mw);
}

// The battery answers a setpoint with a first-order lag (its response time
// constant): the setpoint that brings its output to `wanted` at the next scan
// (within its rating), from its output as the controller's model of the lag has
// it, drawn towards the measurement.
double Controller::Impl::lead_battery_lag(double wanted, double lowest_mw, double highest_mw) {
  const double tau = site.battery.response_time_constant_s;
  if (est.battery_ok) battery_model_mw += (est.battery_mw - battery_model_mw) * kModelPullPu;
  const double a = tau > 0 ? std::exp(-cfg.scan_period_s / tau) : 0.0;
  const double setpoint =
      std::clamp((wanted - a * battery_model_mw) / (1 - a), lowest_mw, highest_mw);
  battery_model_mw = a * battery_model_mw + (1 - a) * setpoint;
  return setpoint;
}

// Under its reserve, the battery no longer carries the mean beyond the contract:
// that excess comes off the GPUs, integrated over kMeanShedS (the mean lags the
// shed, and holding back the whole excess each scan would wind up).
void Controller::Impl::hold_mean_import() {
  if (!site.has_battery || !est.battery_ok || battery_above_reserve()) return;
  const double excess_mw = raw_mean_mw - mean_import_ceiling_mw();
  if (excess_mw <= 0) return;
  const double site_per_it = 1 + overhead_pu + site.facility.cooling_pu;
  shed_at_least(shed.target_mw() + excess_mw / site_per_it * dt / kMeanShedS, "battery reserve");
}

// A battery that may only recharge holds the import on its ramp only while its
// charge covers what the load adds; what the load adds beyond that (a checkpoint's
// end, jobs coming back after an island) would step the import past the utility's
// ramp limit, so it comes off the GPUs, integrated over kRampShedS, and comes back
// as the import's target ramps up (restore).
void Controller::Impl::hold_import_ramp() {
  if (!recharging_only) return;  // set by plant_battery this scan
  const double excess_mw = raw_fast_mean_mw - import_target_mw;
  if (excess_mw <= 0) return;
  const double site_per_it = 1 + overhead_pu + site.facility.cooling_pu;
  shed_at_least(shed.target_mw() + excess_mw / site_per_it * dt / kRampShedS, "import ramp");
}

// The mean import a battery under its reserve holds the site to. It recharges from
// what the load leaves of the contract: holding back GPU work to recharge it would
// pay now for a contingency that may not come.
double Controller::Impl::mean_import_ceiling_mw() const {
  return import_limit_mw - cfg.import_margin_mw;
}

// What neither the battery nor the units can hold must come off the GPUs.
void Controller::Impl::hold_limits(hal::Commands& out) {
  // Connected, the battery holds the contract only above its reserve: the reserve
  // is for contingencies and islanding (islanded, the energy plan uses it all).
  // Within the swing band under it, the battery answers the swing's peaks.
  // Under the band it only recharges, and what it takes is given up before GPU load.
  const double battery_left = !site.has_battery || !est.battery_ok ? 0.0
                              : battery_may_discharge() ? site.battery.power_mw - est.battery_mw
                                                        : std::max(0.0, -est.battery_mw);
  if (est.connected) {
    const double over_mw = est.import_mw - import_limit_mw + 0.5 * cfg.import_margin_mw;
    if (over_mw > battery_left)
      shed_at_least(shed.target_mw() + (over_mw - battery_left) / (1 + overhead_pu), "contract");
    hold_mean_import();
    hold_import_ramp();
  } else if (est.poi_ok) {
    // The energy plan: what the island can carry until the grid is expected back.
    // Charging is the controller's own choice: it never counts against the supply.
    // Online units count at their rating: their governors take up a swing at once.
    // The load was measured under the shed in force when the scan began: a
    // contingency's shed this scan is not in it yet, and is not counted twice.
    const double over_mw = island_load_mw() - island_sustainable_mw(1.0, kAtOnceS);
    if (over_mw > 0)
      shed_at_least(shed_at_scan_start_mw + over_mw / (1 + overhead_pu), "island plan");
  }
  // Without a battery to smooth, training pods burn to a floor in their
  // communication phase: the swing at the POI shrinks, at an energy cost.
  const bool floors = est.connected && (!site.has_battery || !est.battery_ok ||
                                        est.soc_pu <= site.battery.soc_min_pu + 0.02 ||
                                        est.soc_pu >= site.battery.soc_max_pu - 0.02);
  for (int p = 0; p < shed.size(); ++p) {
    double floor_mw = 0;
    if (floors && shed.is_training(p))
      floor_mw = std::min(cfg.smoothing_floor_pu * shed.compute_mw(p), shed.cap_mw(p));
    out.pods[static_cast<size_t>(p)].floor_mw = std::round(floor_mw * 1000) / 1000;
  }
}

}  // namespace fw
