// Every Modbus TCP server we run (plantd's SCADA server, plantsim's device ports)
// under malformed frames and hostile connections, over the real wire: raw MBAP
// frames from plain sockets on 127.0.0.1, from many loopback source addresses.
// The rule (docs/operations.md): no request, no malformed frame and no number of
// connections can delay the scan or another client. Each malformed frame gets its
// exception (Modbus Application Protocol v1.1b3, section 7) or a close, within a
// bound far above normal; the scan keeps its period under attack.
#include <sys/resource.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hal/device_addresses.hpp"
#include "hal/registers.hpp"
#include "process.hpp"
#include "raw_mbap.hpp"
#include "site/load.hpp"

namespace {

using test::Bytes;
using test::mbap;
using test::pdu16;
using test::pdu5;
using test::RawClient;
using Clock = std::chrono::steady_clock;

const std::string kSite = std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml";
constexpr int kNormalMs = 100;  // far above a normal answer on loopback (well under 1 ms)

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// A server under test: where it listens, the unit id to address, an address past
// its tables, and its frame deadline.
struct Target {
  int port;
  std::uint8_t unit;
  std::uint16_t beyond;
  int frame_timeout_ms;
};

// The answer to one frame on a fresh connection: an exception with `code` (and the
// function byte function | 0x80, which for 0x80 and above is the code itself).
void expect_exception(const Target& t, const Bytes& pdu, std::uint8_t code, double& worst_ms) {
  RawClient c(t.port);
  REQUIRE(c.ok());
  const Clock::time_point sent = Clock::now();
  REQUIRE(c.send(mbap(t.unit, pdu)));
  Bytes reply;
  const RawClient::Got got = c.receive(reply, 1000);
  const double ms = ms_since(sent);
  worst_ms = std::max(worst_ms, ms);
  INFO("function " << int(pdu[0]) << ", expected exception " << int(code));
  REQUIRE(got == RawClient::Got::kReply);
  REQUIRE(reply.size() == 9);
  CHECK(reply[0] == 0);  // transaction 1 echoed
  CHECK(reply[1] == 1);
  CHECK(reply[6] == t.unit);
  CHECK(reply[7] == (pdu[0] | 0x80));
  CHECK(reply[8] == code);
  CHECK(ms < kNormalMs);
}

// `bytes` on a fresh connection: closed by the server, with no reply, within `bound_ms`.
void expect_close(const Target& t, const Bytes& bytes, double bound_ms, double& worst_ms) {
  RawClient c(t.port);
  REQUIRE(c.ok());
  const Clock::time_point sent = Clock::now();
  REQUIRE(c.send(bytes));
  Bytes reply;
  const RawClient::Got got = c.receive(reply, static_cast<int>(bound_ms) + 2000);
  const double ms = ms_since(sent);
  worst_ms = std::max(worst_ms, ms);
  CHECK(got == RawClient::Got::kClosed);
  CHECK(ms < bound_ms);
}

// A good read of one input register answered (function 4): the server still serves.
bool served(const Target& t, const std::string& source = "127.0.0.1") {
  RawClient c(t.port, source);
  if (!c.ok() || !c.send(mbap(t.unit, pdu5(4, 0, 1)))) return false;
  Bytes reply;
  return c.receive(reply, 1000) == RawClient::Got::kReply && reply.size() == 11 && reply[7] == 4;
}

// Every malformed frame of issue 13, against one server.
void malformed_frames(const Target& t) {
  double exception_ms = 0, close_ms = 0;
  const Bytes good = mbap(t.unit, pdu5(4, 0, 1));
  // Quantity 0 and over 125 (reads), 0 and over 123 (writes): exception 3, at once.
  for (std::uint8_t f : {std::uint8_t{3}, std::uint8_t{4}}) {
    expect_exception(t, pdu5(f, 0, 0), 3, exception_ms);
    expect_exception(t, pdu5(f, 0, 126), 3, exception_ms);
  }
  expect_exception(t, pdu16(0, 0), 3, exception_ms);
  expect_exception(t, pdu16(0, 124, 1), 3, exception_ms);  // 248 bytes would not fit an ADU
  expect_exception(t, pdu16(0, 2, 1), 3, exception_ms);    // byte count not twice the quantity
  // Address + quantity beyond the tables: exception 2 for each function.
  expect_exception(t, pdu5(3, t.beyond, 1), 2, exception_ms);
  expect_exception(t, pdu5(4, t.beyond, 1), 2, exception_ms);
  expect_exception(t, pdu5(6, t.beyond, 1), 2, exception_ms);
  expect_exception(t, pdu16(t.beyond, 2), 2, exception_ms);
  // Function codes 0x80 and above (and an unserved one): exception 1, no wrapped byte.
  for (int f = 0x80; f <= 0xFF; f += 0x11)
    expect_exception(t, pdu5(static_cast<std::uint8_t>(f), 0, 1), 1, exception_ms);
  expect_exception(t, pdu5(0x2B, 0, 1), 1, exception_ms);
  // MBAP length 2, too short, too long (followed by a good request, which must not be
  // swallowed as the rest of the frame), a protocol id not 0: closed at once.
  expect_close(t, mbap(t.unit, pdu5(3, 0, 1), 2), kNormalMs, close_ms);
  expect_close(t, mbap(t.unit, pdu5(3, 0, 1), 4), kNormalMs, close_ms);
  Bytes too_long = mbap(t.unit, pdu5(3, 0, 1), 10);
  for (std::uint8_t b : good)
    too_long.push_back(b);
  expect_close(t, too_long, kNormalMs, close_ms);
  Bytes protocol = good;
  protocol[3] = 1;
  expect_close(t, protocol, kNormalMs, close_ms);
  CHECK(served(t));
  // A truncated frame held open: closed at the frame deadline (checked four times
  // as often), never held for ever.
  const double truncated_bound = 2.0 * t.frame_timeout_ms + 500;
  double truncated_ms = 0;
  expect_close(t, Bytes(good.begin(), good.begin() + 9), truncated_bound, truncated_ms);
  CHECK(truncated_ms >= t.frame_timeout_ms * 0.9);
  // Pipelined good requests are all answered, in order.
  RawClient c(t.port);
  Bytes two = mbap(t.unit, pdu5(4, 0, 1), -1, 7);
  const Bytes second = mbap(t.unit, pdu5(4, 0, 1), -1, 8);
  for (std::uint8_t b : second)
    two.push_back(b);
  REQUIRE(c.send(two));
  Bytes reply;
  REQUIRE(c.receive(reply, 1000) == RawClient::Got::kReply);
  CHECK(reply[1] == 7);
  if (reply.size() < 22) REQUIRE(c.receive(reply, 1000) == RawClient::Got::kReply);
  CHECK(reply[reply.size() - 10] == 8);
  std::printf(
      "port %d: slowest exception %.1f ms, slowest close %.1f ms, truncated frame closed after "
      "%.0f ms (frame deadline %d ms)\n",
      t.port, exception_ms, close_ms, truncated_ms, t.frame_timeout_ms);
}

int unit_of(const std::string& device) {
  site::LoadResult s = site::load_site_file(kSite);
  for (const auto& a : hal::regs::device_addresses(*s.site))
    if (a.name == device) return a.unit_id;
  return -1;
}

std::string scada_site(const std::string& name, int port, const std::string& extra) {
  const std::string path =
      "/tmp/plant-hardening-" + name + "-" + std::to_string(getpid()) + ".toml";
  std::ofstream(path) << proc::read_file(kSite) << "\n[scada]\nport = " << port
                      << "\nwrite_allow = [\"127.0.0.1\"]\n"
                      << extra;
  return path;
}

struct Plantd {
  Plantd(const std::string& name, const std::string& extra)
      : port(proc::free_port()),
        site(scada_site(name, port, extra)),
        process({PLANTD_PATH, "--sim", "--config", site},
                "/tmp/plant-hardening-" + name + "-" + std::to_string(port) + ".log") {
    REQUIRE(proc::wait_for_port(port, 10));
  }
  int port;
  std::string site;
  proc::Process process;
};

// plantsim serving the 100k preset's devices on a free port.
struct Plantsim {
  explicit Plantsim(const std::string& name)
      : port(proc::free_port()),
        process({PLANTSIM_PATH, "--serve", "--config", kSite, "--host", "127.0.0.1", "--port",
                 std::to_string(port), "--duration-s", "120"},
                "/tmp/plant-hardening-" + name + "-" + std::to_string(port) + ".log") {
    REQUIRE(proc::wait_for_port(port, 10));
  }
  int port;
  proc::Process process;
};

// A SCADA input register of the map, read on a fresh connection from 127.0.0.1;
// -1 without an answer within `timeout_ms`.
double scada_read(int port, const char* name, int timeout_ms = 2000) {
  const hal::regs::Register& r = *hal::regs::scada_map().find(name);
  const int n = hal::regs::words(r.type);
  RawClient c(port);
  if (!c.ok() || !c.send(mbap(1, pdu5(4, r.address, static_cast<std::uint16_t>(n))))) return -1;
  Bytes reply;
  if (c.receive(reply, timeout_ms) != RawClient::Got::kReply || reply[7] != 4) return -1;
  std::uint16_t words[2] = {};
  for (int i = 0; i < n; ++i)
    words[i] = static_cast<std::uint16_t>(reply[9 + 2 * i] << 8 | reply[10 + 2 * i]);
  return hal::regs::decode(r, words);
}

// Scans per second over `seconds`, from the map's scan count.
double scan_rate(int port, double seconds) {
  const Clock::time_point t0 = Clock::now();
  const double s0 = scada_read(port, "scans");
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double s1 = scada_read(port, "scans");
  return (s1 - s0) / (ms_since(t0) / 1000);
}

}  // namespace

