// Controller step time and heap allocations per step, for the 100-pod and the
// 1,000-pod presets, on process images recorded from the simulator.
//
//   build/ci/tests/bench/bench_controller [scans=3000]
//
// Prints median and 99th percentile of one step in microseconds.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "sim/plant.hpp"
#include "sim_io.hpp"
#include "site/load.hpp"

namespace {
std::atomic<long> g_allocations{0};
}
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n > 0 ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

int main(int argc, char** argv) {
  const int scans = argc > 1 ? std::atoi(argv[1]) : 3000;
  for (const char* preset : {"colossus-100k.toml", "colossus-1m.toml"}) {
    site::LoadResult loaded =
        site::load_site_file(std::string(PLANT_SOURCE_DIR) + "/config/" + preset);
    if (!loaded.site) return 1;
    const site::Site& s = *loaded.site;
    sim::Plant plant(s, sim::PlantOptions{0.01, 1});
    hal::SimIo io(plant);
    // Record the images first, so the timing holds the controller alone.
    std::vector<hal::ProcessImage> images;
    images.reserve(static_cast<size_t>(scans));
    hal::ProcessImage image(s);
    for (int i = 0; i < scans; ++i) {
      plant.run_for(s.controller.scan_period_s);
      if (i == scans / 3) plant.load_surge(0.2 * s.it_compute_mw(), 0);  // exercise dispatch
      io.read(image, plant.time_s());
      images.push_back(image);
    }
    fw::Controller controller(s, fw::PermitUsage{});
    hal::Commands commands(s);
    std::vector<double> us;
    us.reserve(images.size());
    long allocations = 0;
    for (size_t i = 0; i < images.size(); ++i) {
      const long before = g_allocations.load();
      const auto t0 = std::chrono::steady_clock::now();
      controller.step(images[i], fw::OperatorInputs{}, images[i].scan_time_s, commands);
      const auto t1 = std::chrono::steady_clock::now();
      if (i >= 10) allocations += g_allocations.load() - before;  // after adoption
      controller.log().clear();
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(us.begin(), us.end());
    std::printf(
        "%s: %d pods, %d units: step median %.1f us, p99 %.1f us, max %.1f us; "
        "heap allocations in %zu steady-state steps: %ld\n",
        preset, s.pod_count(), s.turbine_count(), us[us.size() / 2], us[us.size() * 99 / 100],
        us.back(), images.size() - 10, allocations);
  }
  return 0;
}
