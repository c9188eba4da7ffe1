// plantd's SCADA server over the real wire: a libmodbus client on 127.0.0.1 reads
// the map, writes within and beyond its rules, and finds each refusal answered
// with the documented exception and every write audited in the event journal;
// `plantctl status` reads the same map.
#include <modbus/modbus.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "fw/alarms.hpp"
#include "hal/registers.hpp"
#include "process.hpp"
#include "register_access.hpp"
#include "scada_client.hpp"

namespace {

const std::string kSource = PLANT_SOURCE_DIR;
const std::string kSite = kSource + "/config/colossus-100k.toml";

// The 100k preset with a [scada] table; `allow` is the write_allow list.
std::string site_with_scada(const std::string& name, int port, const std::string& allow) {
  const std::string path = "/tmp/plant-scada-" + name + "-" + std::to_string(getpid()) + ".toml";
  std::ofstream(path) << proc::read_file(kSite) << "\n[scada]\nport = " << port
                      << "\nwrite_allow = [" << allow
                      << "]\nmin_write_interval_s = 1\nimport_limit_min_mw = 50\n";
  return path;
}

// plantd on the in-process simulator, serving SCADA, journalling to `journal`.
struct Plantd {
  Plantd(const std::string& name, const std::string& allow)
      : port(proc::free_port()),
        site(site_with_scada(name, port, allow)),
        journal("/tmp/plant-scada-" + name + "-" + std::to_string(getpid()) + ".jsonl") {
    std::remove(journal.c_str());
    process = std::make_unique<proc::Process>(
        std::vector<std::string>{PLANTD_PATH, "--sim", "--config", site, "--event-log", journal},
        journal + ".log");
    REQUIRE(proc::wait_for_port(port, 10));
    ctx = modbus_new_tcp("127.0.0.1", port);
    modbus_set_response_timeout(ctx, 1, 0);
    REQUIRE(modbus_connect(ctx) == 0);
  }
  ~Plantd() {
    modbus_close(ctx);
    modbus_free(ctx);
  }
  double read(const char* name, int item = 0) { return test::scada_read(ctx, name, item); }
  int write(const char* name, double value) { return test::scada_write(ctx, name, value); }
  void wait_scans(int n) {  // at 100 ms a scan, with room for a loaded machine
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * n + 300));
  }

  int port;
  std::string site, journal;
  std::unique_ptr<proc::Process> process;
  modbus_t* ctx = nullptr;
};

}  // namespace

