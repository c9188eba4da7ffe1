// The role logic of a hot-standby pair (firmware/runtime/redundancy): when a
// standby takes over, with which epoch, and when an active gives way. Two
// RedundancyRole objects exchange heartbeats scan by scan, as two plantd do.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <fstream>

#include "hal/registers.hpp"
#include "heartbeat_link.hpp"
#include "pair_auth.hpp"
#include "process.hpp"
#include "redundancy_role.hpp"
#include "test_sites.hpp"

using hal::regs::epoch_after;
using hal::regs::epoch_next;
using runtime::PeerBeat;
using runtime::RedundancyRole;
using runtime::Refusal;
using runtime::Role;
using runtime::RoleDecision;

namespace {

// Two nodes scanning in step; either can be silenced. Returns after `scans`.
struct Pair {
  RedundancyRole a{true, 2}, b{false, 2};
  RoleDecision da, db;
  bool a_alive = true, b_alive = true;
  std::uint16_t device_epoch = 0;  // the highest claim the devices have taken

  void run(int scans) {
    for (int k = 0; k < scans; ++k) {
      const PeerBeat from_a{a.role(), a.epoch()}, from_b{b.role(), b.epoch()};
      if (a_alive) da = a.scan(b_alive ? &from_b : nullptr, fenced(a), device_epoch);
      if (b_alive) db = b.scan(a_alive ? &from_a : nullptr, fenced(b), device_epoch);
      if (a_alive && a.role() == Role::kActive) device_epoch = std::max(device_epoch, a.epoch());
      if (b_alive && b.role() == Role::kActive) device_epoch = std::max(device_epoch, b.epoch());
    }
  }
  // The devices refuse a node whose epoch is below the one they hold.
  bool fenced(const RedundancyRole& n) const {
    return n.role() == Role::kActive && n.epoch() < device_epoch;
  }
};

}  // namespace

TEST_CASE("a pair started together has one active, node a, and never two", "[redundancy]") {
  Pair p;
  for (int k = 0; k < 50; ++k) {
    p.run(1);
    CHECK_FALSE((p.a.role() == Role::kActive && p.b.role() == Role::kActive));
  }
  CHECK(p.a.role() == Role::kActive);
  CHECK(p.b.role() == Role::kStandby);
  CHECK(p.a.epoch() % 2 == 1);  // node a claims odd epochs
}

TEST_CASE("the standby takes over within loss_scans of the active's last heartbeat",
          "[redundancy]") {
  Pair p;
  p.run(10);
  REQUIRE(p.a.role() == Role::kActive);
  const std::uint16_t old_epoch = p.a.epoch();
  p.a_alive = false;  // kill -9
  int scans = 0;
  while (p.b.role() != Role::kActive && scans < 10) {
    p.run(1);
    ++scans;
  }
  CHECK(scans == 2);  // the loss_scans of the site file
  CHECK(p.db.took_over);
  CHECK(p.b.epoch() > old_epoch);
  CHECK(p.b.epoch() % 2 == 0);  // node b claims even epochs
}

TEST_CASE("a paused active that comes back is fenced and becomes standby", "[redundancy]") {
  Pair p;
  p.run(10);
  p.a_alive = false;  // SIGSTOP: a keeps its role, but is heard no more
  p.run(5);
  REQUIRE(p.b.role() == Role::kActive);
  REQUIRE(p.a.role() == Role::kActive);  // a has not scanned since
  p.a_alive = true;                      // SIGCONT
  p.run(1);
  CHECK(p.da.demoted);
  CHECK(p.a.role() == Role::kStandby);
  CHECK(p.b.role() == Role::kActive);
  p.run(20);  // and it stays so while b is heard
  CHECK(p.a.role() == Role::kStandby);
  CHECK(p.b.role() == Role::kActive);
}

TEST_CASE("a node fenced by someone else does not fight for the devices", "[redundancy]") {
  RedundancyRole a(true, 2);
  for (int k = 0; k < 3; ++k)
    a.scan(nullptr, false, 0);  // alone: takes over
  REQUIRE(a.role() == Role::kActive);
  // An engineer claims the devices with epoch 40 (plantctl regs write).
  RoleDecision d = a.scan(nullptr, true, 40);
  CHECK(d.demoted);
  for (int k = 0; k < 100; ++k)
    d = a.scan(nullptr, false, 40);
  CHECK(a.role() == Role::kStandby);
  // Once an active peer has been heard and lost again, it may take over, above 40.
  const PeerBeat peer{Role::kActive, 42};
  a.scan(&peer, false, 42);
  for (int k = 0; k < 2; ++k)
    d = a.scan(nullptr, false, 42);
  CHECK(a.role() == Role::kActive);
  CHECK(a.epoch() == 43);
}

