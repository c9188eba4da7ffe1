// The simulator's real-time factor and the controller's step time, in process.
#include <chrono>
#include <string>
#include <vector>

#include "bench.hpp"
#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "sim/plant.hpp"
#include "sim_io.hpp"

namespace bench {

namespace {
std::string size_of(const site::Site& s) {
  return std::to_string(s.pod_count()) + " pods, " + std::to_string(s.turbine_count()) + " units";
}
}  // namespace

// Virtual seconds per wall second at a 10 ms step, one core: median of repeats.
Figures simulator(const site::Site& s, const Options& o) {
  const double virtual_s = o.quick ? 20 : (s.pod_count() > 300 ? 120 : 600);
  const int repeats = o.quick ? 1 : 3;
  std::vector<double> factors;
  for (int r = 0; r < repeats; ++r) {
    sim::Plant plant(s, sim::PlantOptions{0.01, static_cast<std::uint64_t>(r + 1)});
    const auto t0 = std::chrono::steady_clock::now();
    plant.run_for(virtual_s);
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    factors.push_back(virtual_s / wall_s);
  }
  return {{"simulator", "real-time factor, 10 ms step, " + size_of(s), percentile(factors, 0.5),
           "x real time"}};
}

// One controller step on process images recorded from the simulator first, so the
// timing holds the controller alone; heap allocations counted after adoption.
Figures controller_step(const site::Site& s, const Options& o) {
  const int scans = o.quick ? 300 : 3000;
  sim::Plant plant(s, sim::PlantOptions{0.01, 1});
  hal::SimIo io(plant);
  std::vector<hal::ProcessImage> images;
  images.reserve(static_cast<std::size_t>(scans));
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
  constexpr std::size_t kAdoptionScans = 10;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const long before = o.allocations ? o.allocations() : 0;
    const auto t0 = std::chrono::steady_clock::now();
    controller.step(images[i], fw::OperatorInputs{}, images[i].scan_time_s, commands);
    const auto t1 = std::chrono::steady_clock::now();
    if (i >= kAdoptionScans && o.allocations) allocations += o.allocations() - before;
    controller.log().clear();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  const std::string size = size_of(s);
  Figures f = {{"controller", "step time median, " + size, percentile(us, 0.5), "us"},
               {"controller", "step time p99, " + size, percentile(us, 0.99), "us"}};
  if (o.allocations)
    f.push_back(
        {"controller", "heap allocations per steady-state step, " + size,
         static_cast<double>(allocations) / static_cast<double>(images.size() - kAdoptionScans),
         "per step"});
  return f;
}

}  // namespace bench
