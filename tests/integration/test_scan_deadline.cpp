// The scan's read deadline over the wire (issue 13): silent and slow pod
// gateways sharing the POI's connection do not stretch plantd's scans; they are
// stale, polled apart, reported once each and taken back when they answer in
// time again. And with the POI meter silent when plantd starts, the controller
// adopts no mode from the missing data and starts no turbine.
#include <modbus/modbus.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "hal/device_addresses.hpp"
#include "process.hpp"
#include "register_access.hpp"
#include "site/load.hpp"

namespace {

const std::string kSource = PLANT_SOURCE_DIR;
const std::string kSite = kSource + "/config/colossus-100k.toml";

struct Figures {
  long long scans = -1, overruns = -1;
  double latest_ms = -1;
};

// From plantd's last line: "stopped after N scans (M overruns, the latest scan
// ended X ms after it was due)".
Figures figures(const std::string& log) {
  Figures f;
  const std::size_t at = log.rfind("stopped after ");
  if (at != std::string::npos)
    std::sscanf(log.c_str() + at,
                "stopped after %lld scans (%lld overruns, the latest scan ended %lf", &f.scans,
                &f.overruns, &f.latest_ms);
  return f;
}

std::string with_connections(int per_endpoint, const std::string& path) {
  std::string text = proc::read_file(kSite);
  const std::size_t at = text.find("[modbus]\n");
  REQUIRE(at != std::string::npos);
  text.insert(at + 9, "connections_per_endpoint = " + std::to_string(per_endpoint) + "\n");
  std::ofstream(path) << text;
  return path;
}

// A scenario of `duration_s` on the 100k site with these events.
std::string scenario(const std::string& path, double duration_s, const std::string& events) {
  std::ofstream(path) << "[scenario]\nname = \"scan deadline\"\nsite = \"" << kSite
                      << "\"\nduration_s = " << duration_s << "\nseed = 3\n\n"
                      << events;
  return path;
}

std::string silent(const std::string& device, double at_s, double duration_s) {
  return "[[event]]\nat_s = " + std::to_string(at_s) + "\ntype = \"device_silent\"\ndevice = \"" +
         device + "\"\nduration_s = " + std::to_string(duration_s) + "\n\n";
}

// plantsim serving the scenario, and plantd on `site` for `duration_s`; plantd's log.
std::string run(const std::string& tag, const std::string& scenario_file, const std::string& site,
                double duration_s) {
  const int port = proc::free_port();
  const std::string base = "/tmp/plant-deadline-" + tag + "-" + std::to_string(port);
  proc::Process sim({PLANTSIM_PATH, "--serve", "--wait-for-client", "--scenario", scenario_file,
                     "--host", "127.0.0.1", "--port", std::to_string(port)},
                    base + "-sim.log");
  REQUIRE(proc::wait_for_port(port, 10));
  proc::Process plantd({PLANTD_PATH, "--config", site, "--host", "127.0.0.1", "--port",
                        std::to_string(port), "--duration-s", std::to_string(duration_s)},
                       base + "-plantd.log");
  CHECK(plantd.stop(0, duration_s + 30) == 0);  // ends by itself
  sim.stop(SIGTERM, 10);
  return plantd.log();
}

// The silent pods' lines: each late once, lost at most once and back once.
void check_reported_once(const std::string& log, const std::vector<std::string>& pods) {
  for (const std::string& pod : pods) {
    INFO(pod);
    const int late = proc::occurrences(log, pod + ": late (");
    const int lost = proc::occurrences(log, pod + ": no answer");  // to a read or a write
    CHECK(late == 1);
    CHECK(lost <= 1);
    CHECK(proc::occurrences(log, pod + ": answering again") == lost);
    CHECK(proc::occurrences(log, pod + ": answering in time again") == 1);
  }
}

void check_period(const std::string& log, double duration_s, const char* what) {
  const Figures f = figures(log);
  // Scans keep their 100 ms period: none ended two periods late (an overrun), and
  // the run had its share of scans. A bound far above normal, not a timing.
  std::printf("%s: %lld scans in %.0f s, %lld overruns, latest scan end %.1f ms after due\n", what,
              f.scans, duration_s, f.overruns, f.latest_ms);
  CHECK(f.overruns == 0);
  CHECK(f.scans >= static_cast<long long>(0.9 * duration_s / 0.1));
}

}  // namespace