TEST_CASE("a standby whose peer is alive but standby waits when it is node b", "[redundancy]") {
  RedundancyRole b(false, 2);
  const PeerBeat standby_peer{Role::kStandby, 0};
  for (int k = 0; k < 20; ++k)
    b.scan(&standby_peer, false, 0);
  CHECK(b.role() == Role::kStandby);
  b.scan(nullptr, false, 0);
  b.scan(nullptr, false, 0);  // the peer has gone silent too
  CHECK(b.role() == Role::kActive);
}

// RFC 1982 section 3.2, for SERIAL_BITS = 16, as the RFC writes it: the truth
// epoch_after is checked against, over every pair of a sample of epochs.
TEST_CASE("owner epochs compare as RFC 1982 serial numbers and 1 follows 65535",
          "[redundancy][epoch]") {
  auto rfc_greater = [](long i1, long i2) {
    const long half = 1L << 15;
    return (i1 < i2 && i2 - i1 > half) || (i1 > i2 && i1 - i2 < half);
  };
  const std::uint16_t sample[] = {1, 2, 3, 100, 32767, 32768, 32769, 40000, 65533, 65534, 65535};
  for (std::uint16_t a : sample)
    for (std::uint16_t b : sample) {
      INFO(a << " after " << b);
      CHECK(epoch_after(a, b) == rfc_greater(a, b));
    }
  CHECK(epoch_next(65535) == 1);  // 0 means "no owner": skipped
  CHECK(epoch_next(7) == 8);
  CHECK(epoch_after(1, 65535));
  CHECK_FALSE(epoch_after(65535, 1));
  CHECK(epoch_after(5, 0));  // any epoch is after "no owner"
  CHECK_FALSE(epoch_after(0, 5));
}

TEST_CASE("a takeover at the end of the epochs wraps round, keeping each node's parity",
          "[redundancy][epoch]") {
  struct Case {
    bool node_a;
    std::uint16_t device_epoch, expected;
  };
  for (const Case c : {Case{false, 65535, 2}, Case{true, 65535, 1}, Case{true, 65534, 65535},
                       Case{false, 65533, 65534}, Case{false, 65534, 2}}) {
    INFO("node " << (c.node_a ? 'a' : 'b') << " after " << c.device_epoch);
    RedundancyRole n(c.node_a, 2);
    RoleDecision d;
    for (int k = 0; k < 3; ++k)
      d = n.scan(nullptr, false, c.device_epoch);  // alone: takes over
    REQUIRE(n.role() == Role::kActive);
    CHECK(n.epoch() == c.expected);
    CHECK(epoch_after(n.epoch(), c.device_epoch));
  }
  // An active that wrapped to 2 is not outranked by a peer still at 65535 ...
  RedundancyRole b(false, 2);
  for (int k = 0; k < 3; ++k)
    b.scan(nullptr, false, 65535);
  REQUIRE(b.epoch() == 2);
  const PeerBeat old_active{Role::kActive, 65535};
  CHECK_FALSE(b.scan(&old_active, false, 2).demoted);
  // ... but is by one after it.
  const PeerBeat new_active{Role::kActive, 3};
  CHECK(b.scan(&new_active, false, 2).demoted);
}