TEST_CASE(
    "SCADA writes: accepted ones take effect and are audited, each refusal has its "
    "exception",
    "[integration][scada]") {
  Plantd p("writes", "\"127.0.0.1\"");
  p.wait_scans(5);
  CHECK(p.read("mode") == 1);  // GridParallel
  CHECK(p.read("import_contract_mw") == Approx(150));
  CHECK(p.read("unit_count") == 15);
  const double scans = p.read("scans");
  p.wait_scans(5);
  CHECK(p.read("scans") > scans);

  // Accepted: the limit is read back and in force from the next scan.
  REQUIRE(p.write("import_limit_mw", 100) == 0);
  p.wait_scans(3);
  CHECK(p.read("import_limit_mw") == Approx(100));
  CHECK(p.read("import_limit_in_force_mw") == Approx(100));
  // Too soon after that accepted write: exception 6, busy.
  CHECK(p.write("import_limit_mw", 90) == EMBXSBUSY);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  // Out of bounds: exception 3; not a writable register: exception 2; a function
  // the map does not serve: exception 1.
  CHECK(p.write("import_limit_mw", 20) == EMBXILVAL);
  CHECK(p.write("import_limit_mw", 151) == EMBXILVAL);
  CHECK(modbus_write_register(p.ctx, 9, 1) == -1);
  CHECK(errno == EMBXILADD);
  CHECK(modbus_write_bit(p.ctx, 0, 1) == -1);
  CHECK(errno == EMBXILFUN);
  p.wait_scans(1);
  CHECK(p.read("import_limit_in_force_mw") == Approx(100));  // nothing refused changed it

  // An alarm by the operator's hand: a manual shed raises manual_shed (first out);
  // acknowledging it over SCADA moves it to acked.
  const int manual_shed = static_cast<int>(fw::AlarmId::kManualShed) + 1;  // its alarm number
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(p.write("manual_shed_mw", 5) == 0);
  p.wait_scans(3);
  CHECK(p.read("shed_mw") >= 5);
  CHECK(p.read("alarm_state", manual_shed - 1) == 1);  // unacked
  CHECK(p.read("alarm_first_out") == manual_shed);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(p.write("alarm_acknowledge", manual_shed) == 0);
  p.wait_scans(1);
  CHECK(p.read("alarm_state", manual_shed - 1) == 2);  // acked

  // Manual on request, and back.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(p.write("mode_request", 2) == 0);
  p.wait_scans(2);
  CHECK(p.read("mode") == 7);          // Manual
  CHECK(p.read("mode_request") == 0);  // write-only: reads back 0
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  REQUIRE(p.write("mode_request", 1) == 0);
  p.wait_scans(2);
  CHECK(p.read("mode") != 7);

  // `plantctl status` over the same map.
  int status = -1;
  const std::string out = proc::run_command(
      std::string(PLANTCTL_PATH) + " status --port " + std::to_string(p.port), &status);
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("mode GridParallel") != std::string::npos);
  CHECK(out.find("operator limit 100.0 MW") != std::string::npos);
  CHECK(out.find("manual_shed") != std::string::npos);
  // --watch: a fresh screen each period, each from a plantd whose scans moved on.
  const std::string watched =
      proc::run_command("/usr/bin/timeout -s INT 1.8 " + std::string(PLANTCTL_PATH) +
                        " status --watch 0.5 --port " + std::to_string(p.port));
  INFO(watched);
  int frames = 0;
  for (std::size_t at = watched.find("\033[H\033[2J"); at != std::string::npos;
       at = watched.find("\033[H\033[2J", at + 1))
    ++frames;
  CHECK(frames >= 3);
  CHECK(watched.find("mode GridParallel") != std::string::npos);
  CHECK(watched.find("STALE") == std::string::npos);

  REQUIRE(p.process->stop(SIGTERM, 10) == 0);
  const std::string j = proc::read_file(p.journal);
  INFO(j);
  CHECK(j.find("\"kind\":\"operator_write\"") != std::string::npos);
  CHECK(j.find("\"client\":\"127.0.0.1\",\"register\":\"import_limit_mw\",\"old\":0.000,"
               "\"new\":100.000") != std::string::npos);
  CHECK(j.find("\"register\":\"import_limit_mw\",\"value\":90.000,\"exception\":6") !=
        std::string::npos);
  CHECK(j.find("\"register\":\"import_limit_mw\",\"value\":20.000,\"exception\":3") !=
        std::string::npos);
  // A write to an address that is no register is journalled with the value sent (1).
  CHECK(j.find("\"register\":\"9\",\"value\":1.000,\"exception\":2") != std::string::npos);
  CHECK(j.find("\"kind\":\"alarm\",") != std::string::npos);
  CHECK(j.find("\"action\":\"acknowledged\",\"alarm\":\"manual_shed\"") != std::string::npos);
  CHECK(proc::occurrences(j, "\"kind\":\"operator_write\"") == 5);
  CHECK(j.find("\"from\":\"GridParallel\",\"to\":\"Manual\",\"event\":\"ManualRequest\"") !=
        std::string::npos);
  CHECK(j.find("\"register\":\"function 5 (served: 3, 4, 6, 16)\",\"value\":0.000,"
               "\"exception\":1") != std::string::npos);
  CHECK(proc::occurrences(j, "\"kind\":\"scada_refusal\"") == 5);
}

TEST_CASE(
    "a SCADA write from an address not in write_allow is refused with exception 1 and "
    "audited",
    "[integration][scada]") {
  Plantd p("allow", "\"10.20.0.0/16\"");
  p.wait_scans(3);
  CHECK(p.read("mode") == 1);  // reads are open to every client
  CHECK(p.write("import_limit_mw", 100) == EMBXILFUN);
  CHECK(p.write("alarm_acknowledge", 65535) == EMBXILFUN);
  p.wait_scans(2);
  CHECK(p.read("import_limit_in_force_mw") == Approx(150));
  REQUIRE(p.process->stop(SIGTERM, 10) == 0);
  const std::string j = proc::read_file(p.journal);
  INFO(j);
  CHECK(j.find("\"kind\":\"scada_refusal\",\"t_s\":") != std::string::npos);
  CHECK(j.find("\"client\":\"127.0.0.1\",\"register\":\"import_limit_mw\",\"value\":100.000,"
               "\"exception\":1,\"reason\":\"client address not in [scada] write_allow\"") !=
        std::string::npos);
  CHECK(proc::occurrences(j, "\"exception\":1") == 2);
  CHECK(proc::occurrences(j, "\"kind\":\"operator_write\"") == 0);
}