TEST_CASE("plantd's SCADA server: each malformed frame gets its exception or a close, at once",
          "[integration][scada][hardening]") {
  Plantd p("frames", "frame_timeout_ms = 300\n");
  malformed_frames({p.port, 1, static_cast<std::uint16_t>(hal::regs::kScadaRegisters), 300});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a scan copies the counters
  CHECK(scada_read(p.port, "scada_bad_frames") >= 4);
  CHECK(scada_read(p.port, "scada_requests_refused") >= 20);
  CHECK(scada_read(p.port, "scada_connections_closed_slow") >= 1);
  REQUIRE(p.process.stop(SIGTERM, 10) == 0);
  const std::string log = p.process.log();
  INFO(log);
  // Refusals are logged once a minute per client address, not per request.
  CHECK(proc::occurrences(log, "SCADA: 127.0.0.1:") <= 2);
}

TEST_CASE("plantsim's device server: each malformed frame gets its exception or a close, at once",
          "[integration][modbus][hardening]") {
  Plantsim p("frames");
  const int port = p.port;
  proc::Process& sim = p.process;
  // Address 256 and up: no register of any map (exception 2, not 3).
  malformed_frames({port, static_cast<std::uint8_t>(unit_of("poi")), 256, 1000});
  // A unit id with no device behind the gateway port: exception 11.
  double ms = 0;
  expect_exception({port, 246, 0, 1000}, pdu5(4, 0, 1), 11, ms);
  CHECK(sim.stop(SIGTERM, 10) == 0);
  const std::string log = sim.log();
  INFO(log);
  // The four malformed frames closed as bad, the truncated one as slow.
  CHECK(log.find("4 bad frames; connections 0 refused, 0 evicted, 0 closed idle, 1 closed slow") !=
        std::string::npos);
}

