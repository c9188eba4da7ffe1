// plantd as a service: its command line, systemd's notify protocol (read here
// from a unix datagram socket, as systemd would), the JSON-lines event journal,
// a stop on SIGTERM that leaves caps and units as they were, and the unit file.
#include <modbus/modbus.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
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

// systemd's end of NOTIFY_SOCKET: a unix datagram socket at a path, read as the
// datagrams come (a full queue would block plantd's sd_notify, as it would with
// a systemd that stopped reading).
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    unlink(path.c_str());
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{0, 100000};  // the reader looks at `stop_` every 100 ms
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    reader_ = std::thread([this] {
      char buf[4096];
      while (!stop_) {
        const ssize_t n = recv(fd_, buf, sizeof buf, 0);
        if (n > 0) {
          const std::lock_guard<std::mutex> lock(mutex_);
          messages_.emplace_back(buf, static_cast<std::size_t>(n));
        }
      }
    });
  }
  ~NotifySocket() {
    stop_ = true;
    reader_.join();
    close(fd_);
    unlink(path_.c_str());
  }
  std::vector<std::string> messages() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

}  // namespace

TEST_CASE("plantd --version and --check-config", "[integration][service]") {
  int status = -1;
  std::string out = proc::run_command(std::string(PLANTD_PATH) + " --version", &status);
  CHECK(status == 0);
  CHECK(out.find("plantd 0.1.0") != std::string::npos);
  out = proc::run_command(std::string(PLANTD_PATH) + " --check-config --config " + kSite, &status);
  CHECK(status == 0);
  CHECK(out.find("is valid: 15 units, 100 pods") != std::string::npos);
  const std::string bad = "/tmp/plant-service-bad-" + std::to_string(getpid()) + ".toml";
  std::ofstream(bad) << proc::read_file(kSite) << "\n[modbus.nonsense]\n";
  out = proc::run_command(std::string(PLANTD_PATH) + " --check-config --config " + bad + " 2>&1",
                          &status);
  INFO(out);
  CHECK(status == 1);
  CHECK(out.find(bad + ":") != std::string::npos);  // file:line:column of the problem
}

