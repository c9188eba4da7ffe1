// The role of one plantd of a hot-standby pair, decided once per scan from the
// peer's heartbeats and the devices' fencing (docs/operations.md). Pure: no
// clock, no socket; the scan loop feeds it.
//
// - Both nodes start as standby. A standby takes over after `loss_scans` of its
//   own scans without a heartbeat from an active peer; when the peer is alive
//   and standby too, only node a takes over, so the pair never claims twice.
// - Taking over claims a new epoch: after every epoch seen (the peer's, the
//   devices'), odd for node a and even for node b, so no two claims are equal.
//   Epochs are serial numbers (hal::regs::epoch_after): after 65535 comes 1.
//   The devices then take writes from the new owner only (owner_epoch).
// - An active node that a device refuses (fenced), or that hears an active peer
//   with a later epoch, stops writing and becomes standby at once. A fenced node
//   does not take over again until it has heard an active peer: if someone else
//   claimed the devices (an engineer, say), it does not fight them.
// - A peer whose heartbeat is authentic but carries another site fingerprint
//   (another site model: a different file) has no say: its epoch does not
//   outrank, and from the first such heartbeat this node never takes over,
//   whatever role the peer claims, and not on the peer's silence either: one of
//   the two site files is wrong, and this node may hold the wrong one (a map
//   shifted by one unit, say). Only a heartbeat with this node's fingerprint, or
//   a restart (the operator has put the files right), lifts that. An active node
//   that hears such a peer stays active. Either way `peer_mismatch` is reported,
//   for the alarm.
#pragma once

#include <cstdint>

namespace runtime {

enum class Role : std::uint8_t { kStandby, kActive };
const char* to_string(Role r);

struct PeerBeat {
  Role role = Role::kStandby;
  std::uint16_t epoch = 0;
  bool same_site = true;  // the peer's site fingerprint is this node's
};

struct RoleDecision {
  Role role = Role::kStandby;
  std::uint16_t epoch = 0;  // the epoch this node writes with; 0 when standby
  bool took_over = false;   // this scan: claim the devices, restart the controller
  bool demoted = false;     // this scan: stop writing
  int silent_scans = 0;     // scans without a heartbeat from an active peer
  bool peer_mismatch =
      false;  // a peer with another site fingerprint heard, none with this one since
};

class RedundancyRole {
 public:
  RedundancyRole(bool node_a, int loss_scans) : node_a_(node_a), loss_scans_(loss_scans) {}

  // Once per scan, after the read and before the step. `beat`: the latest
  // heartbeat since the last scan (nullptr: none). `fenced`: a device refused
  // this node since it claimed. `device_epoch`: the latest owner epoch the
  // devices have shown.
  RoleDecision scan(const PeerBeat* beat, bool fenced, std::uint16_t device_epoch);

  Role role() const { return role_; }
  std::uint16_t epoch() const { return epoch_; }

 private:
  std::uint16_t next_epoch(std::uint16_t after) const;

  bool node_a_;
  int loss_scans_;
  Role role_ = Role::kStandby;
  std::uint16_t epoch_ = 0, latest_seen_ = 0;
  int scans_since_active_ = 0, scans_since_any_ = 1 << 20;
  bool hold_after_fence_ = false;
  bool mismatch_ = false;  // the last authentic heartbeat carried another site fingerprint
};

}  // namespace runtime