TEST_CASE("plantsim keeps accepting after it ran out of file descriptors",
          "[integration][modbus][hardening]") {
  Plantsim p("nofile");
  const int port = p.port;
  proc::Process& sim = p.process;
  // Its descriptors now, and a limit 10 above them.
  int open_now = 0;
  if (DIR* d = opendir(("/proc/" + std::to_string(sim.pid()) + "/fd").c_str())) {
    while (readdir(d))
      ++open_now;
    closedir(d);
  }
  REQUIRE(open_now > 2);
  const int limit = open_now + 10;
  rlimit r{static_cast<rlim_t>(limit), static_cast<rlim_t>(limit)};
  REQUIRE(prlimit(sim.pid(), RLIMIT_NOFILE, &r, nullptr) == 0);
  const Target t{port, static_cast<std::uint8_t>(unit_of("poi")), 0, 1000};
  {
    std::vector<std::unique_ptr<RawClient>> many;
    for (int i = 0; i < limit + 20; ++i)
      many.push_back(std::make_unique<RawClient>(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }  // all closed: descriptors free again
  bool ok = false;
  for (int i = 0; i < 30 && !ok; ++i)  // up to 3 s: the backlog drains, then a new client
    ok = served(t);
  CHECK(ok);
  CHECK(sim.stop(SIGTERM, 10) == 0);
  const std::string log = sim.log();
  INFO(log);
  CHECK(log.find("accept: failed") != std::string::npos);
  CHECK(log.find(" 0 accept errors") == std::string::npos);
}

TEST_CASE(
    "plantd keeps its scan period and serves a new client under idle, slowloris and malformed "
    "SCADA connections",
    "[integration][scada][hardening][stall]") {
  Plantd p("stall", "");      // [scada]'s defaults: 64 clients, 16 per address, 1000 ms frames
  const double nominal = 10;  // the preset's 100 ms scan
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const double quiet = scan_rate(p.port, 4);
  std::atomic<bool> stop{false};
  std::atomic<long> reconnects{0}, bad_sent{0};
  auto source = [](int n) {
    return "127.0." + std::to_string(n / 250) + "." + std::to_string(2 + n % 250);
  };
  // 64 idle connections, each from its own address, reopened when closed.
  std::thread idle([&] {
    std::vector<std::unique_ptr<RawClient>> held(64);
    while (!stop) {
      for (std::size_t i = 0; i < held.size(); ++i)
        if (!held[i] || held[i]->closed_by_server()) {
          held[i] = std::make_unique<RawClient>(p.port, source(static_cast<int>(i)));
          ++reconnects;
        }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  // 64 slowloris: a byte of a frame every 300 ms, reopened when closed.
  std::thread slow([&] {
    const Bytes frame = mbap(1, pdu5(4, 36, 2));
    std::vector<std::unique_ptr<RawClient>> held(64);
    std::vector<std::size_t> at(held.size(), 0);
    while (!stop) {
      for (std::size_t i = 0; i < held.size(); ++i) {
        if (!held[i] || held[i]->closed_by_server()) {
          held[i] = std::make_unique<RawClient>(p.port, source(64 + static_cast<int>(i)));
          at[i] = 0;
          ++reconnects;
        }
        if (at[i] < frame.size() - 1) held[i]->send(Bytes{frame[at[i]++]});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  // 10 malformed frames a second, every kind in turn, each on a fresh connection.
  std::thread bad([&] {
    const Bytes good = mbap(1, pdu5(4, 0, 1));
    Bytes too_long = mbap(1, pdu5(3, 0, 1), 10);
    for (std::uint8_t b : good)
      too_long.push_back(b);
    const std::vector<Bytes> frames = {mbap(1, pdu5(3, 0, 0)),    mbap(1, pdu5(3, 0, 126)),
                                       mbap(1, pdu5(3, 0, 1), 2), too_long,
                                       mbap(1, pdu5(3, 0, 1), 4), mbap(1, pdu5(0x83, 0, 1)),
                                       mbap(1, pdu5(0xFF, 0, 1)), mbap(1, pdu5(3, 1300, 1)),
                                       mbap(1, pdu5(4, 0, 0)),    mbap(1, pdu16(0, 0))};
    for (long n = 0; !stop; ++n) {
      const Clock::time_point began = Clock::now();
      RawClient c(p.port, source(128 + static_cast<int>(n % 200)));
      c.send(frames[static_cast<std::size_t>(n) % frames.size()]);
      Bytes reply;
      c.receive(reply, 300);
      ++bad_sent;
      std::this_thread::sleep_until(began + std::chrono::milliseconds(100));
    }
  });
  // Meanwhile a fresh client from 127.0.0.1 every 250 ms, for 15 s.
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the attack in full swing
  const Clock::time_point t0 = Clock::now();
  const double s0 = scada_read(p.port, "scans");
  double worst_ms = 0;
  int probes = 0, failed = 0;
  while (ms_since(t0) < 15000) {
    const Clock::time_point began = Clock::now();
    const double scans = scada_read(p.port, "scans", 3000);
    worst_ms = std::max(worst_ms, ms_since(began));
    ++probes;
    if (scans < 0) ++failed;
    std::this_thread::sleep_until(began + std::chrono::milliseconds(250));
  }
  const double s1 = scada_read(p.port, "scans");
  const double attacked = (s1 - s0) / (ms_since(t0) / 1000);
  stop = true;
  idle.join();
  slow.join();
  bad.join();
  std::printf(
      "plantd under attack: %.2f scans/s (quiet: %.2f, nominal %.0f); a new client served in "
      "%.1f ms at worst over %d probes (%d unanswered); %ld attack connections opened, %ld "
      "malformed frames sent\n",
      attacked, quiet, nominal, worst_ms, probes, failed, reconnects.load(), bad_sent.load());
  CHECK(failed == 0);
  CHECK(worst_ms < 1000);
  CHECK(attacked > 0.9 * nominal);
  CHECK(attacked < 1.1 * nominal);
  // The map's counters saw each kind of attack. (The slowloris connections, having
  // never sent a whole request, are the first evicted for newcomers: most never
  // reach their frame deadline.)
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a scan copies the counters
  const double evicted = scada_read(p.port, "scada_connections_evicted");
  const double slow_closed = scada_read(p.port, "scada_connections_closed_slow");
  const double bad_frames = scada_read(p.port, "scada_bad_frames");
  const double refused = scada_read(p.port, "scada_requests_refused");
  std::printf(
      "SCADA counters: %.0f evicted, %.0f closed slow, %.0f bad frames, %.0f requests "
      "refused\n",
      evicted, slow_closed, bad_frames, refused);
  CHECK(evicted > 0);
  CHECK(bad_frames > 0);
  CHECK(refused > 0);
  CHECK(scada_read(p.port, "scada_clients") <= 64);
  REQUIRE(p.process.stop(SIGTERM, 10) == 0);
}

// Eviction is by share: with max_clients taken by a client that opens many
// connections from a few addresses and reopens each one the moment it is closed,
// a SCADA master polling once a second on one connection keeps its place; and
// the log grows by at most 60 refusal lines a minute however many addresses take
// part, with one summary line (docs/operations.md).
TEST_CASE(
    "a master polling once a second keeps its connection against a churning flood, and "
    "the log stays bounded",
    "[integration][scada][hardening][eviction]") {
  Plantd p("evict", "");  // 64 clients, 16 per address
  std::atomic<bool> stop{false};
  std::atomic<long> opened{0};
  // 70 connections from 10 addresses (7 each, under the per-address limit), each
  // polling every 100 ms and reopened at once when closed.
  std::thread churn([&] {
    std::vector<std::unique_ptr<RawClient>> held(70);
    const Bytes read = mbap(1, pdu5(4, 0, 10));
    while (!stop) {
      for (std::size_t i = 0; i < held.size(); ++i) {
        if (!held[i] || held[i]->closed_by_server()) {
          held[i] = std::make_unique<RawClient>(p.port, "127.0.5." + std::to_string(2 + i % 10));
          ++opened;
        }
        Bytes reply;
        if (held[i]->send(read)) held[i]->receive(reply, 50);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // And one bad frame from each of 2,000 addresses, for the log.
  std::thread spray([&] {
    for (int n = 0; n < 2000 && !stop; ++n) {
      RawClient c(p.port,
                  "127.0." + std::to_string(10 + n / 250) + "." + std::to_string(2 + n % 250));
      c.send(mbap(1, pdu5(3, 0, 1), 2));  // MBAP length 2: closed
      Bytes reply;
      c.receive(reply, 100);
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  RawClient master(p.port, "127.0.0.1");
  REQUIRE(master.ok());
  int polls = 0, lost = 0;
  for (int k = 0; k < 15; ++k) {
    Bytes reply;
    if (!master.send(mbap(1, pdu5(4, 0, 10))) ||
        master.receive(reply, 2000) != RawClient::Got::kReply)
      ++lost;
    ++polls;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  stop = true;
  churn.join();
  spray.join();
  const double evicted = scada_read(p.port, "scada_connections_evicted");
  REQUIRE(p.process.stop(SIGTERM, 10) == 0);
  const std::string log = p.process.log();
  long refusal_lines = 0;
  for (std::size_t at = log.find("SCADA: "); at != std::string::npos;
       at = log.find("SCADA: ", at + 1))
    ++refusal_lines;
  std::printf(
      "eviction by share: the master lost %d of %d polls; %ld flood connections opened, %.0f "
      "evicted; %ld log lines from the server\n",
      lost, polls, opened.load(), evicted, refusal_lines);
  CHECK(lost == 0);
  CHECK(evicted > 0);              // the flood did push out its own connections
  CHECK(refusal_lines <= 60 + 2);  // the minute's budget, and its summary
}
