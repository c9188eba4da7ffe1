// The IT equipment's ride-through of grid voltage dips, per pod group: a load
// model the controller must live with (site::PodUps; docs/configuration.md).
//
// A dip shorter than the PSUs' hold-up is carried by their bulk capacitors and
// changes nothing. Past the hold-up, a dip below `transfer_below_pu`, or the
// `transfer_after_dips`-th dip within `dip_window_s`, moves the whole group onto
// its UPS battery: its IT power and that power's conversion losses then come out
// of the battery's stored energy, not off the site bus. Cooling stays on the bus.
// After `return_delay_s` of healthy voltage the group returns, all at once or pod
// by pod over `return_stagger_s`. A battery that runs out drops the pods still on
// it: they go dark, and power on again after their delay once back on the grid
// (sim/pods.hpp). A battery below full refills from the bus.
#pragma once

#include <array>
#include <vector>

#include "site/site.hpp"

namespace sim {

class PodFleet;

enum class UpsMode { kGrid, kOnUps, kReturning };
const char* to_string(UpsMode m);

class UpsFleet {
 public:
  explicit UpsFleet(const site::Site& site);

  // One physics step. `it_voltage_pu` is the lowest phase the IT sees; the pods'
  // power is read from `pods` (already stepped), never changed.
  void step(double now_s, double dt_s, double it_voltage_pu, const PodFleet& pods,
            double conversion_loss_pu);

  // The site, after the last step.
  double bus_it_mw() const { return bus_it_mw_; }         // IT served off the site bus
  double ups_it_mw() const { return ups_it_mw_; }         // IT served by UPS batteries
  double ups_mw() const { return ups_mw_; }               // what the batteries give: IT + losses
  double unserved_it_mw() const { return unserved_mw_; }  // IT of pods whose battery ran out
  double recharge_mw() const { return recharge_mw_; }     // batteries refilling off the bus
  int pods_on_ups() const { return pods_on_ups_; }        // off the grid, battery or not
  double discharged_mwh() const { return discharged_mwh_; }
  double recharged_mwh() const { return recharged_mwh_; }

  // One pod: on the site bus (its group on the grid, or returned), or on its UPS
  // with energy left to carry it.
  bool on_bus(int pod) const;
  bool carries(int pod) const;

  // One pod group.
  int groups() const { return static_cast<int>(groups_.size()); }
  UpsMode mode(int group) const { return groups_[static_cast<size_t>(group)].mode; }
  double energy_mws(int group) const { return groups_[static_cast<size_t>(group)].energy_mws; }
  double capacity_mws(int group) const { return groups_[static_cast<size_t>(group)].capacity_mws; }
  int pods_on_ups(int group) const;
  double group_bus_it_mw(int group) const { return groups_[static_cast<size_t>(group)].bus_mw; }
  double group_ups_it_mw(int group) const { return groups_[static_cast<size_t>(group)].ups_mw; }
  int dips_counted(int group) const { return groups_[static_cast<size_t>(group)].dips_total; }

 private:
  struct Group {
    site::PodUps p;
    int pods = 0;
    double compute_mw = 0;  // the whole group at compute power
    double capacity_mws = 0;
    double energy_mws = 0;
    UpsMode mode = UpsMode::kGrid;
    double below_dip_s = 0, below_transfer_s = 0;  // how long the present dip has lasted
    bool dip_counted = false;
    std::array<double, site::kMaxUpsDips> dip_at_s{};  // ring of recent dips' times
    int dip_next = 0, dips_total = 0;
    double healthy_s = 0;       // on UPS: how long the voltage has been healthy
    double return_start_s = 0;  // when the return began
    int returned = 0;           // pods back on the grid while returning
    double bus_mw = 0, ups_mw = 0;
  };

  bool count_dip(Group& g, double now_s);
  void detect(Group& g, double now_s, double dt_s, double v);
  void advance_return(Group& g, double now_s, double dt_s, double v);
  void settle_energy(Group& g, double dt_s, double loss_pu);

  std::vector<Group> groups_;
  std::vector<int> pod_index_;  // a pod's place within its group
  std::vector<int> pod_group_;  // its group

  double bus_it_mw_ = 0, ups_it_mw_ = 0, ups_mw_ = 0, unserved_mw_ = 0, recharge_mw_ = 0;
  int pods_on_ups_ = 0;
  double discharged_mwh_ = 0, recharged_mwh_ = 0;
};

}  // namespace sim
