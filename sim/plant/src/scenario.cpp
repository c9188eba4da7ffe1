#include "sim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "sim/measurements.hpp"
#include "site/load.hpp"
#include "site/permit_pace.hpp"
#include "site/toml_reader.hpp"

namespace sim {

namespace {

using site::Need;
using site::Range;
using site::TomlReader;

// What each event type needs besides `at_s` and `type`.
enum Needs : unsigned {
  kNone = 0,
  kTurbine = 1u << 0,
  kPod = 1u << 1,
  kPoint = 1u << 2,
  kDevice = 1u << 3,
  kJob = 1u << 4,
  kHz = 1u << 5,
  kPu = 1u << 6,
  kMw = 1u << 7,
  kValue = 1u << 8,
  kDuration = 1u << 9,      // required
  kOptDuration = 1u << 10,  // optional: 0 = lasts until the end
  kDelay = 1u << 11,
  kRocof = 1u << 12,    // optional rocof_hz_per_s
  kDipTrain = 1u << 13  // optional count, interval_s, kind
};

struct EventSpec {
  const char* name;
  EventType type;
  unsigned needs;
};

constexpr EventSpec kSpecs[] = {
    {"grid_outage", EventType::kGridOutage, kNone},
    {"grid_return", EventType::kGridReturn, kNone},
    {"frequency_excursion", EventType::kFrequencyExcursion, kHz | kDuration | kRocof},
    {"voltage_sag", EventType::kVoltageSag, kPu | kDuration | kDipTrain},
    {"turbine_trip", EventType::kTurbineTrip, kTurbine},
    {"fail_to_start", EventType::kFailToStart, kTurbine},
    {"measurement_freeze", EventType::kMeasurementFreeze, kPoint | kOptDuration},
    {"measurement_stuck", EventType::kMeasurementStuck, kPoint | kValue | kOptDuration},
    {"device_silent", EventType::kDeviceSilent, kDevice | kOptDuration},
    {"device_slow", EventType::kDeviceSlow, kDevice | kDelay | kOptDuration},
    {"load_surge", EventType::kLoadSurge, kMw | kOptDuration},
    {"job_start", EventType::kJobStart, kJob},
    {"job_stop", EventType::kJobStop, kJob},
    {"turbine_start", EventType::kTurbineStart, kTurbine},
    {"turbine_stop", EventType::kTurbineStop, kTurbine},
    {"turbine_reset", EventType::kTurbineReset, kTurbine},
    {"turbine_setpoint", EventType::kTurbineSetpoint, kTurbine | kMw},
    {"pod_cap", EventType::kPodCap, kPod | kMw},
    {"pod_floor", EventType::kPodFloor, kPod | kMw},
    {"battery_setpoint", EventType::kBatterySetpoint, kMw},
    {"breaker_close", EventType::kBreakerClose, kNone},
    {"breaker_open", EventType::kBreakerOpen, kNone},
    {"operator_manual", EventType::kOperatorManual, kNone},
    {"operator_auto", EventType::kOperatorAuto, kNone},
};

const site::Choices<int>& event_choices() {
  static const site::Choices<int> choices = [] {
    site::Choices<int> c;
    for (int i = 0; i < static_cast<int>(std::size(kSpecs)); ++i)
      c.emplace_back(kSpecs[i].name, i);
    return c;
  }();
  return choices;
}

void read_scenario_table(TomlReader& root, Scenario& s) {
  auto t = root.table("scenario", Need::kRequired);
  if (!t) return;
  t->string("name", s.name, Need::kRequired);
  t->string("description", s.description);
  t->string("site", s.site_file, Need::kRequired);
  t->number("duration_s", s.duration_s, Range::left_open(0, 366 * 86400.0), Need::kRequired);
  t->number("step_s", s.step_s,
            Range::closed(0.001, 0.1).because("physics steps from 1 to 100 ms"));
  int seed = 1;
  if (t->integer("seed", seed, Range::at_least(0))) s.seed = static_cast<std::uint64_t>(seed);
  t->finish();
}

void read_initial(TomlReader& root, const site::Site* st, Scenario& s) {
  auto t = root.table("initial");
  if (!t) return;
  t->boolean("breaker_closed", s.initial.breaker_closed);
  double soc = 0;
  if (t->has("battery_soc_pu") && t->number("battery_soc_pu", soc, Range::closed(0, 1))) {
    if (st && !st->has_battery) {
      t->error("battery_soc_pu", "the site has no battery");
    } else {
      s.initial.battery_soc_pu = soc;
    }
  }
  for (TomlReader& g : t->tables("turbines")) {
    int first = 0, count = 1;
    double mw = 0;
    const int units = st ? st->turbine_count() : 1 << 20;
    const bool ok = g.integer("first", first, Range::closed(0, units - 1), Need::kRequired) &
                    g.integer("count", count, Range::at_least(1)) &
                    g.number("setpoint_mw", mw, Range::above(0), Need::kRequired);
    // In long long: first + count must not overflow (count = 2147483647).
    if (ok && static_cast<long long>(first) + count > units)
      g.error("count", "units " + std::to_string(first) + ".." +
                           std::to_string(static_cast<long long>(first) + count - 1) +
                           " do not all exist; the site has units 0.." + std::to_string(units - 1));
    else if (ok)
      for (int u = first; u < first + count; ++u)
        s.initial.turbines_online.emplace_back(u, mw);
    g.finish();
  }
  t->finish();
}

void read_run_sections(TomlReader& root, const site::Site* st, Scenario& s) {
  if (auto t = root.table("controller")) {
    static const site::Choices<site::ControllerKind> kinds = {
        {"plant", site::ControllerKind::kPlant}, {"baseline", site::ControllerKind::kBaseline}};
    site::ControllerKind kind = site::ControllerKind::kPlant;
    if (t->has("kind") && t->choice("kind", kind, kinds)) s.controller = kind;
    t->finish();
  }
  if (auto t = root.table("permit_usage")) {
    PermitUsageAtStart& u = s.permit_usage;
    const double starts = st ? st->permit.starts_per_unit_per_year : 1e6;
    const double stops = st ? st->permit.shutdowns_per_unit_per_year : 1e6;
    const double nox = st ? st->permit.nox_cap_short_tons_per_12_months : 1e12;
    t->integer("starts_per_unit", u.starts_per_unit,
               Range::closed(0, starts).because("the permit's starts_per_unit_per_year"));
    t->integer("stops_per_unit", u.stops_per_unit,
               Range::closed(0, stops).because("the permit's shutdowns_per_unit_per_year"));
    t->number("nox_short_tons", u.nox_short_tons,
              Range::closed(0, nox).because("the permit's nox_cap_short_tons_per_12_months"));
    if (!t->has("day_of_year") && st)
      u.day_of_year =
          std::min(site::kPermitYearDays - 1, std::floor(u.starts_per_unit * site::kPermitYearDays /
                                                         st->permit.starts_per_unit_per_year));
    t->number("day_of_year", u.day_of_year,
              Range::right_open(0, site::kPermitYearDays).because("a permit year has 365 days"));
    t->finish();
  }
  if (auto t = root.table("invariants")) {
    InvariantLimits& l = s.invariants;
    t->number("max_contract_violation_s", l.max_contract_violation_s, Range::at_least(0));
    t->number("max_contract_violation_s_per_day", l.max_contract_violation_s_per_day,
              Range::at_least(0));
    t->number("min_frequency_hz", l.min_frequency_hz, Range::open(40, 70));
    t->number("max_frequency_hz", l.max_frequency_hz, Range::open(40, 70));
    t->boolean("allow_blackout", l.allow_blackout);
    t->number("max_unneeded_shed_s", l.max_unneeded_shed_s, Range::at_least(0));
    t->number("max_import_ramp_mw_per_min", l.max_import_ramp_mw_per_min, Range::above(0));
    t->number("max_export_s_per_day", l.max_export_s_per_day, Range::at_least(0));
    t->number("max_poi_band_ratio", l.max_poi_band_ratio, Range::above(0));
    t->finish();
  }
}

// voltage_sag's repetition and kind: auto-reclosing onto a persistent fault dips
// the voltage again at each reclose.
bool read_dip_train(TomlReader& r, Event& e, bool duration_ok) {
  static const site::Choices<DipKind> kinds = {{"three_phase", DipKind::kThreePhase},
                                               {"phase_to_ground", DipKind::kPhaseToGround}};
  bool ok = r.choice("kind", e.dip_kind, kinds);
  ok &= r.integer("count", e.count, Range::closed(1, 1000).because("dips in the train"));
  if (e.count > 1) {
    const bool interval_ok = r.number("interval_s", e.interval_s, Range::above(0), Need::kRequired);
    ok &= interval_ok;
    if (interval_ok && duration_ok && r.has("interval_s") && e.interval_s <= e.duration_s) {
      ok = false;
      r.error("interval_s", "interval_s " + site::format_number(e.interval_s) +
                                " s is not longer than duration_s " +
                                site::format_number(e.duration_s) +
                                " s: dips are counted start to start and must not overlap");
    }
  } else if (r.has("interval_s")) {
    ok &= r.number("interval_s", e.interval_s, Range::above(0));
  }
  return ok;
}

void read_event(TomlReader& r, const site::Site* st, const Measurements* points, Scenario& s) {
  Event e;
  e.line = r.line();
  int spec_index = -1;
  const bool at_ok = r.number(
      "at_s", e.at_s,
      Range::closed(0, s.duration_s).because("events happen within the scenario's duration_s"),
      Need::kRequired);
  if (!r.choice("type", spec_index, event_choices(), Need::kRequired) || spec_index < 0) {
    r.finish();
    return;
  }
  const EventSpec& spec = kSpecs[spec_index];
  e.type = spec.type;
  bool ok = at_ok;
  const int turbines = st ? st->turbine_count() : 1 << 20;
  const int pods = st ? st->pod_count() : 1 << 30;
  if (spec.needs & kTurbine)
    ok &= r.integer("turbine", e.target,
                    Range::closed(0, turbines - 1)
                        .because("units are numbered from 0 in the site file's order"),
                    Need::kRequired);
  if (spec.needs & kPod)
    ok &= r.integer(
        "pod", e.target,
        Range::closed(0, pods - 1).because("pods are numbered from 0 in the site file's order"),
        Need::kRequired);
  if (spec.needs & kHz) ok &= r.number("hz", e.value, Range::open(40, 70), Need::kRequired);
  if (spec.needs & kPu) ok &= r.number("pu", e.value, Range::closed(0, 1.2), Need::kRequired);
  if (spec.needs & kMw) ok &= r.number("mw", e.value, Range::any(), Need::kRequired);
  if (spec.needs & kValue) ok &= r.number("value", e.value, Range::any(), Need::kRequired);
  if (spec.needs & kDelay)
    ok &= r.number("delay_s", e.value, Range::left_open(0, 60), Need::kRequired);
  bool duration_ok = true;
  if (spec.needs & kDuration) {
    duration_ok = r.number("duration_s", e.duration_s, Range::above(0), Need::kRequired);
    ok &= duration_ok;
  }
  if (spec.needs & kRocof)
    ok &= r.number("rocof_hz_per_s", e.rocof_hz_per_s,
                   Range::left_open(0, 100).because(
                       "Hz/s; large interconnections see at most about 1 Hz/s, and a step "
                       "is no physical grid"));
  if (spec.needs & kDipTrain) ok &= read_dip_train(r, e, duration_ok);
  if (spec.needs & kOptDuration) ok &= r.number("duration_s", e.duration_s, Range::at_least(0));
  if (spec.needs & kJob) {
    ok &= r.string("job", e.name, Need::kRequired);
    if (ok && st) {
      bool known = false;
      for (const site::PodGroup& g : st->pod_groups)
        known |= g.job == e.name || g.name == e.name;
      if (!known) {
        ok = false;
        r.error("job", "no training job or pod group is called '" + e.name + "'");
      }
    }
  }
  if (spec.needs & kPoint) {
    ok &= r.string("point", e.name, Need::kRequired);
    if (ok && points) {
      e.target = points->find_point(e.name);
      if (e.target < 0) {
        ok = false;
        r.error("point", "no point is called '" + e.name +
                             "'; points look like poi.import_mw, poi.bus_frequency_hz, "
                             "turbine.0.power_mw, pod.0.power_mw, battery.soc_pu (see "
                             "docs/scenarios.md)");
      }
    }
  }
  if (spec.needs & kDevice) {
    ok &= r.string("device", e.name, Need::kRequired);
    if (ok && points) {
      e.target = points->find_device(e.name);
      if (e.target < 0) {
        ok = false;
        r.error("device", "no device is called '" + e.name +
                              "'; devices are poi, battery, turbine.N and pod.N");
      }
    }
  }
  if (ok && st && e.type == EventType::kBatterySetpoint && !st->has_battery) {
    ok = false;
    r.error("type", "battery_setpoint, but the site has no battery");
  }
  r.finish();
  if (ok) s.events.push_back(std::move(e));
}

ScenarioLoad parse(const std::string& text, const std::string& path,
                   const std::string& site_override) {
  ScenarioLoad out;
  auto root = site::parse_toml(text, path, out.errors);
  if (!root) return out;
  Scenario s;
  s.file = path;
  TomlReader r(*root, path, out.errors);
  read_scenario_table(r, s);
  if (!site_override.empty())
    s.site_file = site_override;
  else if (!s.site_file.empty()) {
    namespace fs = std::filesystem;
    const fs::path p(s.site_file);
    s.site_file = p.is_absolute() ? p.string()
                                  : (fs::path(path).parent_path() / p).lexically_normal().string();
  }
  // The events are checked against the site, so the site must load first.
  std::optional<Measurements> points;
  if (!s.site_file.empty()) {
    site::LoadResult site = site::load_site_file(s.site_file);
    out.errors.insert(out.errors.end(), site.errors.begin(), site.errors.end());
    out.site = std::move(site.site);
    if (out.site) points.emplace(*out.site);
  }
  const site::Site* st = out.site ? &*out.site : nullptr;
  read_initial(r, st, s);
  read_run_sections(r, st, s);
  for (TomlReader& e : r.tables("event"))
    read_event(e, st, points ? &*points : nullptr, s);
  r.finish();
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const Event& a, const Event& b) { return a.at_s < b.at_s; });
  if (out.errors.empty()) out.scenario = std::move(s);
  return out;
}

}  // namespace

const char* to_string(EventType t) {
  for (const EventSpec& s : kSpecs)
    if (s.type == t) return s.name;
  return "?";
}

ScenarioLoad load_scenario_string(const std::string& toml_text, const std::string& path,
                                  const std::string& site_override) {
  return parse(toml_text, path, site_override);
}

ScenarioLoad load_scenario_file(const std::string& path, const std::string& site_override) {
  ScenarioLoad out;
  auto text = site::read_text_file(path, site::kScenarioFile, out.errors);
  if (!text) return out;
  return parse(*text, path, site_override);
}

}  // namespace sim
