// Soak: plantd and plantsim over Modbus for 2 minutes (tools/plant test) or 10
// minutes (tools/plant test --long) of wall time at a 20 ms scan, with 50 SCADA
// clients polling plantd at once. No scan may end more than
// two periods after it was due, plantd's memory may not grow, no event may be
// lost, and every SCADA request must be answered.
//
// This machine is a virtual one whose host now and then does not run a virtual
// CPU for 10 to 30 ms and more, whatever runs on it and at whatever priority. A
// probe above plantd's priority measures those stalls (stall_probe.hpp). An
// overrun passes only if the machine stalled, within that scan, for at least as
// long as the scan ran past its limit: without the stall it would have ended in
// time. Any other overrun is plantd's, and fails.
#include <modbus/modbus.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "stall_probe.hpp"

namespace {

const std::string kSource = PLANT_SOURCE_DIR;
constexpr int kClients = 50;

// Resident memory of a process, kB (/proc/PID/status VmRSS).
long rss_kb(int pid) {
  const std::string status = proc::read_file("/proc/" + std::to_string(pid) + "/status");
  const std::size_t at = status.find("VmRSS:");
  return at == std::string::npos ? -1 : std::stol(status.substr(at + 6));
}

// A SCADA client: reads the first 125 input registers every 100 ms.
void poll(int port, std::atomic<bool>& stop, std::atomic<long>& requests,
          std::atomic<long>& failures) {
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", port);
  modbus_set_response_timeout(ctx, 1, 0);
  bool connected = modbus_connect(ctx) == 0;
  std::uint16_t regs[MODBUS_MAX_READ_REGISTERS];
  while (!stop) {
    if (!connected) connected = modbus_connect(ctx) == 0;
    ++requests;
    if (!connected || modbus_read_input_registers(ctx, 0, MODBUS_MAX_READ_REGISTERS, regs) < 0) {
      ++failures;
      modbus_close(ctx);
      connected = false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  modbus_close(ctx);
  modbus_free(ctx);
}

// The wall time of a plantd log line ("2026-11-29T20:51:42.135 ...", local time).
test::StallProbe::WallClock::time_point log_time(const std::string& line) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(line.c_str(), "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return {};
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_isdst = -1;
  return test::StallProbe::WallClock::from_time_t(std::mktime(&tm)) + std::chrono::milliseconds(ms);
}

// The soak of `soak_s` seconds; memory is measured after `settle_s` (buffers,
// connections and caches settled) and again at the end.
void soak(const double soak_s, const int settle_s) {
  const int port = proc::free_port(), scada_port = proc::free_port();
  const std::string base = "/tmp/plant-soak-" + std::to_string(port);
  const std::string site = base + "-site.toml";
  std::ofstream(site) << proc::read_file(kSource + "/config/colossus-100k.toml")
                      << "\n[controller]\nscan_period_s = 0.02\n[scada]\nport = " << scada_port
                      << "\nmax_clients = 64\n"
                      // the 50 clients stand for HMIs on many machines; here all on 127.0.0.1
                      << "max_clients_per_address = 64\n";
  // As on a facility control PC, plantd scans under SCHED_FIFO; plantsim stands
  // for devices with their own processors, so it runs at real-time priority too,
  // below plantd. Where the machine does not allow it, both run as ordinary
  // processes and the test says so.
  int rt_status = -1;
  proc::run_command("chrt -f 1 true", &rt_status);
  const bool realtime = rt_status == 0;
  if (!realtime) WARN("no SCHED_FIFO here: the soak runs at ordinary priority");
  std::vector<std::string> sim_command = {PLANTSIM_PATH,
                                          "--serve",
                                          "--wait-for-client",
                                          "--scenario",
                                          kSource + "/scenarios/normal-day.toml",
                                          "--host",
                                          "127.0.0.1",
                                          "--port",
                                          std::to_string(port)};
  if (realtime) sim_command.insert(sim_command.begin(), {"/usr/bin/chrt", "-f", "40"});
  proc::Process sim(sim_command, base + "-sim.log");
  REQUIRE(proc::wait_for_port(port, 10));
  const std::string journal = base + "-journal.jsonl";
  std::remove(journal.c_str());
  std::vector<std::string> plantd_command = {PLANTD_PATH,
                                             "--config",
                                             site,
                                             "--host",
                                             "127.0.0.1",
                                             "--port",
                                             std::to_string(port),
                                             "--duration-s",
                                             std::to_string(soak_s),
                                             "--event-log",
                                             journal,
                                             "--status-every-s",
                                             "60"};
  if (realtime) {
    plantd_command.push_back("--realtime-priority");
    plantd_command.push_back("50");
  }
  test::StallProbe probe;
  proc::Process plantd(plantd_command, base + "-plantd.log");
  REQUIRE(proc::wait_for_port(scada_port, 10));

  std::atomic<bool> stop{false};
  std::atomic<long> requests{0}, failures{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back(poll, scada_port, std::ref(stop), std::ref(requests), std::ref(failures));
  std::this_thread::sleep_for(std::chrono::seconds(settle_s));
  const long rss_settled_kb = rss_kb(plantd.pid());
  std::this_thread::sleep_for(std::chrono::seconds(static_cast<int>(soak_s) - settle_s - 5));
  const long rss_end_kb = rss_kb(plantd.pid());
  stop = true;
  for (std::thread& t : clients)
    t.join();
  const int status = plantd.stop(0, 30);  // it stops by itself at --duration-s
  probe.stop();
  // plantsim's own account: how late its ticks woke and how long they took.
  sim.stop(SIGTERM, 10);
  const std::string sim_log = sim.log();
  const std::size_t ticks_at = sim_log.find(" ticks; ");
  if (ticks_at != std::string::npos) {
    const std::size_t line = sim_log.rfind('\n', ticks_at) + 1;
    std::printf("%s\n", sim_log.substr(line, sim_log.find('\n', ticks_at) - line).c_str());
  }
  const std::string log = plantd.log();
  INFO(log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
  CHECK(status == 0);

  long long scans = 0, overruns = 0;
  double late_ms = 0;
  const std::size_t at = log.rfind("stopped after ");
  REQUIRE(at != std::string::npos);
  REQUIRE(std::sscanf(log.c_str() + at,
                      "stopped after %lld scans (%lld overruns, the latest scan ended %lf ms",
                      &scans, &overruns, &late_ms) == 3);
  std::printf(
      "soak: %lld scans, %lld overruns, latest scan end %.1f ms after due; "
      "RSS %ld kB at %d s, %ld kB at the end; %ld SCADA requests, %ld failed\n",
      scans, overruns, late_ms, rss_settled_kb, settle_s, rss_end_kb, requests.load(),
      failures.load());
  const std::vector<test::StallProbe::Stall> stalls = probe.stalls();
  std::printf(
      "the machine: %zu stalls of more than 5 ms in %lld wake-ups of a SCHED_FIFO 60 probe on "
      "each CPU, the longest %.1f ms%s\n",
      stalls.size(), probe.wakes(), probe.worst_ms(),
      probe.realtime() ? "" : " (not at SCHED_FIFO: no overrun is excused)");
  CHECK(scans >= static_cast<long long>(soak_s / 0.02 * 0.98));
  // No scan ended more than two periods after it was due, but for the machine's
  // own stalls. Each overrun's line: "<time> warning scan overrun: L ms late", L
  // from one period after due to the scan's end.
  constexpr double kPeriodMs = 20;
  long long excused = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const std::size_t word = line.find("scan overrun: ");
    if (word == std::string::npos) continue;
    const double overrun_late_ms = std::stod(line.substr(word + 14));
    const auto end = log_time(line);
    const auto due =
        end - std::chrono::duration_cast<test::StallProbe::WallClock::duration>(
                  std::chrono::duration<double, std::milli>(overrun_late_ms + kPeriodMs));
    const double past_limit_ms = overrun_late_ms - kPeriodMs;  // beyond two periods after due
    const double stalled_ms = probe.realtime() ? probe.stalled_ms_within(due, end) : 0;
    const bool machine = stalled_ms >= past_limit_ms;
    excused += machine ? 1 : 0;
    std::printf("overrun %.1f ms past the limit; the machine stalled %.1f ms in that scan: %s\n",
                past_limit_ms, stalled_ms, machine ? "the machine's" : "plantd's");
  }
  CHECK(overruns - excused == 0);
  CHECK(failures == 0);
  CHECK(static_cast<double>(requests.load()) > kClients * soak_s * 8);  // every client kept polling
  CHECK(rss_end_kb - rss_settled_kb <= 512);  // no growth beyond allocator noise
  // No lost event: nothing overwritten before it was drained, and every line of
  // the journal whole.
  CHECK(log.find("overwritten before draining") == std::string::npos);
  int bad = -1;
  proc::run_command(
      "/usr/bin/python3 -c \"import json\nfor l in open('" + journal + "'): json.loads(l)\"", &bad);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("soak: 2 minutes over Modbus at a 20 ms scan with 50 SCADA clients",
          "[integration][soak]") {
  soak(120, 40);
}

TEST_CASE("soak: 10 minutes over Modbus at a 20 ms scan with 50 SCADA clients",
          "[integration][soak][long]") {
  soak(600, 120);
}
