// `plantctl config ...`: check site files.
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "commands.hpp"
#include "site/load.hpp"

namespace plantctl {
namespace {

std::string mw(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MW", v);
  return buf;
}

void print_summary(const site::Site& s) {
  std::map<site::PriorityClass, int> pods_by_priority;
  for (const auto& g : s.pod_groups)
    pods_by_priority[g.priority] += g.count;
  // Overheads follow IT power, so this is the facility draw with every pod computing.
  const double facility_mw =
      s.it_compute_mw() * (1 + s.facility.conversion_loss_pu + s.facility.cooling_pu) +
      s.facility.fixed_mw;

  std::cout << "site: " << s.name << " (" << s.source_path << ")\n";
  std::cout << "gpus: " << s.gpu_count() << " in " << s.pod_count() << " pods (";
  const char* sep = "";
  for (const auto& [priority, pods] : pods_by_priority) {
    std::cout << sep << site::to_string(priority) << " " << pods;
    sep = ", ";
  }
  std::cout << ")\n";
  std::cout << "it compute: " << mw(s.it_compute_mw()) << ", facility at full compute "
            << mw(facility_mw) << "\n";
  std::cout << "turbines: " << s.turbine_count() << " units in " << s.turbine_groups.size()
            << " group(s), " << mw(s.turbine_capacity_mw()) << "\n";
  std::cout << "grid: import contract " << mw(s.grid.import_contract_mw) << ", ramp limit "
            << s.grid.import_ramp_limit_mw_per_min << " MW/min, " << s.grid.nominal_frequency_hz
            << " Hz\n";
  if (s.has_battery) {
    std::cout << "battery: " << mw(s.battery.power_mw) << ", " << s.battery.energy_mwh << " MWh\n";
  } else {
    std::cout << "battery: none\n";
  }
  std::cout << "permit: at most " << s.permit.max_units_running << " units running, "
            << s.permit.starts_per_unit_per_year << " starts and "
            << s.permit.shutdowns_per_unit_per_year << " shutdowns per unit per year, NOx "
            << s.permit.nox_cap_short_tons_per_12_months << " short tons per 12 months\n";
}

}  // namespace

void add_config_commands(CLI::App& app) {
  CLI::App* config = app.add_subcommand("config", "Site configuration files");
  config->require_subcommand(1);

  CLI::App* check = config->add_subcommand(
      "check", "Validate a site file: print every error, or a summary if it is valid");
  auto path = std::make_shared<std::string>();
  check->add_option("FILE", *path, "Site file (TOML)")->required();
  check->callback([path] {
    const site::LoadResult result = site::load_site_file(*path);
    if (!result.site) {
      for (const auto& d : result.errors)
        std::cerr << d.str() << "\n";
      throw CLI::RuntimeError(1);
    }
    print_summary(*result.site);
  });
}

}  // namespace plantctl
