#include "scada_image.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "site/permit_pace.hpp"

namespace runtime {

OperatorSettings initial_settings(const site::Site& site) {
  OperatorSettings s;
  s.shelve_duration_s = std::min(s.shelve_duration_s, site.alarms.max_shelve_s);
  return s;
}

namespace {

using hal::regs::Register;

constexpr const char* kNames[] = {
    "scan_counter",
    "mode",
    "status",
    "import_mw",
    "import_contract_mw",
    "import_limit_in_force_mw",
    "bus_frequency_hz",
    "grid_frequency_hz",
    "site_load_mw",
    "turbine_power_mw",
    "shed_mw",
    "battery_power_mw",
    "battery_soc_pu",
    "units_online",
    "units_starting",
    "unit_count",
    "it_power_mw",
    "it_compute_mw",
    "curtailed_mwh",
    "nox_kg",
    "nox_cap_kg",
    "scans",
    "scan_overruns",
    "ufls_stages",
    "redundancy_role",
    "owner_epoch",
    "permit_year_day",
    "starts_used",
    "starts_allowed",
    "starts_budget",
    "scada_clients",
    "scada_connections",
    "scada_connections_refused",
    "scada_connections_evicted",
    "scada_connections_closed_idle",
    "scada_connections_closed_slow",
    "scada_bad_frames",
    "scada_requests_refused",
    "scada_accept_errors",
    "alarms_active",
    "alarms_unacked",
    "alarm_first_out",
    "alarms_suppressed_total",
    "alarm_count",
    "alarm_state",
    "unit_status",
    "unit_state",
    "unit_power_mw",
    "unit_setpoint_mw",
    "unit_starts",
    "unit_stops",
    "class_power_mw",
    "class_cap_mw",
    "class_compute_mw",
    "class_pods_lost",
    "class_pods",
    "import_limit_mw",
    "manual_shed_mw",
    "shelve_duration_s",
};

constexpr int kUnknownStatus = 255;

}  // namespace

ScadaImage::ScadaImage(const site::Site& site) : site_(site) {
  static_assert(sizeof kNames / sizeof kNames[0] == kFieldCount, "a name per field");
  const hal::regs::DeviceMap& map = hal::regs::scada_map();
  for (int f = 0; f < kFieldCount; ++f) {
    regs_[static_cast<size_t>(f)] = map.find(kNames[f]);
    if (regs_[static_cast<size_t>(f)] == nullptr)
      throw std::logic_error(std::string("SCADA map lacks ") + kNames[f]);
  }
  for (const site::PodGroup& g : site.pod_groups)
    for (int k = 0; k < g.count; ++k) {
      pod_class_.push_back(static_cast<int>(g.priority));
      pod_compute_.push_back(g.gpus_per_pod * g.compute_w_per_gpu / 1e6);
    }
  it_compute_mw_ = site.it_compute_mw();
  if (site.turbine_count() > regs_[kUnitStatus]->count)
    throw std::invalid_argument("the SCADA map has blocks for " +
                                std::to_string(regs_[kUnitStatus]->count) + " units, the site " +
                                std::to_string(site.turbine_count()));
}

void ScadaImage::put(Table& table, Field f, double value, int item) {
  const Register& r = *regs_[static_cast<size_t>(f)];
  std::uint16_t words[2];
  if (!hal::regs::encode(r, value, words)) {
    ++encode_failures_;  // the register keeps its last value; the count is served in the log
    return;
  }
  const std::uint16_t at = r.address_of(item);
  table[at] = words[0];
  if (hal::regs::words(r.type) == 2) table[at + 1U] = words[1];
}

void ScadaImage::update(const hal::ProcessImage& image, const fw::Controller& controller,
                        const OperatorSettings& settings, const ShellCounters& counters) {
  const fw::ControllerStatus& st = controller.status();
  const fw::AlarmManager& alarms = controller.alarms();
  Table& in = input_;
  put(in, kScanCounter, static_cast<double>(counters.scans % 65536));
  put(in, kMode, static_cast<double>(st.mode));
  const int status = (st.connected ? 1 : 0) | (st.import_meter_suspect ? 2 : 0) |
                     (st.start_blocked_by_permit ? 4 : 0) | (site_.has_battery ? 8 : 0) |
                     (alarms.flood() ? 16 : 0) | (st.start_held_by_pace ? 32 : 0);
  put(in, kStatus, status);
  put(in, kImport, st.import_mw);
  put(in, kContract, site_.grid.import_contract_mw);
  put(in, kLimitInForce, st.import_limit_mw);
  const hal::Signal& bus = image.poi.bus_frequency_hz;
  put(in, kBusHz, bus.good() ? std::max(0.0, bus.value) : 0);
  const hal::Signal& grid = image.poi.grid_frequency_hz;
  put(in, kGridHz, grid.good() ? std::max(0.0, grid.value) : 0);
  put(in, kSiteLoad, st.site_load_mw);
  double turbine_mw = 0;
  for (const hal::TurbineInputs& t : image.turbines)
    if (t.power_mw.good()) turbine_mw += t.power_mw.value;
  put(in, kTurbinePower, turbine_mw);
  put(in, kShed, st.shed_mw);
  const bool battery_ok = image.has_battery && image.battery.power_mw.good();
  put(in, kBatteryPower, battery_ok ? image.battery.power_mw.value : 0);
  put(in, kSoc, image.has_battery && image.battery.soc_pu.good() ? image.battery.soc_pu.value : 0);
  put(in, kUnitsOnline, st.units_online);
  put(in, kUnitsStarting, st.units_starting);
  put(in, kUnitCount, static_cast<double>(image.turbines.size()));
  put(in, kItCompute, it_compute_mw_);
  put(in, kCurtailed, counters.curtailed_mwh);
  put(in, kNox, st.nox_kg);
  put(in, kNoxCap, site_.permit.nox_cap_kg());
  put(in, kScans, static_cast<double>(counters.scans % 4294967296ULL));
  put(in, kOverruns, static_cast<double>(counters.overruns % 4294967296ULL));
  put(in, kUfls, st.ufls_stages);
  put(in, kRedundancyRole, counters.redundancy_role);
  put(in, kOwnerEpoch, counters.owner_epoch);
  put(in, kPermitYearDay, st.permit_year_day);
  put(in, kStartsUsed, st.starts_used);
  put(in, kStartsAllowed, st.starts_allowed);
  put(in, kStartsBudget, site::fleet_start_budget(site_));
  const hal::server::Counters& sc = counters.scada;
  const auto u32 = [](std::uint64_t n) { return static_cast<double>(n % 4294967296ULL); };
  put(in, kScadaClients, sc.clients);
  put(in, kScadaConnections, u32(sc.connections));
  put(in, kScadaRefused, u32(sc.refused));
  put(in, kScadaEvicted, u32(sc.evicted));
  put(in, kScadaClosedIdle, u32(sc.closed_idle));
  put(in, kScadaClosedSlow, u32(sc.closed_slow));
  put(in, kScadaBadFrames, u32(sc.bad_frames));
  put(in, kScadaExceptions, u32(sc.exceptions));
  put(in, kScadaAcceptErrors, u32(sc.accept_errors));

  put(in, kAlarmsActive, alarms.active_count());
  put(in, kAlarmsUnacked, alarms.unacked_count());
  const fw::AlarmId first = alarms.first_out();
  put(in, kFirstOut, first == fw::AlarmId::kCount ? 0 : static_cast<int>(first) + 1);
  put(in, kSuppressed, static_cast<double>(alarms.suppressed_total() % 4294967296ULL));
  put(in, kAlarmCount, fw::kAlarmCount);
  for (int a = 0; a < fw::kAlarmCount; ++a)
    put(in, kAlarmState, static_cast<double>(alarms.state(static_cast<fw::AlarmId>(a))), a);

  for (int u = 0; u < static_cast<int>(image.turbines.size()); ++u) {
    const hal::TurbineInputs& t = image.turbines[static_cast<size_t>(u)];
    put(in, kUnitStatus, t.status.good() ? t.status.value : kUnknownStatus, u);
    put(in, kUnitState, static_cast<double>(controller.unit(u).state()), u);
    put(in, kUnitPower, t.power_mw.good() ? t.power_mw.value : 0, u);
    put(in, kUnitSetpoint, t.setpoint_mw.good() ? t.setpoint_mw.value : 0, u);
    put(in, kUnitStarts, controller.starts_used(u), u);
    put(in, kUnitStops, controller.stops_used(u), u);
  }

  std::array<double, 3> power{}, cap{}, compute{};
  std::array<int, 3> lost{}, pods{};
  double it_mw = 0;
  for (size_t p = 0; p < image.pods.size() && p < pod_class_.size(); ++p) {
    const auto c = static_cast<size_t>(pod_class_[p]);
    const hal::PodInputs& pod = image.pods[p];
    ++pods[c];
    compute[c] += pod_compute_[p];
    if (!pod.power_mw.good()) {
      ++lost[c];
      continue;
    }
    power[c] += pod.power_mw.value;
    it_mw += pod.power_mw.value;
    cap[c] += pod.cap_mw.good() ? pod.cap_mw.value : pod_compute_[p];
  }
  put(in, kItPower, it_mw);
  for (int c = 0; c < 3; ++c) {
    const auto i = static_cast<size_t>(c);
    put(in, kClassPower, power[i], c);
    put(in, kClassCap, cap[i], c);
    put(in, kClassCompute, compute[i], c);
    put(in, kClassLost, lost[i], c);
    put(in, kClassPods, pods[i], c);
  }

  Table& hold = holding_;
  put(hold, kImportLimit, settings.import_limit_mw);
  put(hold, kManualShed, settings.manual_shed_mw);
  put(hold, kShelveDuration, settings.shelve_duration_s);
}

}  // namespace runtime
