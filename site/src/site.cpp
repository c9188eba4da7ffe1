#include "site/site.hpp"

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
