// Small inline sites for simulator tests, so each test states the numbers it relies on.
#pragma once

#include <stdexcept>
#include <string>

#include "site/load.hpp"

namespace test {

// A site of `units` identical 16.5 MW turbines and 40 MW of steady batch pods, no
// facility overhead (so the load is exactly the pods'); `extra` is appended as TOML.
inline std::string island_site_toml(int units, const std::string& governor,
                                    const std::string& extra = "") {
  return R"(
[site]
name = "test island"
[grid]
import_contract_mw = 100
nominal_frequency_hz = 60
import_ramp_limit_mw_per_min = 10
[island]
load_damping_pu = 1.0
governor = ")" +
         governor + R"("
[[turbine_group]]
name = "gt"
count = )" +
         std::to_string(units) + R"(
rating_mw = 16.5
min_stable_load_pu = 0.5
ramp_rate_pu_per_min = 0.2
inertia_h_s = 3.0
droop_pu = 0.04
purge_s = 60
ignition_s = 15
acceleration_s = 165
synchronisation_s = 60
cooldown_s = 600
[[pod_group]]
name = "batch"
count = 40
gpus_per_pod = 1000
priority = "batch"
workload = "batch"
compute_w_per_gpu = 1000
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 400
cap_actuation_lag_s = 0.5
[facility]
conversion_loss_pu = 0
cooling_pu = 0
fixed_mw = 0
[permit]
max_units_running = 15
starts_per_unit_per_year = 22
shutdowns_per_unit_per_year = 22
nox_cap_short_tons_per_12_months = 87
)" + extra;
}

// The island site with its pod groups replaced by `pod_groups` (TOML tables).
inline std::string island_site_with_pods(const std::string& pod_groups) {
  const std::string base = island_site_toml(2, "droop");
  const auto at = base.find("[[pod_group]]");
  const auto end = base.find("[facility]");
  return base.substr(0, at) + pod_groups + base.substr(end);
}

inline site::Site load(const std::string& toml) {
  site::LoadResult r = site::load_site_string(toml, "test.toml");
  if (!r.site) {
    std::string all;
    for (const auto& d : r.errors)
      all += d.str() + "\n";
    throw std::runtime_error("test site does not load:\n" + all);
  }
  return *r.site;
}

inline std::string preset_path(const char* name) {
  return std::string(PLANT_SOURCE_DIR) + "/config/" + name;
}

}  // namespace test
