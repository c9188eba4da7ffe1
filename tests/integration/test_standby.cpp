// A hot-standby pair of plantd over Modbus, with plantsim's devices fencing by
// owner epoch. kill -9 of the active mid-outage: the standby takes over within
// three scans, claims every device, and carries on bumplessly with the counters
// its peer had. SIGSTOP of the active (a split brain): the standby takes over,
// and the old active, resumed, is fenced and gives way; no device ever goes back.
#include <modbus/modbus.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hal/device_addresses.hpp"
#include "plant_readback.hpp"
#include "process.hpp"
#include "register_access.hpp"
#include "scada_client.hpp"
#include "site/load.hpp"
#include "state_file.hpp"

namespace {

const std::string kSource = PLANT_SOURCE_DIR;

long long wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The devices' owner changes, from plantsim's log (its fencing audit).
struct Claim {
  long long wall_ms;
  std::string device;
  unsigned from_epoch, to_epoch;
};
std::vector<Claim> claims(const std::string& log) {
  std::vector<Claim> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    Claim c;
    char device[64];
    double t;
    if (std::sscanf(line.c_str(), "plantsim: wall_ms=%lld t=%lfs owner of %63[^:]: epoch %u",
                    &c.wall_ms, &t, device, &c.from_epoch) != 4)
      continue;
    const std::size_t arrow = line.find("-> epoch ");
    REQUIRE(arrow != std::string::npos);
    c.to_epoch = static_cast<unsigned>(std::stoul(line.substr(arrow + 9)));
    c.device = device;
    out.push_back(c);
  }
  return out;
}

using test::PlantReadback;
using test::read_plant;
using test::running;

// plantsim serving the 40 s grid outage, and the site with a [redundancy] table.
struct Bench {
  // partitioned: node b's heartbeats go nowhere (its file names another address
  // for node a), so node a never hears b: only the devices can tell a it lost.
  Bench(const std::string& name, bool partitioned = false) {
    port = proc::free_port();
    base = "/tmp/plant-" + name + "-" + std::to_string(port);
    const std::string preset = proc::read_file(kSource + "/config/colossus-100k.toml");
    const int port_a = proc::free_port(), port_b = port_a + 1, nowhere = port_a + 2;
    for (const char* node : {"a", "b"}) {
      const bool deaf = partitioned && node[0] == 'b';
      scada_port[node[0] - 'a'] = proc::free_port();
      std::ofstream(site_path(node))
          << preset << "\n[redundancy]\nnode_a = \"127.0.0.1:" << (deaf ? nowhere : port_a)
          << "\"\nnode_b = \"127.0.0.1:" << port_b
          << "\"\n[scada]\nport = " << scada_port[node[0] - 'a']
          << "\nwrite_allow = [\"127.0.0.1\"]\nimport_limit_min_mw = 50\n";
    }
    site::LoadResult loaded = site::load_site_file(site_path("a"));
    REQUIRE(loaded.site);
    site = *loaded.site;
    for (const char* node : {"a", "b"}) {
      const std::string state = state_file(node);
      for (const char* suffix : {"", ".tmp", ".bak"})
        std::remove((state + suffix).c_str());
      int status = -1;
      proc::run_command(std::string(PLANTD_PATH) + " --init-state --config " + site_path(node) +
                            " --state-file " + state,
                        &status);
      REQUIRE(status == 0);
    }
    sim = std::make_unique<proc::Process>(
        std::vector<std::string>{PLANTSIM_PATH, "--serve", "--wait-for-client", "--scenario",
                                 kSource + "/tests/integration/scenarios/grid-outage-40s.toml",
                                 "--host", "127.0.0.1", "--port", std::to_string(port)},
        base + "-sim.log");
    REQUIRE(proc::wait_for_port(port, 10));
  }
  std::string site_path(const std::string& node) const { return base + "-site-" + node + ".toml"; }
  std::string state_file(const std::string& node) const {
    return base + "-state-" + node + ".toml";
  }
  std::unique_ptr<proc::Process> plantd(const std::string& node) const {
    return std::make_unique<proc::Process>(
        std::vector<std::string>{PLANTD_PATH, "--config", site_path(node), "--node", node, "--host",
                                 "127.0.0.1", "--port", std::to_string(port), "--state-file",
                                 state_file(node), "--save-interval-s", "1"},
        base + "-plantd-" + node + ".log");
  }
  // The devices' gateway, or with `node` that node's SCADA server.
  modbus_t* client(char node = 0) const {
    hal::regs::DeviceAddress gateway;
    gateway.port = node ? scada_port[node - 'a'] : port;
    gateway.host = "127.0.0.1";
    modbus_t* ctx = hal::new_context(gateway, 1.0);
    REQUIRE(modbus_connect(ctx) == 0);
    return ctx;
  }
  int port = 0, scada_port[2] = {};
  std::string base;
  site::Site site;
  std::unique_ptr<proc::Process> sim;
};

}  // namespace