TEST_CASE("5 silent pod gateways on the POI's connection do not stretch the scan",
          "[integration][wire][deadline]") {
  // Device n of the gateway port goes to connection n mod 4: the POI (0) shares
  // connection 0 with pods 3, 7, 11, 15, 19 (devices 20, 24, ...).
  std::vector<std::string> pods;
  std::string events;
  for (int p = 3; p <= 19; p += 4) {
    pods.push_back("pod." + std::to_string(p));
    events += silent(pods.back(), 4, 8);
  }
  const std::string file = scenario("/tmp/plant-deadline-5.toml", 40, events);
  const std::string log = run("5", file, kSite, 30);
  INFO(log.substr(0, 8000));
  check_period(log, 30, "5 silent pods");
  check_reported_once(log, pods);
  CHECK(log.find("-> FailSafe") == std::string::npos);  // the POI stayed fresh
}

TEST_CASE("30 silent pod gateways on the POI's connection do not stretch the scan",
          "[integration][wire][deadline]") {
  // Two connections: the POI (device 0) shares connection 0 with the odd pods.
  const std::string site = with_connections(2, "/tmp/plant-deadline-30-site.toml");
  std::vector<std::string> pods;
  std::string events;
  for (int p = 1; p < 60; p += 2) {
    pods.push_back("pod." + std::to_string(p));
    events += silent(pods.back(), 4, 8);
  }
  const std::string file = scenario("/tmp/plant-deadline-30.toml", 50, events);
  const std::string log = run("30", file, site, 40);
  INFO(log.substr(0, 8000));
  check_period(log, 40, "30 silent pods");
  check_reported_once(log, pods);
  CHECK(log.find("-> FailSafe") == std::string::npos);
}

TEST_CASE("a pod gateway answering 150 ms late does not stretch the scan",
          "[integration][wire][deadline]") {
  const std::string file =
      scenario("/tmp/plant-deadline-slow.toml", 30,
               "[[event]]\nat_s = 4\ntype = \"device_slow\"\ndevice = \"pod.3\"\ndelay_s = "
               "0.15\nduration_s = 8\n\n");
  const std::string log = run("slow", file, kSite, 20);
  INFO(log.substr(0, 8000));
  check_period(log, 20, "a pod 150 ms late");
  // Late, but under the response timeout: polled apart, never lost.
  CHECK(proc::occurrences(log, "pod.3: late (") == 1);
  CHECK(proc::occurrences(log, "pod.3: no answer;") == 0);
  CHECK(proc::occurrences(log, "pod.3: answering in time again") == 1);
}

TEST_CASE("with the POI meter silent at start-up, plantd adopts no mode and starts no turbine",
          "[integration][wire][adopt]") {
  const int port = proc::free_port();
  const std::string base = "/tmp/plant-deadline-poi-" + std::to_string(port);
  const std::string file = scenario(base + ".toml", 30, silent("poi", 0, 6));
  // The plant runs with its meter silent before plantd starts (or restarts).
  proc::Process sim({PLANTSIM_PATH, "--serve", "--scenario", file, "--host", "127.0.0.1", "--port",
                     std::to_string(port)},
                    base + "-sim.log");
  REQUIRE(proc::wait_for_port(port, 10));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  proc::Process plantd({PLANTD_PATH, "--config", kSite, "--host", "127.0.0.1", "--port",
                        std::to_string(port), "--duration-s", "4"},
                       base + "-plantd.log");
  CHECK(plantd.stop(0, 30) == 0);  // 4 s, the meter silent throughout
  // The turbines' own count of start commands accepted (register map: starts).
  site::LoadResult loaded = site::load_site_file(kSite);
  REQUIRE(loaded.site);
  const hal::regs::DeviceMap& map = hal::regs::device_map(hal::regs::DeviceKind::kTurbine);
  hal::regs::DeviceAddress at;
  for (const auto& a : hal::regs::device_addresses(*loaded.site))
    if (a.kind == hal::regs::DeviceKind::kTurbine) at = a;
  at.port = port;
  modbus_t* ctx = hal::new_context(at, 1.0);
  REQUIRE(modbus_connect(ctx) == 0);
  int turbines = 0;
  double starts = 0;
  for (const auto& a : hal::regs::device_addresses(*loaded.site)) {
    if (a.kind != hal::regs::DeviceKind::kTurbine) continue;
    modbus_set_slave(ctx, a.unit_id);
    double v = -1;
    REQUIRE(hal::read_register(ctx, *map.find("starts"), v));
    starts += v;
    ++turbines;
  }
  modbus_close(ctx);
  modbus_free(ctx);
  sim.stop(SIGTERM, 10);
  const std::string log = plantd.log();
  INFO(log.substr(0, 6000));
  CHECK(turbines == loaded.site->turbine_count());
  CHECK(starts == 0);
  CHECK(log.find("found open") == std::string::npos);
  CHECK(log.find("plant not known") != std::string::npos);
  CHECK(log.find("-> FailSafe") != std::string::npos);  // as for any loss of the POI
}
