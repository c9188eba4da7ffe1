// GPU pods: power bounds under caps, actuation lag, training swing spectrum,
// jobs in and out of phase.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <vector>

#include "sim/plant.hpp"
#include "sim/rng.hpp"
#include "test_sites.hpp"

namespace {

// Two training jobs (2.0 s and 0.5 s iterations), inference and batch pods.
std::string fleet_toml(const std::string& checkpoint = "checkpoint_interval_s = 0") {
  const std::string pods = R"(
[[pod_group]]
name = "train-a"
count = 6
gpus_per_pod = 1000
priority = "training"
workload = "training"
job = "llm-a"
compute_w_per_gpu = 1050
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 500
iteration_period_s = 2.0
compute_fraction = 0.7
cap_actuation_lag_s = 0.5
)" + checkpoint + R"(
[[pod_group]]
name = "train-b"
count = 4
gpus_per_pod = 1000
priority = "training"
workload = "training"
job = "llm-b"
compute_w_per_gpu = 1050
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 500
iteration_period_s = 0.5
compute_fraction = 0.6
cap_actuation_lag_s = 0.2
[[pod_group]]
name = "serve"
count = 3
gpus_per_pod = 500
priority = "inference"
workload = "inference"
compute_w_per_gpu = 1050
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 600
[[pod_group]]
name = "batch"
count = 2
gpus_per_pod = 1000
priority = "batch"
workload = "batch"
compute_w_per_gpu = 1000
communication_w_per_gpu = 450
idle_w_per_gpu = 350
min_cap_w_per_gpu = 400
)";
  return test::island_site_with_pods(pods);
}

sim::Plant fleet_plant(std::uint64_t seed,
                       const std::string& checkpoint = "checkpoint_interval_s = 0") {
  return sim::Plant(test::load(fleet_toml(checkpoint)), sim::PlantOptions{0.01, seed});
}

// Magnitude of the discrete Fourier transform of `x` (sampled at `dt`) at `hz`.
double dft_magnitude(const std::vector<double>& x, double dt, double hz) {
  double mean = 0;
  for (double v : x)
    mean += v;
  mean /= static_cast<double>(x.size());
  std::complex<double> acc = 0;
  for (size_t i = 0; i < x.size(); ++i)
    acc += (x[i] - mean) * std::polar(1.0, -2 * M_PI * hz * static_cast<double>(i) * dt);
  return std::abs(acc);
}

}  // namespace

TEST_CASE("pod power stays within [idle, min(cap, compute)] once the lag has passed",
          "[sim][pods]") {
  sim::Plant plant = fleet_plant(5);
  const sim::PodFleet& pods = plant.pods();
  sim::Rng rng(99);
  std::vector<double> cap_mw(static_cast<size_t>(pods.size()));
  std::vector<double> settled_at_s(cap_mw.size(), 0);
  for (int p = 0; p < pods.size(); ++p)
    cap_mw[static_cast<size_t>(p)] = pods.compute_mw(p);
  for (int i = 0; i < 60000; ++i) {  // ten minutes
    if (i % 300 == 0) {
      const int p = static_cast<int>(rng.uniform() * pods.size());
      const double mw = rng.uniform(pods.min_cap_mw(p), pods.compute_mw(p));
      REQUIRE(plant.pod_cap(p, mw) == sim::CommandResult::kAccepted);
      cap_mw[static_cast<size_t>(p)] = mw;
      // The longest lag in the fleet, plus the step in which the gateway applies it.
      settled_at_s[static_cast<size_t>(p)] = plant.time_s() + 0.5 + 0.01;
    }
    plant.step();
    for (int p = 0; p < pods.size(); ++p) {
      if (plant.time_s() < settled_at_s[static_cast<size_t>(p)] - 1e-9) continue;
      REQUIRE(pods.power_mw(p) >= pods.idle_mw(p) - 1e-12);
      REQUIRE(pods.power_mw(p) <=
              std::min(cap_mw[static_cast<size_t>(p)], pods.compute_mw(p)) + 1e-12);
    }
  }
}

TEST_CASE("a cap takes effect after the actuation lag, not before", "[sim][pods]") {
  sim::Plant plant = fleet_plant(5);
  const int batch_pod = 13;  // first batch pod: 1 MW at compute, min cap 0.4 MW
  REQUIRE(plant.pods().compute_mw(batch_pod) == Approx(1.0));
  plant.run_for(1);
  REQUIRE(plant.pod_cap(batch_pod, 0.6) == sim::CommandResult::kAccepted);
  plant.run_for(0.49);  // default lag 0.5 s
  CHECK(plant.pods().power_mw(batch_pod) == Approx(1.0));
  plant.run_for(0.02);
  CHECK(plant.pods().power_mw(batch_pod) == Approx(0.6));
}

