#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bench.hpp"
#include "json/json_string.hpp"

namespace bench {

double percentile(std::vector<double> samples, double q) {
  if (samples.empty()) return std::nan("");
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5)];
}

site::Site scaled_site(const site::Site& s, int pods) {
  if (pods < static_cast<int>(s.pod_groups.size()))
    throw std::invalid_argument("cannot scale to fewer pods than pod groups");
  site::Site out = s;
  const double factor = static_cast<double>(pods) / s.pod_count();
  // Each group in proportion; the last takes what is left, so the total is exact.
  int left = pods;
  for (std::size_t g = 0; g + 1 < out.pod_groups.size(); ++g) {
    const int groups_after = static_cast<int>(out.pod_groups.size() - g - 1);
    const int n = static_cast<int>(std::lround(out.pod_groups[g].count * factor));
    out.pod_groups[g].count = std::clamp(n, 1, left - groups_after);
    left -= out.pod_groups[g].count;
  }
  out.pod_groups.back().count = left;
  for (site::TurbineGroup& t : out.turbine_groups)
    t.count = std::max(1, static_cast<int>(std::ceil(t.count * factor)));
  out.permit.max_units_running =
      std::max(1, static_cast<int>(std::ceil(out.permit.max_units_running * factor)));
  out.grid.import_contract_mw *= factor;
  out.grid.import_ramp_limit_mw_per_min *= factor;
  out.battery.power_mw *= factor;
  out.battery.energy_mwh *= factor;
  out.facility.fixed_mw *= factor;
  out.name = s.name + " scaled to " + std::to_string(pods) + " pods";
  return out;
}

namespace {
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

std::string to_json(const Figures& figures, const std::string& machine) {
  std::ostringstream out;
  out << "{\n  \"machine\": " << json::quote(machine) << ",\n  \"figures\": [\n";
  for (std::size_t i = 0; i < figures.size(); ++i) {
    const Figure& f = figures[i];
    out << "    {\"group\": " << json::quote(f.group) << ", \"name\": " << json::quote(f.name)
        << ", \"value\": " << json_number(f.value) << ", \"unit\": " << json::quote(f.unit);
    if (std::isfinite(f.ratio))
      out << ", \"ratio\": " << json_number(f.ratio)
          << ", \"ratio_of\": " << json::quote(f.ratio_of);
    out << "}" << (i + 1 < figures.size() ? "," : "") << "\n";
  }
  out << "  ]\n}\n";
  return out.str();
}

std::string to_text(const Figures& figures) {
  std::ostringstream out;
  std::string group;
  for (const Figure& f : figures) {
    if (f.group != group) {
      group = f.group;
      out << group << "\n";
    }
    char line[256];
    // Whole numbers from 1,000 up, four significant digits below.
    char value[32];
    std::snprintf(value, sizeof value, std::fabs(f.value) >= 1000 ? "%.0f" : "%.4g", f.value);
    std::snprintf(line, sizeof line, "  %-70s %10s %-11s", f.name.c_str(), value, f.unit.c_str());
    out << line;
    if (std::isfinite(f.ratio)) {
      std::snprintf(line, sizeof line, " %.2fx %s", f.ratio, f.ratio_of.c_str());
      out << line;
    }
    out << "\n";
  }
  return out.str();
}

std::string machine_description() {
  utsname u{};
  uname(&u);
  std::string model;
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);)
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  struct sysinfo info {};
  sysinfo(&info);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s %s, %ld CPUs (%s), %.1f GiB", u.sysname, u.release,
                sysconf(_SC_NPROCESSORS_ONLN), model.c_str(),
                static_cast<double>(info.totalram) * info.mem_unit / (1024.0 * 1024 * 1024));
  return buf;
}

}  // namespace bench
