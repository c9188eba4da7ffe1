// Real-time factor of the plant simulator at a 10 ms step, on one core.
//
//   build/ci/tests/bench/bench_sim config/colossus-100k.toml [virtual seconds] [repeats]
//
// Prints virtual seconds simulated per wall second, best and median of the repeats.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sim/plant.hpp"
#include "site/load.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_sim SITE.toml [virtual_seconds=600] [repeats=5]\n");
    return 2;
  }
  const double virtual_s = argc > 2 ? std::atof(argv[2]) : 600.0;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  site::LoadResult loaded = site::load_site_file(argv[1]);
  if (!loaded.site) {
    for (const auto& d : loaded.errors)
      std::fprintf(stderr, "%s\n", d.str().c_str());
    return 1;
  }
  std::vector<double> factors;
  for (int r = 0; r < repeats; ++r) {
    sim::Plant plant(*loaded.site, sim::PlantOptions{0.01, static_cast<std::uint64_t>(r + 1)});
    const auto t0 = std::chrono::steady_clock::now();
    plant.run_for(virtual_s);
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    factors.push_back(virtual_s / wall_s);
  }
  std::sort(factors.begin(), factors.end());
  std::printf(
      "%s: %d pods, %d turbines, 10 ms step: real-time factor median %.0fx, best %.0fx (%d runs of "
      "%.0f s)\n",
      loaded.site->name.c_str(), loaded.site->pod_count(), loaded.site->turbine_count(),
      factors[factors.size() / 2], factors.back(), repeats, virtual_s);
  return 0;
}