// A peer with another site fingerprint is alive but has no say.
TEST_CASE("a node never takes over from a live peer with another site model", "[redundancy]") {
  const PeerBeat other_active{Role::kActive, 1, false}, other_standby{Role::kStandby, 0, false};
  SECTION("node b hearing a mismatched active stays standby, even once the peer falls silent") {
    RedundancyRole b(false, 2);
    RoleDecision d;
    for (int k = 0; k < 100; ++k)
      d = b.scan(&other_active, false, 1);
    CHECK(b.role() == Role::kStandby);
    CHECK(d.peer_mismatch);
    for (int k = 0; k < 100; ++k)
      d = b.scan(nullptr, false, 1);  // the peer dies: this node may hold the wrong file
    CHECK(b.role() == Role::kStandby);
    CHECK(d.peer_mismatch);
    // A peer with this node's model (the files put right) lifts it; then silence
    // is a trigger again.
    const PeerBeat same_active{Role::kActive, 3};
    d = b.scan(&same_active, false, 3);
    CHECK_FALSE(d.peer_mismatch);
    for (int k = 0; k < 2; ++k)
      d = b.scan(nullptr, false, 3);
    CHECK(d.took_over);
    CHECK(b.epoch() == 4);
  }
  SECTION("node a hearing a mismatched standby does not take over either") {
    RedundancyRole a(true, 2);
    RoleDecision d;
    for (int k = 0; k < 100; ++k)
      d = a.scan(&other_standby, false, 0);
    CHECK(a.role() == Role::kStandby);
    CHECK(d.peer_mismatch);
  }
  SECTION("an active hearing a mismatched peer stays active, even one claiming a later epoch") {
    RedundancyRole a(true, 2);
    for (int k = 0; k < 3; ++k)
      a.scan(nullptr, false, 0);
    REQUIRE(a.role() == Role::kActive);
    const PeerBeat later{Role::kActive, 40, false};
    RoleDecision d;
    for (int k = 0; k < 20; ++k)
      d = a.scan(k % 2 ? &later : &other_standby, false, 1);
    CHECK(a.role() == Role::kActive);
    CHECK(a.epoch() == 1);
    CHECK(d.peer_mismatch);
    CHECK_FALSE(d.demoted);
  }
  SECTION("one mismatched beat holds the takeover until a matching one is heard") {
    RedundancyRole b(false, 2);
    b.scan(&other_active, false, 1);
    for (int k = 0; k < 10; ++k)
      CHECK(b.scan(nullptr, false, 1).peer_mismatch);
    CHECK(b.role() == Role::kStandby);
    const PeerBeat same_standby{Role::kStandby, 0};
    CHECK_FALSE(b.scan(&same_standby, false, 1).peer_mismatch);
  }
}

