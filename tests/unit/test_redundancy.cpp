// The role logic of a hot-standby pair (firmware/runtime/redundancy): when a
// standby takes over, with which epoch, and when an active gives way. Two
// RedundancyRole objects exchange heartbeats scan by scan, as two plantd do.
#include <catch2/catch.hpp>

#include "heartbeat_link.hpp"
#include "process.hpp"
#include "redundancy_role.hpp"
#include "test_sites.hpp"

using runtime::PeerBeat;
using runtime::RedundancyRole;
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

// The heartbeat is input from the network: what does not parse, names another
// site, or comes from the node itself is dropped and counted, never taken.
TEST_CASE("heartbeats that are garbled, for another site or from the node itself are dropped",
          "[redundancy]") {
  const int port_a = proc::free_port(), port_b = port_a + 1;
  const site::Site s = test::load(
      test::island_site_toml(2, "droop",
                             "[redundancy]\nnode_a = \"127.0.0.1:" + std::to_string(port_a) +
                                 "\"\nnode_b = \"127.0.0.1:" + std::to_string(port_b) + "\"\n"));
  asio::io_context io;
  runtime::HeartbeatLink a(io, s, true), b(io, s, false);
  asio::ip::udp::socket raw(io, asio::ip::udp::endpoint(asio::ip::udp::v4(), 0));
  const asio::ip::udp::endpoint to_a(asio::ip::make_address_v4("127.0.0.1"),
                                     static_cast<std::uint16_t>(port_a));
  const std::string name = s.name;
  const std::string held = " limit=120 shed=5 shelve=600 site=";
  for (const std::string& d : {
           std::string("hello\n"),
           "plantd-heartbeat 2 node=b role=active epoch=3 seq=9" + held + "another site\n",
           "plantd-heartbeat 2 node=a role=active epoch=3 seq=9" + held + name + "\n",
           "plantd-heartbeat 2 node=b role=leader epoch=3 seq=9" + held + name + "\n",
           "plantd-heartbeat 2 node=b role=active epoch=70000 seq=9" + held + name + "\n",
           "plantd-heartbeat 2 node=b role=active epoch=3 seq=9" + held + name,
           "plantd-heartbeat 2 node=b role=active epoch=3 seq=9 limit=120 site=" + name + "\n",
           "plantd-heartbeat 1 node=b role=active epoch=3 seq=9 site=" + name + "\n",
       })
    raw.send_to(asio::buffer(d), to_a);
  // The one good heartbeat, with the operator's settings as held (not round).
  runtime::OperatorSettings settings;
  settings.import_limit_mw = 120.125;
  settings.manual_shed_mw = 1.0 / 3;
  settings.shelve_duration_s = 900;
  b.send(Role::kActive, 4, 10, settings, nullptr);
  int polls = 0;
  while (a.received() + a.dropped() < 9 && polls++ < 200)
    io.run_for(std::chrono::milliseconds(10));
  CHECK(a.dropped() == 8);
  CHECK(a.received() == 1);
  runtime::ReceivedBeat got;
  REQUIRE(a.take(got));
  CHECK(got.beat.role == Role::kActive);
  CHECK(got.beat.epoch == 4);
  CHECK(got.seq == 10);
  CHECK(got.settings.import_limit_mw == settings.import_limit_mw);
  CHECK(got.settings.manual_shed_mw == settings.manual_shed_mw);
  CHECK(got.settings.shelve_duration_s == settings.shelve_duration_s);
  CHECK_FALSE(a.take(got));  // taken once
}
