// plantd's SCADA server over the real wire: a libmodbus client on 127.0.0.1 reads
// the map, writes within and beyond its rules, and finds each refusal answered
// with the documented exception, every accepted write audited in the event
// journal and refusals in the refusals journal within their limit, which a flood
// from another address cannot get past; `plantctl status` reads the same map.
#include <arpa/inet.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <ctime>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
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

// plantd on the in-process simulator, serving SCADA, journalling to `journal`
// (and its refusals beside it), or with `journal_at` to that file and
// `refusals_at` (neither removed first).
struct Plantd {
  Plantd(const std::string& name, const std::string& allow, const std::string& journal_at = "",
         const std::string& refusals_at = "")
      : port(proc::free_port()),
        site(site_with_scada(name, port, allow)),
        base("/tmp/plant-scada-" + name + "-" + std::to_string(getpid())),
        journal(journal_at.empty() ? base + ".jsonl" : journal_at),
        refusals(refusals_at.empty() ? base + ".refusals.jsonl" : refusals_at),
        log_path(base + ".log") {
    std::vector<std::string> argv{PLANTD_PATH, "--sim", "--config", site, "--event-log", journal};
    if (journal_at.empty()) std::remove(journal.c_str());
    if (refusals_at.empty()) std::remove(refusals.c_str());
    if (!refusals_at.empty()) argv.insert(argv.end(), {"--refusal-log", refusals});
    process = std::make_unique<proc::Process>(argv, log_path);
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
  std::string site, base, journal, refusals, log_path;
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
  // The start pace (docs/configuration.md, [permit]): the permit year from 1 January
  // UTC by the wall clock, 22 starts for each of 15 units, a share a day and seven
  // days ahead.
  const std::time_t wall = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&wall, &utc);
  const double day = utc.tm_yday + (utc.tm_hour * 3600 + utc.tm_min * 60 + utc.tm_sec) / 86400.0;
  const double served_day = p.read("permit_year_day");
  CHECK(served_day == Approx(day).margin(0.02));
  CHECK(p.read("starts_budget") == 330);
  CHECK(p.read("starts_used") == 0);
  CHECK(p.read("starts_allowed") ==
        Approx(std::min(330.0, 330.0 * (std::floor(served_day) + 8) / 365)).margin(0.05));
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
  CHECK(out.find("0 of 330 starts used") != std::string::npos);
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
  // The refusals are in their own journal: the client's first of the minute in
  // full, then a summary of the other four (exceptions 3, 3, 2 and 1), at stop.
  CHECK(j.find("refusal") == std::string::npos);
  const std::string r = proc::read_file(p.refusals);
  INFO(r);
  CHECK(r.find("\"client\":\"127.0.0.1\",\"register\":\"import_limit_mw\",\"value\":90.000,"
               "\"exception\":6") != std::string::npos);
  CHECK(proc::occurrences(r, "\"kind\":\"scada_refusal\"") == 1);
  CHECK(r.find("\"kind\":\"refusal_summary\",\"t_s\":") != std::string::npos);
  CHECK(r.find("\"source\":\"127.0.0.1\",\"suppressed\":4,") != std::string::npos);
  CHECK(j.find("\"kind\":\"alarm\",") != std::string::npos);
  CHECK(j.find("\"action\":\"acknowledged\",\"alarm\":\"manual_shed\"") != std::string::npos);
  CHECK(proc::occurrences(j, "\"kind\":\"operator_write\"") == 5);
  CHECK(j.find("\"from\":\"GridParallel\",\"to\":\"Manual\",\"event\":\"ManualRequest\"") !=
        std::string::npos);
  // Counted without limit: 4 refused writes and 1 refused request.
  CHECK(p.process->log().find("refusals: 4 SCADA writes, 1 SCADA requests, 0 device writes; 4 of "
                              "them not logged one by one") != std::string::npos);
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
  const std::string r = proc::read_file(p.refusals);
  INFO(r);
  CHECK(r.find("\"kind\":\"scada_refusal\",\"t_s\":") != std::string::npos);
  CHECK(r.find("\"client\":\"127.0.0.1\",\"register\":\"import_limit_mw\",\"value\":100.000,"
               "\"exception\":1,\"reason\":\"client address not in [scada] write_allow\"") !=
        std::string::npos);
  CHECK(proc::occurrences(r, "\"exception\":1") == 1);  // the second is summarised
  CHECK(r.find("\"source\":\"127.0.0.1\",\"suppressed\":1,") != std::string::npos);
  CHECK(proc::occurrences(j, "\"kind\":\"operator_write\"") == 0);
  CHECK(j.find("refusal") == std::string::npos);
}

namespace {

// A libmodbus client whose socket is bound to `source` (a loopback address
// other than 127.0.0.1: a client outside write_allow), connected to plantd.
modbus_t* client_from(const char* source, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source, &from.sin_addr);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
  modbus_set_socket(ctx, fd);
  modbus_set_response_timeout(ctx, 2, 0);
  return ctx;
}

