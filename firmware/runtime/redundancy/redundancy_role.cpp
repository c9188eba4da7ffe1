#include "redundancy_role.hpp"

#include "hal/registers.hpp"

namespace runtime {

namespace {
int bump(int scans) {
  return scans < (1 << 20) ? scans + 1 : scans;  // saturates: a long silence stays long
}
std::uint16_t later(std::uint16_t a, std::uint16_t b) {
  return hal::regs::epoch_after(a, b) ? a : b;
}
}  // namespace

const char* to_string(Role r) {
  return r == Role::kActive ? "active" : "standby";
}

std::uint16_t RedundancyRole::next_epoch(std::uint16_t after) const {
  // Node a claims odd epochs, node b even ones. 0 is skipped, so 65535 and 1
  // are both node a's: after 65534, node b's next is 2 (two steps on).
  const unsigned parity = node_a_ ? 1 : 0;
  std::uint16_t e = hal::regs::epoch_next(after);
  while ((e & 1U) != parity)
    e = hal::regs::epoch_next(e);
  return e;
}

RoleDecision RedundancyRole::scan(const PeerBeat* beat, bool fenced, std::uint16_t device_epoch) {
  RoleDecision d;
  latest_seen_ = later(device_epoch, latest_seen_);
  scans_since_active_ = bump(scans_since_active_);
  scans_since_any_ = bump(scans_since_any_);
  if (beat) {
    scans_since_any_ = 0;
    mismatch_ = !beat->same_site;
    if (beat->same_site) {
      latest_seen_ = later(beat->epoch, latest_seen_);
      if (beat->role == Role::kActive) {
        scans_since_active_ = 0;
        hold_after_fence_ = false;
      }
    }
  }
  const bool mismatch = mismatch_;
  if (role_ == Role::kActive) {
    const bool outranked = beat && beat->same_site && beat->role == Role::kActive &&
                           hal::regs::epoch_after(beat->epoch, epoch_);
    if (fenced || outranked) {
      role_ = Role::kStandby;
      epoch_ = 0;
      d.demoted = true;
      hold_after_fence_ = fenced && !(beat && beat->same_site && beat->role == Role::kActive);
      scans_since_active_ = 0;
    }
  } else if (!hold_after_fence_ && !mismatch && scans_since_active_ >= loss_scans_ &&
             (node_a_ || scans_since_any_ >= loss_scans_)) {
    role_ = Role::kActive;
    epoch_ = next_epoch(latest_seen_);
    latest_seen_ = epoch_;
    d.took_over = true;
  }
  d.role = role_;
  d.epoch = epoch_;
  d.silent_scans = scans_since_active_;
  d.peer_mismatch = mismatch;
  return d;
}

}  // namespace runtime
