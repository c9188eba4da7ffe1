// The baseline: conventional genset power management, as a genset controller
// (Woodward easYgen, ComAp InteliGen, DEIF PPM-300) would do it. Threshold start
// and stop on import, import-limit load sharing, frequency-only staged load shed,
// no battery dispatch, no contingency arming. Here only for comparison.
#include <algorithm>

#include "../core/src/controller_impl.hpp"

namespace fw {

namespace {
constexpr double kIslandStartLoadPu = 0.9;  // start another unit above 90 % of online rating
constexpr double kRestoreAboveHz = 0.2;     // restore a stage once within 0.2 Hz of nominal
}  // namespace

void Controller::Impl::baseline_dispatch(hal::Commands& out) {
  load_mean_mw += (est.load_mw - load_mean_mw) * dt / 60.0;
  if (!automatic()) return;
  const double contract = site.grid.import_contract_mw;
  if (!est.connected) {
    // Load-dependent start: more units when the online ones run above 90 %.
    const double rating = online_rating_mw();
    if (est.load_mw > kIslandStartLoadPu * rating && status.units_starting == 0) {
      if (need_since_s < 0) need_since_s = now;
      if (now - need_since_s >= cfg.add_on_delay_s || rating <= 0) {
        const int u = pick_unit_to_start();
        if (u >= 0) command_start(u, out, "islanded: load above 90 % of online rating");
        need_since_s = -1;
      }
    } else {
      need_since_s = -1;
    }
    share_setpoints(est.load_mw, out);
    return;
  }
  if (est.import_mw > contract && status.units_starting == 0) {
    if (need_since_s < 0) need_since_s = now;
    if (now - need_since_s >= cfg.add_on_delay_s) {
      const int u = pick_unit_to_start();
      if (u >= 0) command_start(u, out, "import above the contract");
      need_since_s = -1;
    }
  } else {
    need_since_s = -1;
  }
  const int stop = pick_unit_to_stop();
  if (stop >= 0) {
    const double unit_mw = units[static_cast<size_t>(stop)].rating_mw;
    if (est.import_mw < contract - unit_mw * (1 + cfg.stop_hysteresis_pu)) {
      if (surplus_since_s < 0) surplus_since_s = now;
      if (now - surplus_since_s >= cfg.add_off_delay_s) {
        command_stop(stop, out, "import low: unit not needed");
        surplus_since_s = -1;
      }
    } else {
      surplus_since_s = -1;
    }
  }
  // Import-limit mode: the units take what is above the contract less the margin.
  share_setpoints(load_mean_mw - (contract - cfg.import_margin_mw), out);
}

void Controller::Impl::baseline_battery(hal::Commands& out) {
  out.battery_setpoint_mw = 0;  // a genset controller leaves the battery alone
  import_target_mw = est.import_mw;
}

// Stages come back one at a time once the frequency has been normal for the delay.
void Controller::Impl::baseline_restore() {
  if (shed.target_mw() <= 0) {
    ufls_acted = 0;
    return;
  }
  const double f0 = site.grid.nominal_frequency_hz;
  if (!(est.bus_hz_ok && est.bus_hz > f0 - kRestoreAboveHz)) {
    margin_since_s = -1;
    return;
  }
  if (margin_since_s < 0) margin_since_s = now;
  if (now - margin_since_s < cfg.restore_delay_s || now - last_restore_s < cfg.restore_interval_s)
    return;
  last_restore_s = now;
  const double stage_mw = cfg.ufls_stage_pu * shed.it_power_mw();
  shed.set_target_mw(std::max(0.0, shed.target_mw() - stage_mw));
  if (shed.target_mw() <= 0) ufls_acted = 0;
}

}  // namespace fw