TEST_CASE("hot standby: kill -9 the active mid-outage, the standby takes over within 3 scans",
          "[integration][standby]") {
  Bench bench("standby");
  const site::Site& site = bench.site;
  auto a = bench.plantd("a");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto b = bench.plantd("b");
  // The operator lowers the import limit on the active; the standby refuses
  // writes (exception 6) and holds what the active holds.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  modbus_t* scada_a = bench.client('a');
  modbus_t* scada_b = bench.client('b');
  CHECK(test::scada_write(scada_a, "import_limit_mw", 120) == 0);
  CHECK(test::scada_write(scada_b, "import_limit_mw", 110) == EMBXSBUSY);
  // The grid goes at 10 s; node a starts units on the battery's time.
  std::this_thread::sleep_for(std::chrono::seconds(11));
  CHECK(test::scada_read(scada_b, "redundancy_role") == 2);  // standby
  CHECK(test::scada_read(scada_b, "import_limit_mw") == Approx(120));
  modbus_t* ctx = bench.client();
  const PlantReadback at_kill = read_plant(ctx, site);
  const long long killed_ms = wall_ms();
  REQUIRE(a->stop(SIGKILL, 5) != -1);
  const std::string a_log = a->log();
  const runtime::StateLoad a_disk = runtime::StateFile(bench.state_file("a"), site).load();
  REQUIRE(a_disk.restored);
  const int starts_at_kill =
      std::accumulate(a_disk.state.usage.starts.begin(), a_disk.state.usage.starts.end(), 0);
  INFO(a_log.substr(a_log.size() > 3000 ? a_log.size() - 3000 : 0));
  REQUIRE(starts_at_kill > 0);  // node a was active and started units
  for (double e : at_kill.owner_epoch)
    REQUIRE(e == 1);  // node a's first epoch on every device

  // Watch the takeover: units and caps every 0.5 s for 4 s.
  PlantReadback after;
  const double worst_rise_pu = test::watch_takeover(ctx, site, at_kill, after);
  for (double e : after.owner_epoch)
    CHECK(e == 2);  // node b's epoch on every device
  // The operator's limit is still in force: node b held it as standby.
  CHECK(test::scada_read(scada_b, "redundancy_role") == 1);  // active
  CHECK(test::scada_read(scada_b, "import_limit_in_force_mw") == Approx(120));
  for (modbus_t* c : {ctx, scada_a, scada_b}) {
    modbus_close(c);
    modbus_free(c);
  }
  REQUIRE(b->stop(SIGTERM, 10) == 0);
  const std::string b_log = b->log();
  bench.sim->stop(SIGTERM, 10);
  const std::string sim_log = bench.sim->log();
  INFO(b_log.substr(0, 3000));

  // Node b's own count of scans without an active peer when it took over.
  const std::size_t at = b_log.find("taking over as active with epoch 2: ");
  REQUIRE(at != std::string::npos);
  int silent_scans = -1;
  REQUIRE(std::sscanf(b_log.c_str() + at, "taking over as active with epoch 2: %d scans",
                      &silent_scans) == 1);
  CHECK(silent_scans <= 3);
  // The devices' audit: each went 0 -> 1 (node a) -> 2 (node b), and nothing else.
  std::map<std::string, std::vector<unsigned>> epochs;
  long long first_claim_ms = 0, last_claim_ms = 0;
  for (const Claim& c : claims(sim_log)) {
    epochs[c.device].push_back(c.to_epoch);
    if (c.to_epoch == 2) {
      if (first_claim_ms == 0) first_claim_ms = c.wall_ms;
      last_claim_ms = c.wall_ms;
    }
  }
  CHECK(epochs.size() == at_kill.owner_epoch.size());
  for (const auto& [device, seq] : epochs) {
    INFO(device);
    CHECK(seq == std::vector<unsigned>{1, 2});
  }
  const double period_ms = site.controller.scan_period_s * 1000;
  std::printf(
      "standby: node b took over after %d scans without a heartbeat; first claim %lld ms after "
      "the kill (%.1f scans of %.0f ms), every device claimed within %lld ms; largest cap rise "
      "%.4f of compute\n",
      silent_scans, first_claim_ms - killed_ms,
      static_cast<double>(first_claim_ms - killed_ms) / period_ms, period_ms,
      last_claim_ms - first_claim_ms, worst_rise_pu);
  // Bumpless: no cap stepped up (restoration goes by restore_step_pu at most).
  CHECK(worst_rise_pu <= site.controller.restore_step_pu + 1e-6);
  // No counter lost: node b's file, after its clean stop, holds at least what
  // node a had on disk at the kill.
  const runtime::StateLoad b_disk = runtime::StateFile(bench.state_file("b"), site).load();
  REQUIRE(b_disk.restored);
  for (std::size_t u = 0; u < a_disk.state.usage.starts.size(); ++u) {
    CHECK(b_disk.state.usage.starts[u] >= a_disk.state.usage.starts[u]);
    CHECK(b_disk.state.usage.run_hours[u] >= a_disk.state.usage.run_hours[u]);
  }
  // NOx as node a saved it (the loader adds an unclean stop's allowance on top).
  CHECK(b_disk.state.usage.nox_kg > a_disk.state.usage.nox_kg - a_disk.nox_allowance_kg);
}

