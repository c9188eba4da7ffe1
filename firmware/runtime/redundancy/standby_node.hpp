// A hot-standby pair's side of the scan cycle: the heartbeat, the role, and the
// peer's counters and operator settings (docs/operations.md).
#pragma once

#include <asio.hpp>
#include <string>

#include "fw/controller.hpp"
#include "hal/plant_io.hpp"
#include "heartbeat_link.hpp"
#include "redundancy_role.hpp"
#include "scada_image.hpp"
#include "site/site.hpp"

namespace runtime {

class StandbyNode {
 public:
  // Throws (with the reason in the message) when the pair's key file will not do
  // or the heartbeat's address cannot be bound: plantd does not start.
  StandbyNode(asio::io_context& io, const site::Site& site, char node);

  // Once per scan after the read: the role for this scan. Restarts the
  // controller with the best counters known when this node takes over, and
  // (as standby) whenever the active's counters arrive, so that its own state
  // file keeps them too. As standby, holds the active's operator settings, so
  // that an import limit or manual shed stays in force across a takeover. A
  // peer with another site model gives neither settings nor counters; it raises
  // peer_site_mismatch (through the step when active, here when standby).
  RoleDecision scan(hal::PlantIo& io, fw::Controller& controller, double& curtailed_mwh,
                    OperatorSettings& settings, double now);
  // After the scan: the heartbeat, with the counters every 10 scans or when a
  // start or stop was counted.
  void send(const fw::Controller& controller, const OperatorSettings& settings,
            double curtailed_mwh, long long scans, double save_interval_s);

  Role role() const { return role_.role(); }
  std::uint16_t epoch() const { return role_.epoch(); }
  // A peer with another site fingerprint was heard lately: the alarm's condition.
  bool peer_mismatch() const { return peer_mismatch_; }
  // The log line at start: which node, where it listens, when it takes over.
  void log_start(char node) const;

 private:
  // Elementwise the larger of two sets of counters, plus `nox_kg`.
  static fw::PermitUsage merged(const fw::PermitUsage& a, const fw::PermitUsage& b, double nox_kg);
  void take_settings(OperatorSettings& settings);
  void take_counters(fw::Controller& controller, double& curtailed_mwh, double now);
  void log_mismatch(bool same_site, const RoleDecision& d);

  const site::Site& site_;
  HeartbeatLink link_;
  RedundancyRole role_;
  ReceivedBeat beat_;
  double peer_state_s_ = 0;
  bool state_problem_logged_ = false, settings_problem_logged_ = false;
  bool mismatch_logged_ = false, peer_mismatch_ = false;
  std::string state_text_;
  fw::PermitUsage sent_;
};

}  // namespace runtime