TEST_CASE("plantd tells systemd it is ready, pings the watchdog each half period, and stopping",
          "[integration][service]") {
  const std::string path = "/tmp/plant-notify-" + std::to_string(getpid());
  NotifySocket systemd(path);
  // What systemd sets for a Type=notify unit with WatchdogSec=0.2.
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  setenv("WATCHDOG_USEC", "200000", 1);
  proc::Process plantd({PLANTD_PATH, "--sim", "--config", kSite},
                       "/tmp/plant-notify-plantd-" + std::to_string(getpid()) + ".log");
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(plantd.stop(SIGTERM, 10) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the last datagrams read
  const std::vector<std::string> m = systemd.messages();
  INFO(plantd.log());
  REQUIRE(m.size() >= 3);
  CHECK(m.front().find("READY=1") != std::string::npos);
  CHECK(m.back().find("STOPPING=1") != std::string::npos);
  int pings = 0;
  for (const std::string& s : m)
    pings += s == "WATCHDOG=1";
  // Every 100 ms (half of 200 ms) for about 2 s.
  CHECK(pings >= 10);
  CHECK(pings <= 25);
}

TEST_CASE("the event journal holds every transition and command, one JSON object per line",
          "[integration][service]") {
  const std::string journal = "/tmp/plant-journal-" + std::to_string(getpid()) + ".jsonl";
  std::remove(journal.c_str());
  int status = -1;
  const std::string out = proc::run_command(
      std::string(PLANTD_PATH) + " --sim --scenario " + kSource +
          "/tests/integration/scenarios/grid-outage-40s.toml --speed 20 --duration-s 40 "
          "--event-log " +
          journal + " 2>&1",
      &status);
  INFO(out);
  REQUIRE(status == 0);
  // Every line is JSON (python3's parser, not ours), with a UTC time to the ms.
  const std::string check = proc::run_command(
      "/usr/bin/python3 -c \"import json,re,sys\n"
      "kinds={}\n"
      "for line in open('" +
          journal +
          "'):\n"
          "  o=json.loads(line)\n"
          "  assert re.fullmatch(r'\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z', "
          "o['time']), o\n"
          "  kinds[o['kind']]=kinds.get(o['kind'],0)+1\n"
          "print(sorted(kinds.items()))\" 2>&1",
      &status);
  INFO(check);
  CHECK(status == 0);
  const std::string text = proc::read_file(journal);
  CHECK(text.find("\"kind\":\"lifecycle\",\"what\":\"start: plantd 0.1.0\"") != std::string::npos);
  CHECK(text.find("\"from\":\"GridParallel\",\"to\":\"Islanded\",\"event\":\"GridLost\"") !=
        std::string::npos);
  CHECK(text.find("\"device\":\"turbine.0\",\"command\":\"start\"") != std::string::npos);
  CHECK(text.find("\"what\":\"stopped, exit status 0\"") != std::string::npos);
}

TEST_CASE("SIGTERM stops plantd and leaves every cap and unit as it was",
          "[integration][service]") {
  const int port = proc::free_port();
  const std::string base = "/tmp/plant-sigterm-" + std::to_string(port);
  proc::Process sim({PLANTSIM_PATH, "--serve", "--wait-for-client", "--scenario",
                     kSource + "/tests/integration/scenarios/islanded-trip-40s.toml", "--host",
                     "127.0.0.1", "--port", std::to_string(port)},
                    base + "-sim.log");
  REQUIRE(proc::wait_for_port(port, 10));
  proc::Process plantd(
      {PLANTD_PATH, "--config", kSite, "--host", "127.0.0.1", "--port", std::to_string(port)},
      base + "-plantd.log");
  // Past the trip at 20 s: caps are down and the units carry the island.
  std::this_thread::sleep_for(std::chrono::seconds(26));

  site::LoadResult loaded = site::load_site_file(kSite);
  REQUIRE(loaded.site);
  hal::regs::DeviceAddress gateway;
  gateway.port = port;
  gateway.host = "127.0.0.1";
  modbus_t* ctx = hal::new_context(gateway, 1.0);
  REQUIRE(modbus_connect(ctx) == 0);
  // Every pod's cap and every unit's state and setpoint, as the devices hold them.
  auto snapshot = [&] {
    std::vector<double> values;
    for (const auto& a : hal::regs::device_addresses(*loaded.site)) {
      const hal::regs::DeviceMap& map = hal::regs::device_map(a.kind);
      std::vector<const char*> names;
      if (a.kind == hal::regs::DeviceKind::kPodGateway) names = {"cap_mw", "compute_mw"};
      // A unit's state; not its setpoint, which its own governor moves while the
      // site is islanded (isochronous sharing), with or without a controller.
      if (a.kind == hal::regs::DeviceKind::kTurbine) names = {"status"};
      modbus_set_slave(ctx, a.unit_id);
      for (const char* name : names) {
        double v = -1;
        REQUIRE(hal::read_register(ctx, *map.find(name), v));
        values.push_back(v);
      }
    }
    return values;
  };
  // plantd writes until its last scan, so the caps are compared from the moment
  // it has exited: nothing may change after that, and the shed must still stand.
  const std::vector<double> running = snapshot();
  CHECK(plantd.stop(SIGTERM, 10) == 0);
  const std::vector<double> at_stop = snapshot();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const std::vector<double> later = snapshot();
  modbus_close(ctx);
  modbus_free(ctx);
  const std::string log = plantd.log();
  INFO(log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
  CHECK(log.find("signal 15: stopping") != std::string::npos);
  CHECK(log.find("plantd: stopped after") != std::string::npos);
  REQUIRE(running.size() == at_stop.size());
  REQUIRE(later.size() == at_stop.size());
  constexpr std::size_t kUnits = 15;  // the units' status first, then each pod's cap and compute
  for (std::size_t u = 0; u < kUnits; ++u) {
    INFO("unit " << u);
    CHECK(at_stop[u] == running[u]);  // no unit stopped (or started) by the stop
    CHECK(later[u] == at_stop[u]);
  }
  int lowered = 0;
  for (std::size_t p = kUnits; p + 1 < at_stop.size(); p += 2) {
    INFO("pod " << (p - kUnits) / 2);
    CHECK(later[p] == at_stop[p]);  // caps hold their values
    lowered += at_stop[p] < at_stop[p + 1] - 1e-3;
  }
  CHECK(lowered > 0);  // the trip's shed was in force at the stop, and stayed
}

TEST_CASE("the systemd unit is one systemd accepts", "[integration][service]") {
  // The unit as installed names /usr/bin/plantd; verify a copy that names this build's.
  std::string unit = proc::read_file(kSource + "/packaging/systemd/plantd.service");
  for (std::size_t at; (at = unit.find("/usr/bin/plantd")) != std::string::npos;)
    unit.replace(at, 15, PLANTD_PATH);
  const std::string dir = "/tmp/plant-unit-" + std::to_string(getpid());
  proc::run_command("mkdir -p " + dir);
  std::ofstream(dir + "/plantd.service") << unit;
  int status = -1;
  const std::string out =
      proc::run_command("cd " + dir + " && systemd-analyze verify plantd.service 2>&1", &status);
  INFO(out);
  CHECK(status == 0);
  CHECK(unit.find("Type=notify") != std::string::npos);
  CHECK(unit.find("WatchdogSec=") != std::string::npos);
}