TEST_CASE(
    "hot standby: a paused active that resumes, hearing no peer, is fenced by the devices and "
    "gives way",
    "[integration][standby]") {
  Bench bench("split-brain", true);
  auto a = bench.plantd("a");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto b = bench.plantd("b");
  std::this_thread::sleep_for(std::chrono::seconds(12));  // units starting in the outage
  REQUIRE(kill(a->pid(), SIGSTOP) == 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // node b takes over
  REQUIRE(kill(a->pid(), SIGCONT) == 0);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  modbus_t* ctx = bench.client();
  const PlantReadback end = read_plant(ctx, bench.site);
  modbus_close(ctx);
  modbus_free(ctx);
  REQUIRE(a->stop(SIGTERM, 10) == 0);
  REQUIRE(b->stop(SIGTERM, 10) == 0);
  bench.sim->stop(SIGTERM, 10);
  const std::string a_log = a->log(), b_log = b->log(), sim_log = bench.sim->log();
  INFO(a_log.substr(a_log.size() > 3000 ? a_log.size() - 3000 : 0));
  INFO(b_log.substr(b_log.size() > 2000 ? b_log.size() - 2000 : 0));
  // Node a, which cannot hear b, learnt it from the devices and gave way; node b
  // stayed active.
  CHECK(a_log.find("plantd: standby now: a device refused this node (fenced)") !=
        std::string::npos);
  CHECK(b_log.find("taking over as active with epoch 2") != std::string::npos);
  CHECK(b_log.find("plantd: standby now") == std::string::npos);
  // Every device ended with node b, and none went back: epochs only rose.
  for (double e : end.owner_epoch)
    CHECK(e == 2);
  std::map<std::string, unsigned> last;
  for (const Claim& c : claims(sim_log)) {
    INFO(c.device << ": epoch " << c.from_epoch << " -> " << c.to_epoch);
    CHECK(c.to_epoch > last[c.device]);
    last[c.device] = c.to_epoch;
  }
  CHECK(last.size() == end.owner_epoch.size());
  // What node a sent after it resumed reached no device: a refused write is
  // counted by plantsim; an accepted one would have needed epoch 1 back.
  const std::size_t refused = sim_log.find("writes refused (exception 1)");
  std::printf("split brain: %s\n",
              refused == std::string::npos
                  ? "node a saw epoch 2 in a read-back before it wrote"
                  : sim_log
                        .substr(sim_log.rfind('\n', refused) + 1,
                                sim_log.find('\n', refused) - sim_log.rfind('\n', refused) - 1)
                        .c_str());
}