namespace {

// A key file as an operator makes one: `bytes` random bytes, mode `mode`.
std::string key_file(const std::string& name, std::size_t bytes, mode_t mode, char fill = 'k') {
  const std::string path = "/tmp/plant-test-" + name + "-" + std::to_string(proc::free_port());
  std::ofstream(path, std::ios::binary) << std::string(bytes, fill);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

std::string redundancy_table(int port_a, int port_b) {
  return "[redundancy]\nnode_a = \"127.0.0.1:" + std::to_string(port_a) +
         "\"\nnode_b = \"127.0.0.1:" + std::to_string(port_b) +
         "\"\nkey_file = \"/etc/plantd/pair.key\"\n";
}

}  // namespace

TEST_CASE("the pair's key file must exist, be the owner's alone and hold 32 bytes or more",
          "[redundancy][auth]") {
  auto problem = [](const std::string& path) {
    try {
      runtime::read_pair_key(path);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string good = key_file("key-good", 32, 0600);
  CHECK(problem(good).empty());
  CHECK(runtime::read_pair_key(good).size() == 32);
  const std::string read_only = key_file("key-0400", 48, 0400);
  CHECK(problem(read_only).empty());
  CHECK_THAT(problem("/tmp/plant-test-no-such-key"), Catch::Contains("cannot be opened"));
  const std::string group = key_file("key-0640", 32, 0640);
  CHECK_THAT(problem(group), Catch::Contains("mode 0640") && Catch::Contains("0600"));
  const std::string other = key_file("key-0604", 32, 0604);
  CHECK_THAT(problem(other), Catch::Contains("mode 0604"));
  const std::string short_key = key_file("key-short", 31, 0600);
  CHECK_THAT(problem(short_key), Catch::Contains("31 bytes") && Catch::Contains("at least 32"));
  CHECK_THAT(problem("/tmp"), Catch::Contains("not a regular file"));
  for (const std::string& p : {good, read_only, group, other, short_key})
    std::remove(p.c_str());
}

TEST_CASE("the site fingerprint follows the site model, not the file's text or a node's own tables",
          "[redundancy][auth]") {
  const std::string base = test::island_site_toml(2, "droop");
  const std::string fp = runtime::site_fingerprint(test::load(base));
  CHECK(fp.size() == 16);
  // Comments, blank lines and this node's own [scada] and [redundancy]: the same.
  CHECK(runtime::site_fingerprint(test::load("# a comment\n\n" + base + "\n# end\n")) == fp);
  CHECK(runtime::site_fingerprint(
            test::load(base + "[scada]\nport = 1601\n" + redundancy_table(1600, 1601))) == fp);
  // Anything that shapes the devices or the control: another fingerprint.
  CHECK(runtime::site_fingerprint(test::load(test::island_site_toml(3, "droop"))) != fp);
  CHECK(runtime::site_fingerprint(test::load(base + "[modbus]\nbase_port = 1602\n")) != fp);
  CHECK(runtime::site_fingerprint(test::load(base + "[controller]\nmin_run_s = 1800\n")) != fp);
  CHECK(runtime::site_fingerprint(test::load(test::island_site_toml(2, "isochronous"))) != fp);
}

// The heartbeat is input from the network: only an authentic, fresh datagram
// from the peer's own address is taken; everything else is refused, counted by
// reason, and logged once per reason per minute.
TEST_CASE("heartbeats: only authentic, fresh datagrams from the peer's address are taken",
          "[redundancy][auth]") {
  const int port_a = proc::free_port(), port_b = proc::free_port();
  const int nowhere = proc::free_port(), port_c = proc::free_port(), port_d = proc::free_port();
  const site::Site s =
      test::load(test::island_site_toml(2, "droop", redundancy_table(port_a, port_b)));
  // Another node b, on another port, sending nowhere: its datagrams are taken
  // from it and sent to a from b's address by the test.
  const site::Site s_other_port =
      test::load(test::island_site_toml(2, "droop", redundancy_table(nowhere, port_c)));
  const site::Site s_other_site =
      test::load(test::island_site_toml(3, "droop", redundancy_table(nowhere, port_d)));
  const std::vector<unsigned char> key(32, 'k'), other_key(32, 'x');

  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", ring));

  asio::io_context io;
  runtime::HeartbeatLink a(io, s, true, key);
  auto b = std::make_unique<runtime::HeartbeatLink>(io, s, false, key);
  auto wait_for = [&](std::uint64_t seen) {
    for (int polls = 0; a.received() + a.refused_total() < seen && polls < 300; ++polls)
      io.run_for(std::chrono::milliseconds(10));
    return a.received() + a.refused_total();
  };
  runtime::OperatorSettings settings;
  settings.import_limit_mw = 120.125;
  settings.manual_shed_mw = 1.0 / 3;
  settings.shelve_duration_s = 900;

  // A good heartbeat: taken, with the settings exactly as held.
  b->send(Role::kActive, 4, settings, nullptr);
  const std::string first = b->last_sent();
  b->send(Role::kActive, 4, settings, nullptr);
  const std::string second = b->last_sent();
  REQUIRE(wait_for(2) == 2);
  CHECK(a.received() == 2);
  CHECK(a.refused_total() == 0);
  runtime::ReceivedBeat got;
  REQUIRE(a.take(got));
  CHECK(got.beat.role == Role::kActive);
  CHECK(got.beat.epoch == 4);
  CHECK(got.beat.same_site);
  CHECK(got.settings.import_limit_mw == settings.import_limit_mw);
  CHECK(got.settings.manual_shed_mw == settings.manual_shed_mw);
  CHECK(got.settings.shelve_duration_s == settings.shelve_duration_s);
  CHECK_FALSE(a.take(got));  // taken once

  // Node b goes; the forger takes its address and port (as a spoofed source would).
  const std::string a_own = [&] {
    a.send(Role::kStandby, 0, settings, nullptr);
    return a.last_sent();
  }();
  b.reset();
  asio::ip::udp::socket as_b(io, asio::ip::udp::endpoint(asio::ip::make_address_v4("127.0.0.1"),
                                                         static_cast<std::uint16_t>(port_b)));
  asio::ip::udp::socket elsewhere(io,
                                  asio::ip::udp::endpoint(asio::ip::make_address_v4("127.0.0.2"),
                                                          static_cast<std::uint16_t>(port_b)));
  asio::ip::udp::socket other_port(io, asio::ip::udp::endpoint(asio::ip::udp::v4(), 0));
  const asio::ip::udp::endpoint to_a(asio::ip::make_address_v4("127.0.0.1"),
                                     static_cast<std::uint16_t>(port_a));
  runtime::HeartbeatLink wrong_key(io, s_other_port, false, other_key);
  wrong_key.send(Role::kActive, 65535, settings, nullptr);
  runtime::HeartbeatLink other_site(io, s_other_site, false, key);
  std::string forged = second;
  forged[forged.size() - 1] ^= 1;  // a tag byte
  std::string tampered = second;
  tampered[tampered.find("epoch=4") + 6] = '9';  // epoch 9, same tag
  const std::string body = "plantd-heartbeat 3 node=b nonsense\n";
  const runtime::Tag body_tag = runtime::heartbeat_tag(key, body.data(), body.size());
  const std::string malformed = body + std::string(body_tag.begin(), body_tag.end());
  struct Sent {
    asio::ip::udp::socket* from;
    std::string datagram;
    Refusal expected;
  };
  const std::vector<Sent> refused = {
      {&as_b, second, Refusal::kReplay},  // replayed
      {&as_b, first, Refusal::kReplay},   // reordered: older than the last
      {&as_b, forged, Refusal::kTag},     // forged tag
      {&as_b, forged, Refusal::kTag},     // ... again: counted, not logged
      {&as_b, forged, Refusal::kTag},     //
      {&as_b, tampered, Refusal::kTag},   // altered in transit
      {&as_b, second.substr(0, second.size() - 10), Refusal::kTag},  // truncated
      {&as_b, "hello", Refusal::kShort},                             // too short for a tag
      {&as_b, wrong_key.last_sent(), Refusal::kTag},                 // another key
      {&as_b, malformed, Refusal::kFormat},     // authentic, but not a heartbeat
      {&as_b, a_own, Refusal::kNode},           // a's own, reflected
      {&elsewhere, second, Refusal::kSource},   // another address
      {&other_port, second, Refusal::kSource},  // another port
  };
  std::uint64_t expected[runtime::kRefusalCount] = {};
  for (const Sent& d : refused) {
    d.from->send_to(asio::buffer(d.datagram), to_a);
    ++expected[static_cast<int>(d.expected)];
  }
  REQUIRE(wait_for(2 + refused.size()) == 2 + refused.size());
  CHECK(a.received() == 2);
  CHECK_FALSE(a.take(got));
  for (int r = 0; r < runtime::kRefusalCount; ++r) {
    INFO(runtime::describe(static_cast<Refusal>(r)));
    CHECK(a.refused(static_cast<Refusal>(r)) == expected[r]);
  }

  // An authentic beat from a peer with another site model: refused for its
  // content, but taken as a sign of life, marked.
  other_site.send(Role::kActive, 7, settings, nullptr);
  as_b.send_to(asio::buffer(other_site.last_sent()), to_a);
  REQUIRE(wait_for(3 + refused.size()) == 3 + refused.size());
  CHECK(a.refused(Refusal::kSite) == 1);
  REQUIRE(a.take(got));
  CHECK_FALSE(got.beat.same_site);
  CHECK(got.peer_site.units == 3);
  CHECK(got.peer_site.fingerprint == other_site.fingerprint());
  CHECK(got.peer_site.fingerprint != a.fingerprint());
  CHECK(got.peer_site.name == s.name);

  // Node b restarts: its new heartbeats are taken (seq from the wall clock).
  as_b.close();
  runtime::HeartbeatLink b2(io, s, false, key);
  b2.send(Role::kStandby, 0, settings, nullptr);
  REQUIRE(wait_for(4 + refused.size()) == 4 + refused.size());
  CHECK(a.received() == 3);
  REQUIRE(a.take(got));
  CHECK(got.beat.same_site);
  CHECK(got.beat.role == Role::kStandby);

  // One log line per reason, however many datagrams it refused.
  spdlog::set_default_logger(previous);
  int tag_lines = 0, lines = 0;
  for (const std::string& line : ring->last_formatted()) {
    if (line.find("heartbeat refused") == std::string::npos) continue;
    ++lines;
    if (line.find("wrong authentication tag") != std::string::npos) ++tag_lines;
  }
  CHECK(tag_lines == 1);
  CHECK(lines == 6);  // replay, tag, short, format, node, source (the site mismatch is plantd's)
}
