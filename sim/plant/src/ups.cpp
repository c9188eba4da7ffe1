#include "sim/ups.hpp"

#include <algorithm>
#include <cmath>

#include "sim/pods.hpp"

namespace sim {

namespace {
constexpr double kHoursPerSecond = 1.0 / 3600.0;
// Durations within this of a threshold count as reached: whole steps of a
// floating-point clock land a hair either side.
constexpr double kEdgeS = 1e-9;
}  // namespace

const char* to_string(UpsMode m) {
  switch (m) {
    case UpsMode::kGrid:
      return "grid";
    case UpsMode::kOnUps:
      return "on_ups";
    case UpsMode::kReturning:
      return "returning";
  }
  return "?";
}

UpsFleet::UpsFleet(const site::Site& site) {
  groups_.resize(site.pod_groups.size());
  for (size_t i = 0; i < site.pod_groups.size(); ++i) {
    const site::PodGroup& pg = site.pod_groups[i];
    Group& g = groups_[i];
    g.p = pg.ups;
    g.pods = pg.count;
    g.compute_mw = static_cast<double>(pg.count) * pg.gpus_per_pod * pg.compute_w_per_gpu * 1e-6;
    g.capacity_mws = g.p.battery_s * g.compute_mw;
    g.energy_mws = g.capacity_mws;  // a UPS on float charge is full
    for (int k = 0; k < pg.count; ++k) {
      pod_index_.push_back(k);
      pod_group_.push_back(static_cast<int>(i));
    }
  }
}

bool UpsFleet::on_bus(int pod) const {
  const Group& g = groups_[static_cast<size_t>(pod_group_[static_cast<size_t>(pod)])];
  return g.mode == UpsMode::kGrid || pod_index_[static_cast<size_t>(pod)] < g.returned;
}

bool UpsFleet::carries(int pod) const {
  const Group& g = groups_[static_cast<size_t>(pod_group_[static_cast<size_t>(pod)])];
  return !on_bus(pod) && g.energy_mws > 0;
}

int UpsFleet::pods_on_ups(int group) const {
  const Group& g = groups_[static_cast<size_t>(group)];
  switch (g.mode) {
    case UpsMode::kGrid:
      return 0;
    case UpsMode::kOnUps:
      return g.pods;
    case UpsMode::kReturning:
      return g.pods - g.returned;
  }
  return 0;
}

// Records a dip that outlasted the hold-up; true when it is the Nth within the window.
bool UpsFleet::count_dip(Group& g, double now_s) {
  g.dip_at_s[static_cast<size_t>(g.dip_next)] = now_s;
  g.dip_next = (g.dip_next + 1) % site::kMaxUpsDips;
  ++g.dips_total;
  if (g.p.transfer_after_dips <= 0) return false;
  int within = 0;
  const int known = std::min(g.dips_total, site::kMaxUpsDips);
  for (int k = 0; k < known; ++k)
    if (now_s - g.dip_at_s[static_cast<size_t>(k)] <= g.p.dip_window_s + kEdgeS) ++within;
  return within >= g.p.transfer_after_dips;
}

// The PSUs carry a dip for their hold-up time; what outlasts it counts, and may transfer.
void UpsFleet::detect(Group& g, double now_s, double dt_s, double v) {
  const double hold_s = g.p.psu_hold_up_s + kEdgeS;
  g.below_dip_s = v < g.p.dip_threshold_pu ? g.below_dip_s + dt_s : 0.0;
  g.below_transfer_s = v < g.p.transfer_below_pu ? g.below_transfer_s + dt_s : 0.0;
  if (g.below_dip_s == 0) g.dip_counted = false;
  bool transfer = g.below_transfer_s > hold_s;
  if (g.below_dip_s > hold_s && !g.dip_counted) {
    g.dip_counted = true;
    transfer |= count_dip(g, now_s);
  }
  if (transfer) {
    g.mode = UpsMode::kOnUps;
    g.returned = 0;
    g.healthy_s = 0;
  }
}

// Off the grid: back after return_delay_s of healthy voltage, pod k of n at
// return start + k * return_stagger_s / n.
void UpsFleet::advance_return(Group& g, double now_s, double dt_s, double v) {
  if (g.mode == UpsMode::kGrid) return;
  g.healthy_s = v >= g.p.dip_threshold_pu ? g.healthy_s + dt_s : 0.0;
  if (g.mode == UpsMode::kOnUps && g.healthy_s >= g.p.return_delay_s - kEdgeS) {
    g.mode = UpsMode::kReturning;
    g.return_start_s = now_s;
  }
  if (g.mode != UpsMode::kReturning) return;
  const double stagger_s = g.p.return_stagger_s;
  g.returned =
      stagger_s > 0
          ? static_cast<int>(std::floor(g.pods * (now_s - g.return_start_s) / stagger_s + 1e-9))
          : g.pods;
  if (g.returned >= g.pods) {
    g.returned = g.pods;
    g.mode = UpsMode::kGrid;
  }
}

// The battery gives what the pods on it draw (and its losses) while it has energy,
// and refills off the bus when the whole group is back.
void UpsFleet::settle_energy(Group& g, double dt_s, double loss_pu) {
  const double draw_mw = g.ups_mw * (1.0 + loss_pu);
  const double give_mw = std::min(draw_mw, g.energy_mws / dt_s);
  g.energy_mws -= give_mw * dt_s;
  const double served_it_mw = draw_mw > 0 ? g.ups_mw * give_mw / draw_mw : 0.0;
  unserved_mw_ += g.ups_mw - served_it_mw;
  g.ups_mw = served_it_mw;
  ups_mw_ += give_mw;
  discharged_mwh_ += give_mw * dt_s * kHoursPerSecond;
  if (g.mode == UpsMode::kGrid && g.energy_mws < g.capacity_mws) {
    const double charge_mw =
        std::min(g.p.recharge_pu * g.compute_mw, (g.capacity_mws - g.energy_mws) / dt_s);
    g.energy_mws += charge_mw * dt_s;
    recharge_mw_ += charge_mw;
    recharged_mwh_ += charge_mw * dt_s * kHoursPerSecond;
  }
}

void UpsFleet::step(double now_s, double dt_s, double it_voltage_pu, const PodFleet& pods,
                    double conversion_loss_pu) {
  for (Group& g : groups_) {
    g.bus_mw = g.ups_mw = 0;
    if (!g.p.enabled) continue;
    detect(g, now_s, dt_s, it_voltage_pu);
    advance_return(g, now_s, dt_s, it_voltage_pu);
  }
  for (int p = 0; p < pods.size(); ++p) {
    Group& g = groups_[static_cast<size_t>(pods.group(p))];
    (on_bus(p) ? g.bus_mw : g.ups_mw) += pods.power_mw(p);
  }
  bus_it_mw_ = ups_it_mw_ = ups_mw_ = unserved_mw_ = recharge_mw_ = 0;
  pods_on_ups_ = 0;
  for (int i = 0; i < groups(); ++i) {
    Group& g = groups_[static_cast<size_t>(i)];
    settle_energy(g, dt_s, conversion_loss_pu);
    bus_it_mw_ += g.bus_mw;
    ups_it_mw_ += g.ups_mw;
    pods_on_ups_ += pods_on_ups(i);
  }
}

}  // namespace sim