// The refusals from `client` the refusals journal accounts for: those written
// in full and those its summaries counted.
long accounted_refusals(const std::string& journal, const std::string& client) {
  std::istringstream lines(journal);
  std::string line;
  long n = 0;
  const std::string full = "\"kind\":\"scada_refusal\"", from = "\"client\":\"" + client + "\"";
  const std::string summary = "\"source\":\"" + client + "\",\"suppressed\":";
  while (std::getline(lines, line)) {
    if (line.find(full) != std::string::npos && line.find(from) != std::string::npos) ++n;
    const std::size_t at = line.find(summary);
    if (at != std::string::npos) n += std::stol(line.substr(at + summary.size()));
  }
  return n;
}

}  // namespace

TEST_CASE(
    "a flood of refused writes from outside write_allow cannot wipe the audit trail: the "
    "accepted write stays, journals and log stay small, every refusal is counted",
    "[integration][scada][audit]") {
  Plantd p("flood", "\"127.0.0.1/32\"");
  p.wait_scans(3);
  const int failed_alarm = static_cast<int>(fw::AlarmId::kEventJournalFailed);
  REQUIRE(p.write("import_limit_mw", 100) == 0);  // the operator's write, to be kept

  const int flood = 100000;
  modbus_t* attacker = client_from("127.0.0.2", p.port);
  const hal::regs::Register& reg = test::scada_register("import_limit_mw");
  int refused = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < flood; ++i)
    refused += !hal::write_register(attacker, reg, 90) && errno == EMBXILFUN;
  const double flood_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  modbus_close(attacker);
  modbus_free(attacker);
  CHECK(refused == flood);
  std::printf("%d refused writes from 127.0.0.2 in %.1f s\n", flood, flood_s);
  // plantd scanned on, and its journal is healthy.
  const double scans = p.read("scans");
  p.wait_scans(3);
  CHECK(p.read("scans") > scans);
  CHECK(p.read("alarm_state", failed_alarm) == 0);
  CHECK(p.read("import_limit_in_force_mw") == Approx(100));
  REQUIRE(p.process->stop(SIGTERM, 10) == 0);

  const std::string j = proc::read_file(p.journal);
  const std::string r = proc::read_file(p.refusals);
  const std::string log = p.process->log();
  CHECK(j.find("\"kind\":\"operator_write\",\"t_s\":") != std::string::npos);
  CHECK(j.find("\"client\":\"127.0.0.1\",\"register\":\"import_limit_mw\",\"old\":0.000,"
               "\"new\":100.000") != std::string::npos);
  CHECK(j.find("refusal") == std::string::npos);
  CHECK(j.find("\"what\":\"stopped, exit status 0\"") != std::string::npos);
  CHECK(proc::read_file(p.base + ".1.jsonl").empty());  // never rotated
  // Bounded: a few lines a minute, where 100,000 lines were written before.
  CHECK(j.size() < 1000000);
  CHECK(r.size() < 1000000);
  CHECK(log.size() < 1000000);
  const int windows = 1 + static_cast<int>(flood_s / 60);
  CHECK(proc::occurrences(r, "\"kind\":\"scada_refusal\"") <= windows);
  CHECK(proc::occurrences(log, "SCADA write from 127.0.0.2 refused") <= windows);
  // Every refusal is accounted for, exactly.
  CHECK(accounted_refusals(r, "127.0.0.2") == flood);
  CHECK(log.find("writes 1 accepted, " + std::to_string(flood) + " refused") != std::string::npos);
  CHECK(log.find("refusals: " + std::to_string(flood) + " SCADA writes, 0 SCADA requests") !=
        std::string::npos);
}

TEST_CASE(
    "an event journal that cannot be written raises event_journal_failed on the SCADA map, "
    "logged once, and the scan goes on",
    "[integration][scada][audit]") {
  const std::string refusals =
      "/tmp/plant-scada-full-" + std::to_string(getpid()) + ".refusals.jsonl";
  std::remove(refusals.c_str());
  Plantd p("full", "\"127.0.0.1\"", "/dev/full", refusals);  // a disk with no room
  p.wait_scans(3);
  const int failed_alarm = static_cast<int>(fw::AlarmId::kEventJournalFailed);
  CHECK(p.read("alarm_state", failed_alarm) == 1);  // unacked
  CHECK(p.read("alarms_active") >= 1);
  // More records lost (an accepted write, a transition), the scan unhurt.
  REQUIRE(p.write("mode_request", 2) == 0);
  p.wait_scans(3);
  CHECK(p.read("mode") == 7);  // Manual
  const double scans = p.read("scans");
  p.wait_scans(3);
  CHECK(p.read("scans") > scans);
  CHECK(p.read("alarm_state", failed_alarm) == 1);
  CHECK(p.write("import_limit_mw", 20) == EMBXILVAL);  // the refusals file is writable
  REQUIRE(p.process->stop(SIGTERM, 10) == 0);
  const std::string log = p.process->log();
  INFO(log);
  CHECK(proc::occurrences(log, "event journal: cannot write /dev/full: No space left on device") ==
        1);
  CHECK(log.find("alarm event_journal_failed") != std::string::npos);
  CHECK(log.find("event journal records could not be written") != std::string::npos);
  CHECK(proc::read_file(refusals).find("\"register\":\"import_limit_mw\",\"value\":20.000") !=
        std::string::npos);
}