TEST_CASE("caps outside [min cap, compute] are refused and change nothing", "[sim][pods]") {
  sim::Plant plant = fleet_plant(5);
  CHECK(plant.pod_cap(0, 0.49) == sim::CommandResult::kOutOfRange);   // min cap 0.5 MW
  CHECK(plant.pod_cap(0, 1.051) == sim::CommandResult::kOutOfRange);  // compute 1.05 MW
  CHECK(plant.pods().cap_command_mw(0) == Approx(1.05));
  CHECK(plant.pod_floor(0, 1.2) == sim::CommandResult::kOutOfRange);
}

TEST_CASE("a power floor raises a training pod's communication phase", "[sim][pods]") {
  sim::Plant plant = fleet_plant(5);
  REQUIRE(plant.pod_floor(0, 0.8) == sim::CommandResult::kAccepted);
  plant.run_for(1);
  double lowest = 10;
  for (int i = 0; i < 400; ++i) {
    plant.step();
    lowest = std::min(lowest, plant.pods().power_mw(0));
  }
  CHECK(lowest == Approx(0.8));
  CHECK(plant.totals().floor_burn_mwh > 0);
}

TEST_CASE("a training pod's power spectrum peaks at its iteration frequency", "[sim][pods]") {
  sim::Plant plant = fleet_plant(8);
  std::vector<double> a, b;
  for (int i = 0; i < 6000; ++i) {  // 60 s at 100 Hz
    plant.step();
    a.push_back(plant.pods().power_mw(0));  // job llm-a, 2.0 s iterations
    b.push_back(plant.pods().power_mw(6));  // job llm-b, 0.5 s iterations
  }
  auto peak_hz = [](const std::vector<double>& x) {
    double best_hz = 0, best = 0;
    for (double hz = 0.1; hz <= 5.0 + 1e-9; hz += 1.0 / 60) {  // the DFT's own resolution
      const double m = dft_magnitude(x, 0.01, hz);
      if (m > best) best = m, best_hz = hz;
    }
    return best_hz;
  };
  CHECK(peak_hz(a) == Approx(0.5).margin(1.0 / 60));
  CHECK(peak_hz(b) == Approx(2.0).margin(1.0 / 60));
}

TEST_CASE("pods of one job swing together; separate jobs are not in phase", "[sim][pods]") {
  sim::Plant plant = fleet_plant(21);
  int same_job_differs = 0, jobs_differ = 0;
  for (int i = 0; i < 2000; ++i) {
    plant.step();
    const sim::PodFleet& p = plant.pods();
    if (p.power_mw(0) != p.power_mw(5)) ++same_job_differs;
    // Normalised phase of each job: 1 in compute, 0 otherwise.
    const bool a_compute = p.power_mw(0) > 1.0, b_compute = p.power_mw(6) > 1.0;
    if (a_compute != b_compute) ++jobs_differ;
  }
  CHECK(same_job_differs == 0);
  CHECK(jobs_differ > 200);
}

TEST_CASE("checkpoints drop a training job to idle for their length", "[sim][pods]") {
  sim::Plant plant = fleet_plant(4, "checkpoint_interval_s = 600\ncheckpoint_length_s = 30");
  double idle_s = 0;
  for (int i = 0; i < 60000; ++i) {
    plant.step();
    if (plant.pods().power_mw(0) == Approx(0.35)) idle_s += 0.01;
  }
  CHECK(idle_s == Approx(30).margin(0.05));  // one checkpoint in ten minutes
}

TEST_CASE("a job stop ramps its pods to idle and a start ramps them back", "[sim][pods]") {
  sim::Plant plant = fleet_plant(4);
  REQUIRE(plant.job_stop("llm-a"));
  plant.run_for(15);  // half of the 30 s ramp
  CHECK(plant.pods().activity_pu(0) == Approx(0.5).margin(0.01));
  plant.run_for(16);
  CHECK(plant.pods().power_mw(0) == Approx(0.35));
  CHECK(plant.pods().activity_pu(6) == 1.0);  // the other job runs on
  REQUIRE(plant.job_start("llm-a"));
  plant.run_for(31);
  CHECK(plant.pods().activity_pu(0) == 1.0);
  CHECK_FALSE(plant.job_start("no-such-job"));
}

TEST_CASE("a silent pod gateway answers no command until it is back", "[sim][pods]") {
  sim::Plant plant = fleet_plant(4);
  const int device = plant.measurements().pod_device(2);
  plant.device_silent(device, 10);
  CHECK(plant.pod_cap(2, 0.6) == sim::CommandResult::kNoResponse);
  const int point = plant.measurements().find_point("pod.2.power_mw");
  REQUIRE(point >= 0);
  CHECK_FALSE(plant.measure(point).answered);
  plant.run_for(11);
  CHECK(plant.pod_cap(2, 0.6) == sim::CommandResult::kAccepted);
  CHECK(plant.measure(point).answered);
}
