#include "standby_node.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pair_auth.hpp"
#include "scada_writes.hpp"
#include "state_file.hpp"

namespace runtime {

StandbyNode::StandbyNode(asio::io_context& io, const site::Site& s, char node)
    : site_(s),
      link_(io, s, node == 'a', read_pair_key(s.redundancy.key_file)),
      role_(node == 'a', s.redundancy.loss_scans) {
  state_text_.reserve(8192);
}

void StandbyNode::log_start(char node) const {
  const site::RedundancyNode& self =
      node == 'a' ? site_.redundancy.node_a : site_.redundancy.node_b;
  const site::RedundancyNode& peer =
      node == 'a' ? site_.redundancy.node_b : site_.redundancy.node_a;
  spdlog::info(
      "plantd: node {} of a hot-standby pair: heartbeat on {}:{}, peer at {}:{}, signed with "
      "{}, site fingerprint {}; standby until {} scans pass without an active peer",
      node, self.host, self.port, peer.host, peer.port, site_.redundancy.key_file,
      link_.fingerprint(), site_.redundancy.loss_scans);
}

void StandbyNode::take_settings(OperatorSettings& settings) {
  if (!beat_.beat.same_site || beat_.beat.role != Role::kActive || role_.role() != Role::kStandby)
    return;
  const std::string problem = check_settings(site_, beat_.settings);
  if (problem.empty()) {
    settings = beat_.settings;
  } else if (!settings_problem_logged_) {
    settings_problem_logged_ = true;
    spdlog::warn("plantd: the peer's operator settings are not taken: {}", problem);
  }
}

void StandbyNode::take_counters(fw::Controller& controller, double& curtailed_mwh, double now) {
  if (!beat_.beat.same_site || beat_.state_text.empty()) return;
  PersistentState peer;
  std::string problem;
  if (parse_state(beat_.state_text, "the peer's heartbeat", site_, peer, problem)) {
    peer_state_s_ = now;
    if (role_.role() == Role::kStandby) {
      controller.restart(merged(controller.usage(), peer.usage, 0));
      curtailed_mwh = std::max(curtailed_mwh, peer.curtailed_mwh);
    }
  } else if (!state_problem_logged_) {
    state_problem_logged_ = true;
    spdlog::warn("plantd: the peer's counters are not usable: {}", problem);
  }
}

RoleDecision StandbyNode::scan(hal::PlantIo& io, fw::Controller& controller, double& curtailed_mwh,
                               OperatorSettings& settings, double now) {
  const bool got = link_.take(beat_);
  if (got) {
    take_settings(settings);
    take_counters(controller, curtailed_mwh, now);
  }
  const bool same_site = !got || beat_.beat.same_site;
  const bool fenced = io.fenced();
  const RoleDecision d = role_.scan(got ? &beat_.beat : nullptr, fenced, io.highest_owner_epoch());
  log_mismatch(same_site, d);
  peer_mismatch_ = d.peer_mismatch;
  if (d.role == Role::kStandby) {
    // No step on a standby: its one alarm is set here.
    fw::AlarmManager& alarms = controller.alarms();
    alarms.set_condition(fw::AlarmId::kPeerSiteMismatch, d.peer_mismatch, now);
    alarms.update(now);
  }
  if (d.took_over) {
    // What the active may have emitted since its last counters reached us.
    const double unseen_s = peer_state_s_ > 0 ? now - peer_state_s_ : 0;
    const double allowance_kg = max_nox_rate_kg_per_s(site_) * unseen_s;
    controller.restart(merged(controller.usage(), controller.usage(), allowance_kg));
    io.set_owner_epoch(d.epoch);
    spdlog::warn(
        "plantd: taking over as active with epoch {}: {} scans without a heartbeat from an "
        "active peer (NOx allowance {:.4f} kg for {:.2f} s of counters not received)",
        d.epoch, d.silent_scans, allowance_kg, unseen_s);
  }
  if (d.demoted) {
    io.set_owner_epoch(0);
    controller.restart(controller.usage());  // no stale mode or alarms on a standby
    spdlog::warn("plantd: standby now: {}",
                 fenced ? "a device refused this node (fenced): another controller owns it"
                        : "the peer is active with a later epoch");
  }
  return d;
}

void StandbyNode::log_mismatch(bool same_site, const RoleDecision& d) {
  if (!same_site && !mismatch_logged_) {
    mismatch_logged_ = true;
    const PeerSite& p = beat_.peer_site;
    spdlog::error(
        "plantd: the peer runs another site model: its site fingerprint {} (site {}, {} units, "
        "{} pods) is not this node's {} (site {}, {} units, {} pods). This node will not take "
        "over, not even when the peer falls silent, until it hears a peer with its own site "
        "model (alarm peer_site_mismatch); make the two site files the same and restart the "
        "node that had the wrong one",
        p.fingerprint, p.name, p.units, p.pods, link_.fingerprint(), site_.name,
        site_.turbine_count(), site_.pod_count());
  }
  if (!d.peer_mismatch && mismatch_logged_) {
    mismatch_logged_ = false;
    spdlog::info("plantd: the peer's site model is this node's again");
  }
}

void StandbyNode::send(const fw::Controller& controller, const OperatorSettings& settings,
                       double curtailed_mwh, long long scans, double save_interval_s) {
  const fw::PermitUsage& u = controller.usage();
  const bool moved = u.starts != sent_.starts || u.stops != sent_.stops;
  const bool active = role_.role() == Role::kActive;
  if (active && (moved || scans % 10 == 0)) {
    PersistentState s;
    s.sequence = static_cast<std::uint64_t>(scans);
    s.save_interval_s = save_interval_s;
    s.usage = u;
    s.curtailed_mwh = curtailed_mwh;
    state_text_ = render_state(s, site_);
    sent_ = u;
    link_.send(role_.role(), role_.epoch(), settings, &state_text_);
  } else {
    link_.send(role_.role(), role_.epoch(), settings, nullptr);
  }
}

fw::PermitUsage StandbyNode::merged(const fw::PermitUsage& a, const fw::PermitUsage& b,
                                    double nox_kg) {
  fw::PermitUsage m = a;
  for (std::size_t u = 0; u < m.starts.size() && u < b.starts.size(); ++u) {
    m.starts[u] = std::max(m.starts[u], b.starts[u]);
    m.stops[u] = std::max(m.stops[u], b.stops[u]);
    m.run_hours[u] = std::max(m.run_hours[u], b.run_hours[u]);
  }
  m.nox_kg = std::max(a.nox_kg, b.nox_kg) + nox_kg;
  return m;
}

}  // namespace runtime
