#include "redundancy_role.hpp"

#include <algorithm>

namespace runtime {

const char* to_string(Role r) {
  return r == Role::kActive ? "active" : "standby";
}

std::uint16_t RedundancyRole::next_epoch(std::uint16_t above) const {
  // Node a claims odd epochs, node b even ones.
  const int parity = node_a_ ? 1 : 0;
  int e = above + 1;
  if (e % 2 != parity) ++e;
  return static_cast<std::uint16_t>(std::min(e, 65535 - (node_a_ ? 0 : 1)));
}

RoleDecision RedundancyRole::scan(const PeerBeat* beat, bool fenced, std::uint16_t device_epoch) {
  RoleDecision d;
  highest_seen_ = std::max(highest_seen_, device_epoch);
  ++scans_since_active_;
  ++scans_since_any_;
  if (beat) {
    scans_since_any_ = 0;
    highest_seen_ = std::max(highest_seen_, beat->epoch);
    if (beat->role == Role::kActive) {
      scans_since_active_ = 0;
      hold_after_fence_ = false;
    }
  }
  if (role_ == Role::kActive) {
    const bool outranked = beat && beat->role == Role::kActive && beat->epoch > epoch_;
    if (fenced || outranked) {
      role_ = Role::kStandby;
      epoch_ = 0;
      d.demoted = true;
      hold_after_fence_ = fenced && !(beat && beat->role == Role::kActive);
      scans_since_active_ = 0;
    }
  } else if (!hold_after_fence_ && scans_since_active_ >= loss_scans_ &&
             (node_a_ || scans_since_any_ >= loss_scans_)) {
    role_ = Role::kActive;
    epoch_ = next_epoch(highest_seen_);
    highest_seen_ = epoch_;
    d.took_over = true;
  }
  d.role = role_;
  d.epoch = epoch_;
  d.silent_scans = scans_since_active_;
  return d;
}

}  // namespace runtime
