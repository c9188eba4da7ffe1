#include "site/site.hpp"

#include <algorithm>

namespace site {

int Site::turbine_count() const {
  int n = 0;
  for (const auto& g : turbine_groups)
    n += g.count;
  return n;
}

int Site::pod_count() const {
  int n = 0;
  for (const auto& g : pod_groups)
    n += g.count;
  return n;
}

long long Site::gpu_count() const {
  long long n = 0;
  for (const auto& g : pod_groups)
    n += static_cast<long long>(g.count) * g.gpus_per_pod;
  return n;
}

double Site::turbine_capacity_mw() const {
  double mw = 0;
  for (const auto& g : turbine_groups)
    mw += g.count * g.rating_mw;
  return mw;
}

double Site::pod_safe_cap_pu() const {
  if (modbus.pod_safe_cap_pu >= 0) return modbus.pod_safe_cap_pu;
  // IT load x * it_compute_mw draws x * it_compute_mw * (1 + losses + cooling) +
  // fixed at the POI once cooling has followed; the contract carries it alone at:
  const double it_mw = it_compute_mw();
  if (it_mw <= 0) return 1;
  const double per_it = 1 + facility.conversion_loss_pu + facility.cooling_pu;
  return std::clamp((grid.import_contract_mw - facility.fixed_mw) / (per_it * it_mw), 0.0, 1.0);
}

double Site::it_compute_mw() const {
  constexpr double kWattsPerMegawatt = 1e6;
  double w = 0;
  for (const auto& g : pod_groups) {
    w += static_cast<double>(g.count) * g.gpus_per_pod * g.compute_w_per_gpu;
  }
  return w / kWattsPerMegawatt;
}

const char* to_string(PriorityClass c) {
  switch (c) {
    case PriorityClass::kInference:
      return "inference";
    case PriorityClass::kTraining:
      return "training";
    case PriorityClass::kBatch:
      return "batch";
  }
  return "?";
}

const char* to_string(Workload w) {
  switch (w) {
    case Workload::kTraining:
      return "training";
    case Workload::kInference:
      return "inference";
    case Workload::kBatch:
      return "batch";
  }
  return "?";
}

const char* to_string(IslandGovernor g) {
  switch (g) {
    case IslandGovernor::kIsochronous:
      return "isochronous";
    case IslandGovernor::kDroop:
      return "droop";
  }
  return "?";
}

}  // namespace site
