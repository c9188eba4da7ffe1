// A hot-standby pair of plantd over Modbus, with plantsim's devices fencing by
// owner epoch. kill -9 of the active mid-outage: the standby takes over within
// three scans, claims every device, and carries on bumplessly with the counters
// its peer had. SIGSTOP of the active (a split brain): the standby takes over,
// and the old active, resumed, is fenced and gives way; no device ever goes back.
#include <modbus/modbus.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fw/alarms.hpp"
#include "hal/device_addresses.hpp"
#include "pair_auth.hpp"
#include "plant_readback.hpp"
#include "process.hpp"
#include "register_access.hpp"
#include "scada_client.hpp"
#include "site/load.hpp"
#include "state_file.hpp"
#include "udp_forger.hpp"

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

// plantsim serving the 40 s grid outage, and the site with a [redundancy] table
// and its key file (mode 0600, 32 random bytes, as docs/operations.md makes it).
struct Bench {
  // partitioned: node b's heartbeats go nowhere (its file names another address
  // for node a), so node a never hears b: only the devices can tell a it lost.
  // b_units: node b's file names this many turbines instead of the preset's.
  Bench(const std::string& name, bool partitioned = false, int b_units = 0) {
    port = proc::free_port();
    base = "/tmp/plant-" + name + "-" + std::to_string(port);
    const std::string preset = proc::read_file(kSource + "/config/colossus-100k.toml");
    port_a = proc::free_port();
    port_b = port_a + 1;
    const int nowhere = port_a + 2;
    const std::string key = base + "-pair.key";
    std::random_device random;
    std::string bytes;
    for (int k = 0; k < 32; ++k)
      bytes += static_cast<char>(random() & 0xFF);
    std::ofstream(key, std::ios::binary) << bytes;
    REQUIRE(chmod(key.c_str(), 0600) == 0);
    for (const char* node : {"a", "b"}) {
      const bool deaf = partitioned && node[0] == 'b';
      std::string model = preset;
      if (b_units > 0 && node[0] == 'b') {
        const std::size_t at = model.find("count = 15\n");
        REQUIRE(at != std::string::npos);
        model.replace(at, 11, "count = " + std::to_string(b_units) + "\n");
      }
      scada_port[node[0] - 'a'] = proc::free_port();
      std::ofstream(site_path(node))
          << model << "\n[redundancy]\nnode_a = \"127.0.0.1:" << (deaf ? nowhere : port_a)
          << "\"\nnode_b = \"127.0.0.1:" << port_b << "\"\nkey_file = \"" << key
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
  int port = 0, scada_port[2] = {}, port_a = 0, port_b = 0;
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

namespace {

// What a forger would most like the standby to believe: node a active with the
// last epoch there is, every unit's starts and the NOx cap spent.
std::string forged_state(const site::Site& site) {
  runtime::PersistentState s;
  s.sequence = 1u << 30;
  const auto units = static_cast<std::size_t>(site.turbine_count());
  s.usage.starts.assign(units, site.permit.starts_per_unit_per_year);
  s.usage.stops.assign(units, site.permit.shutdowns_per_unit_per_year);
  s.usage.run_hours.assign(units, 0);
  s.usage.nox_kg = site.permit.nox_cap_kg();
  return runtime::render_state(s, site);
}

}  // namespace

TEST_CASE(
    "hot standby: forged and replayed heartbeats change nothing, and a kill -9 still fails over",
    "[integration][standby][auth]") {
  Bench bench("forger");
  const site::Site& site = bench.site;
  auto a = bench.plantd("a");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto b = bench.plantd("b");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  test::UdpForger forger;
  // A real heartbeat of a to b, copied off the wire, to replay later.
  const std::string captured = forger.can_spoof() ? forger.sniff(bench.port_a, bench.port_b) : "";
  if (!forger.can_spoof()) WARN("no CAP_NET_RAW: the spoofed-source part is not run");
  if (forger.can_spoof()) REQUIRE(!captured.empty());

  const std::string state = forged_state(site);
  const std::string v2 =
      "plantd-heartbeat 2 node=a role=active epoch=65535 seq=999999999 limit=50 shed=0 "
      "shelve=600 site=" +
      site.name + "\n" + state;
  std::string v3 =
      "plantd-heartbeat 3 node=a seq=18446744073709551615 role=active epoch=65535 "
      "limit=50 shed=0 shelve=600 fingerprint=" +
      runtime::site_fingerprint(site) + " units=" + std::to_string(site.turbine_count()) +
      " pods=" + std::to_string(site.pod_count()) + " site=" + site.name + "\n" + state;
  const runtime::Tag guess =
      runtime::heartbeat_tag(std::vector<unsigned char>(32, 0), v3.data(), v3.size());
  v3.append(guess.begin(), guess.end());
  // 2 s of forgery at 50 Hz, to both nodes: from 127.0.0.2 (a's port number,
  // another address), and spoofed as a's own address and port.
  int sent = 0;
  for (int k = 0; k < 100; ++k) {
    for (int to : {bench.port_b, bench.port_a}) {
      CHECK(forger.send_from("127.0.0.2", bench.port_a, to, k % 2 ? v2 : v3));
      ++sent;
    }
    if (forger.can_spoof()) {
      CHECK(forger.spoof(bench.port_a, bench.port_b, k % 2 ? captured : v3));
      ++sent;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  modbus_t* ctx = bench.client();
  modbus_t* scada_a = bench.client('a');
  modbus_t* scada_b = bench.client('b');
  CHECK(test::scada_read(scada_a, "redundancy_role") == 1);  // a still active
  CHECK(test::scada_read(scada_b, "redundancy_role") == 2);  // b still standby
  CHECK(test::scada_read(scada_b, "owner_epoch") == 0);
  for (double e : read_plant(ctx, site).owner_epoch)
    CHECK(e == 1);  // nobody claimed with 65535

  // A real failure still fails over.
  REQUIRE(a->stop(SIGKILL, 5) != -1);
  const runtime::StateLoad a_disk = runtime::StateFile(bench.state_file("a"), site).load();
  int role_b = 0;
  for (int k = 0; k < 50 && role_b != 1; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    role_b = static_cast<int>(test::scada_read(scada_b, "redundancy_role"));
  }
  CHECK(role_b == 1);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (double e : read_plant(ctx, site).owner_epoch)
    CHECK(e == 2);
  for (modbus_t* c : {ctx, scada_a, scada_b}) {
    modbus_close(c);
    modbus_free(c);
  }
  REQUIRE(b->stop(SIGTERM, 10) == 0);
  bench.sim->stop(SIGTERM, 10);
  const std::string a_log = a->log(), b_log = b->log();
  INFO(b_log.substr(0, 4000));
  CHECK(a_log.find("standby now") == std::string::npos);
  CHECK(b_log.find("taking over as active with epoch 2:") != std::string::npos);
  // Refused, and said so once per reason, not per datagram.
  CHECK(b_log.find("heartbeat refused from 127.0.0.2:" + std::to_string(bench.port_a) +
                   ": not from the peer's address") != std::string::npos);
  if (forger.can_spoof()) {
    const std::string spoofed = "heartbeat refused from 127.0.0.1:" + std::to_string(bench.port_a);
    CHECK(b_log.find(spoofed + ": wrong authentication tag") != std::string::npos);
    CHECK(b_log.find(spoofed + ": authentic but its seq is not after") != std::string::npos);
  }
  const int lines = proc::occurrences(b_log, "heartbeat refused");
  CHECK(lines <= 3);
  CHECK(proc::occurrences(a_log, "heartbeat refused") == 1);  // only 127.0.0.2 reached a
  std::printf("forger: %d datagrams sent, %d refusal lines in node b's log\n", sent, lines);
  // None of the forged counters was taken: b's file holds what the plant did.
  const runtime::StateLoad b_disk = runtime::StateFile(bench.state_file("b"), site).load();
  REQUIRE(b_disk.restored);
  REQUIRE(a_disk.restored);
  for (std::size_t u = 0; u < b_disk.state.usage.starts.size(); ++u) {
    CHECK(b_disk.state.usage.starts[u] < site.permit.starts_per_unit_per_year);
    CHECK(b_disk.state.usage.stops[u] < site.permit.shutdowns_per_unit_per_year);
  }
  CHECK(b_disk.state.usage.nox_kg < 0.01 * site.permit.nox_cap_kg());
}

TEST_CASE(
    "hot standby: node b with another site file (14 turbines, not 15) never takes over, not "
    "even when a dies, and both raise peer_site_mismatch",
    "[integration][standby][auth]") {
  Bench bench("mismatch", false, 14);
  auto a = bench.plantd("a");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto b = bench.plantd("b");
  std::this_thread::sleep_for(std::chrono::seconds(6));
  modbus_t* ctx = bench.client();
  modbus_t* scada_a = bench.client('a');
  modbus_t* scada_b = bench.client('b');
  const int alarm = static_cast<int>(fw::AlarmId::kPeerSiteMismatch);
  CHECK(test::scada_read(scada_a, "redundancy_role") == 1);
  CHECK(test::scada_read(scada_b, "redundancy_role") == 2);
  // 1: unacked (docs/register-maps.md, alarm_state).
  CHECK(test::scada_read(scada_a, "alarm_state", alarm) == 1);
  CHECK(test::scada_read(scada_b, "alarm_state", alarm) == 1);
  for (double e : read_plant(ctx, bench.site).owner_epoch)
    CHECK(e == 1);
  // a dies: b, which may hold the wrong file, still does not take over.
  a->stop(SIGKILL, 10);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // 20 of b's scans
  CHECK(test::scada_read(scada_b, "redundancy_role") == 2);
  CHECK(test::scada_read(scada_b, "alarm_state", alarm) == 1);
  for (double e : read_plant(ctx, bench.site).owner_epoch)
    CHECK(e == 1);
  for (modbus_t* c : {ctx, scada_a, scada_b}) {
    modbus_close(c);
    modbus_free(c);
  }
  REQUIRE(b->stop(SIGTERM, 10) == 0);
  bench.sim->stop(SIGTERM, 10);
  const std::string a_log = a->log(), b_log = b->log(), sim_log = bench.sim->log();
  INFO(b_log.substr(0, 4000));
  CHECK(b_log.find("taking over") == std::string::npos);
  // Why, once, with both models.
  const std::string why = "plantd: the peer runs another site model";
  CHECK(proc::occurrences(b_log, why) == 1);
  CHECK(b_log.find("(site colossus-100k, 15 units, 100 pods) is not this node's") !=
        std::string::npos);
  CHECK(b_log.find("(site colossus-100k, 14 units, 100 pods)") != std::string::npos);
  CHECK(b_log.find("alarm peer_site_mismatch (21, high): raised") != std::string::npos);
  CHECK(proc::occurrences(a_log, why) == 1);
  CHECK(a_log.find("alarm peer_site_mismatch (21, high): raised") != std::string::npos);
  // The devices were never claimed by b.
  for (const Claim& c : claims(sim_log))
    CHECK(c.to_epoch == 1);
}

// The dead end: a device written to 65535 left nobody able to claim it.
// Epochs wrap (RFC 1982): plantd reads 65535 and claims with 1, which the
// devices take as after it; a claim with 65535 again is then refused.
TEST_CASE("hot standby: devices held at epoch 65535 are claimed with 1, and 65535 is then behind",
          "[integration][standby]") {
  Bench bench("wrap");
  modbus_t* ctx = bench.client();
  const auto devices = hal::regs::device_addresses(bench.site);
  for (const auto& d : devices) {
    modbus_set_slave(ctx, d.unit_id);
    REQUIRE(hal::write_register(ctx, *hal::regs::device_map(d.kind).find("owner_epoch"), 65535));
  }
  modbus_close(ctx);  // the engineer goes; the devices stay owned by epoch 65535
  modbus_free(ctx);
  auto a = bench.plantd("a");  // alone: takes over
  int epoch_1 = 0;
  for (int k = 0; k < 50; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ctx = bench.client();
    const PlantReadback p = read_plant(ctx, bench.site);
    epoch_1 = static_cast<int>(std::count(p.owner_epoch.begin(), p.owner_epoch.end(), 1.0));
    modbus_close(ctx);
    modbus_free(ctx);
    if (epoch_1 == static_cast<int>(devices.size())) break;
  }
  CHECK(epoch_1 == static_cast<int>(devices.size()));
  // A claim behind the one held is refused (exception 1), across the wrap.
  ctx = bench.client();
  modbus_set_slave(ctx, devices[0].unit_id);
  const hal::regs::Register& owner = *hal::regs::device_map(devices[0].kind).find("owner_epoch");
  CHECK_FALSE(hal::write_register(ctx, owner, 65535));
  CHECK(errno == EMBXILFUN);
  double held = 0;
  REQUIRE(hal::read_register(ctx, owner, held));
  CHECK(held == 1);
  modbus_close(ctx);
  modbus_free(ctx);
  REQUIRE(a->stop(SIGTERM, 10) == 0);
  bench.sim->stop(SIGTERM, 10);
  const std::string a_log = a->log(), sim_log = bench.sim->log();
  INFO(a_log.substr(0, 3000));
  CHECK(a_log.find("taking over as active with epoch 1:") != std::string::npos);
  std::map<std::string, std::vector<unsigned>> epochs;
  for (const Claim& c : claims(sim_log))
    epochs[c.device].push_back(c.to_epoch);
  CHECK(epochs.size() == devices.size());
  for (const auto& [device, seq] : epochs) {
    INFO(device);
    CHECK(seq == std::vector<unsigned>{65535, 1});
  }
}

TEST_CASE("hot standby: plantd refuses to start with a key file that others may read",
          "[integration][standby][auth]") {
  Bench bench("badkey");
  const std::string key = bench.base + "-pair.key";
  REQUIRE(chmod(key.c_str(), 0644) == 0);
  int status = -1;
  const std::string out =
      proc::run_command(std::string(PLANTD_PATH) + " --config " + bench.site_path("a") +
                            " --node a --host 127.0.0.1 --port " + std::to_string(bench.port) +
                            " --duration-s 5 2>&1",
                        &status);
  INFO(out);
  CHECK(status == 1);
  CHECK_THAT(out, Catch::Contains("the pair's key file " + key) && Catch::Contains("(mode 0644)") &&
                      Catch::Contains("mode 0600 or 0400"));
  CHECK(out.find("status") == std::string::npos);  // no scan ran
  bench.sim->stop(SIGTERM, 10);
}
