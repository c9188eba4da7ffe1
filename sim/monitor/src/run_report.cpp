#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "json/json_string.hpp"
#include "sim/run_report.hpp"

namespace sim {

bool RunReport::all_pass() const {
  for (const Invariant& i : invariants)
    if (!i.pass) return false;
  return true;
}

double regret(double run_mwh, double bound_mwh) {
  if (bound_mwh > 0) return run_mwh / bound_mwh;
  return run_mwh > 0 ? std::numeric_limits<double>::infinity() : 1.0;
}

bool within_bound_target(double run_mwh, double bound_mwh) {
  return run_mwh <= 1.1 * bound_mwh + 0.5;
}

namespace {

// The bound's lines, when it was computed.
std::string bound_json(const RunReport& r) {
  if (r.bound_mwh < 0) return "";
  char text[256];
  const double g = regret(r.not_delivered_mwh(), r.bound_mwh);
  std::snprintf(text, sizeof text,
                "  \"not_delivered_mwh\": %.6f,\n  \"bound_mwh\": %.6f,\n  \"regret\": %s,\n"
                "  \"within_bound_target\": %s,\n",
                r.not_delivered_mwh(), r.bound_mwh,
                std::isfinite(g) ? std::to_string(g).c_str() : "null",
                within_bound_target(r.not_delivered_mwh(), r.bound_mwh) ? "true" : "false");
  return text;
}

}  // namespace

std::string to_json(const RunReport& r) {
  const Kpis& k = r.kpis;
  std::string out = "{\n  \"scenario\": " + json::quote(r.scenario) +
                    ",\n  \"site\": " + json::quote(r.site) +
                    ",\n  \"controller\": " + json::quote(site::to_string(r.controller)) + ",\n";
  char head[2048];
  std::snprintf(
      head, sizeof head,
      "  \"duration_s\": %.3f,\n  \"curtailed_mwh\": %.6f,\n  \"curtailed_pct\": %.6f,\n"
      "  \"contract_violation_s\": %.3f,\n  \"contract_violation_max_run_s\": %.3f,\n"
      "  \"freq_nadir_hz\": %.6f,\n  \"freq_peak_hz\": %.6f,\n  \"import_ramp_max_mw_per_min\": "
      "%.6f,\n"
      "  \"turbine_starts\": %d,\n  \"fuel_mmbtu\": %.6f,\n  \"co2_t\": %.6f,\n  \"nox_t\": %.6f,\n"
      "  \"smoothing_mwh\": %.6f,\n  \"unserved_mwh\": %.6f,\n  \"blackout_s\": %.3f,\n"
      "  \"ups_mwh\": %.6f,\n  \"lost_it_mwh\": %.6f,\n  \"max_pods_on_ups\": %d,\n"
      "  \"max_dark_pods\": %d,\n"
      "  \"unneeded_shed_s\": %.3f,\n  \"export_s\": %.3f,\n  \"export_mwh\": %.6f,\n"
      "  \"export_peak_mw\": %.6f,\n  \"poi_band_ratio\": %.6f,\n  \"load_band_rms_mw\": %.6f,\n",
      r.duration_s, k.curtailed_mwh, k.curtailed_pct, k.contract_violation_s,
      k.contract_violation_max_run_s, k.freq_nadir_hz, k.freq_peak_hz, k.import_ramp_max_mw_per_min,
      k.turbine_starts, k.fuel_mmbtu, k.co2_t, k.nox_t, k.smoothing_mwh, k.unserved_mwh,
      k.blackout_s, k.ups_mwh, k.lost_it_mwh, k.max_pods_on_ups, k.max_dark_pods, k.unneeded_shed_s,
      k.export_s, k.export_mwh, k.export_peak_mw, k.poi_band_ratio, k.load_band_rms_mw);
  out += head;
  std::snprintf(head, sizeof head,
                "  \"starts_in_year\": %d,\n  \"starts_allowed\": %.6f,\n"
                "  \"starts_beyond_pace\": %d,\n  \"starts_projected\": %.6f,\n"
                "  \"nox_projected_short_tons\": %.6f,\n",
                k.starts_in_year, k.starts_allowed, k.starts_beyond_pace, k.starts_projected,
                k.nox_projected_short_tons);
  out += head;
  out += bound_json(r);
  out += std::string("  \"all_pass\": ") + (r.all_pass() ? "true" : "false") +
         ",\n  \"invariants\": [\n";
  for (std::size_t i = 0; i < r.invariants.size(); ++i) {
    const Invariant& inv = r.invariants[i];
    out += "    {\"name\": " + json::quote(inv.name) +
           ", \"pass\": " + (inv.pass ? "true" : "false") +
           ", \"detail\": " + json::quote(inv.detail) + "}" +
           (i + 1 < r.invariants.size() ? ",\n" : "\n");
  }
  out += "  ]\n}\n";
  return out;
}

std::string summary_text(const RunReport& r) {
  std::string out;
  char line[256];
  const Kpis& k = r.kpis;
  std::snprintf(line, sizeof line,
                "scenario %s on %s, controller %s: %.0f s virtual in %.1f s (%.0fx)\n",
                r.scenario.c_str(), r.site.c_str(), site::to_string(r.controller), r.duration_s,
                r.wall_s, r.wall_s > 0 ? r.duration_s / r.wall_s : 0.0);
  out += line;
  std::snprintf(line, sizeof line, "  curtailed GPU energy   %10.3f MWh (%.3f %%)\n",
                k.curtailed_mwh, k.curtailed_pct);
  out += line;
  std::snprintf(line, sizeof line, "  above contract         %10.2f s (longest %.2f s)\n",
                k.contract_violation_s, k.contract_violation_max_run_s);
  out += line;
  std::snprintf(line, sizeof line, "  frequency              %10.3f Hz nadir, %.3f Hz peak\n",
                k.freq_nadir_hz, k.freq_peak_hz);
  out += line;
  std::snprintf(line, sizeof line, "  import ramp            %10.2f MW/min at most\n",
                k.import_ramp_max_mw_per_min);
  out += line;
  std::snprintf(line, sizeof line,
                "  turbines               %10d starts, %.0f MMBtu, CO2 %.1f t, NOx %.3f t\n",
                k.turbine_starts, k.fuel_mmbtu, k.co2_t, k.nox_t);
  out += line;
  std::snprintf(line, sizeof line,
                "  permit year            %10d starts (%.1f allowed by now, %d beyond the pace); "
                "at this run's pace %.0f starts and %.1f short tons of NOx a year\n",
                k.starts_in_year, k.starts_allowed, k.starts_beyond_pace, k.starts_projected,
                k.nox_projected_short_tons);
  out += line;
  std::snprintf(line, sizeof line, "  smoothing cost         %10.3f MWh\n", k.smoothing_mwh);
  out += line;
  std::snprintf(line, sizeof line, "  unserved               %10.3f MWh, blackout %.1f s\n",
                k.unserved_mwh, k.blackout_s);
  out += line;
  std::snprintf(line, sizeof line,
                "  ride-through           %10d pods on UPS at most, %.3f MWh from UPS; %d pods "
                "dark at most, %.3f MWh of their work lost\n",
                k.max_pods_on_ups, k.ups_mwh, k.max_dark_pods, k.lost_it_mwh);
  out += line;
  if (r.bound_mwh >= 0) {
    const double g = regret(r.not_delivered_mwh(), r.bound_mwh);
    std::snprintf(line, sizeof line,
                  "  GPU energy not delivered %8.3f MWh; perfect-foresight bound %.3f MWh, regret "
                  "%s (%s 1.1x the bound + 0.5 MWh)\n",
                  r.not_delivered_mwh(), r.bound_mwh,
                  std::isfinite(g) ? std::to_string(g).substr(0, 5).c_str() : "inf",
                  within_bound_target(r.not_delivered_mwh(), r.bound_mwh) ? "within" : "ABOVE");
    out += line;
  }
  for (const Invariant& i : r.invariants) {
    std::snprintf(line, sizeof line, "  %s %-24s %s\n", i.pass ? "PASS" : "FAIL", i.name.c_str(),
                  i.detail.c_str());
    out += line;
  }
  return out;
}

}  // namespace sim
