// Turns "hold back this many MW of GPU power" into a power cap per pod:
// lowest priority class first (batch, then training, then inference), shared in
// proportion to what each pod can give, never below a pod's minimum cap.
//
// A pod gives from its basis: its recent peak power while uncapped (so capping an
// inference pod that runs at 60 % does relieve something), frozen while capped.
#pragma once

#include <cstdint>
#include <vector>

#include "hal/process_image.hpp"
#include "site/site.hpp"

namespace fw {

class ShedAllocator {
 public:
  explicit ShedAllocator(const site::Site& site);

  int size() const { return static_cast<int>(compute_mw_.size()); }
  // Tracks each pod's basis and whether its gateway answers.
  void observe(const hal::ProcessImage& image, double dt_s);
  // The plant as found: caps keep their values; the shed they make is adopted.
  void adopt(const hal::ProcessImage& image);

  // MW of IT power to hold back. Caps follow at the next allocate().
  void set_target_mw(double mw);
  double target_mw() const { return target_mw_; }
  // What caps can hold back at most, from the pods that answer.
  double sheddable_mw() const;
  // What the present caps hold back (can fall short of the target: see sheddable_mw).
  double achieved_mw() const { return achieved_mw_; }
  void allocate();

  double cap_mw(int pod) const { return cap_mw_[static_cast<size_t>(pod)]; }
  double compute_mw(int pod) const { return compute_mw_[static_cast<size_t>(pod)]; }
  double min_cap_mw(int pod) const { return min_cap_mw_[static_cast<size_t>(pod)]; }
  double power_mw(int pod) const { return power_mw_[static_cast<size_t>(pod)]; }
  bool answers(int pod) const { return answers_[static_cast<size_t>(pod)] != 0; }
  bool is_training(int pod) const { return training_[static_cast<size_t>(pod)] != 0; }
  double it_power_mw() const { return it_power_mw_; }
  // The IT its pods' UPS carry off the site bus: load the bus takes back.
  double ups_it_mw() const { return ups_it_mw_; }

 private:
  std::vector<double> compute_mw_, min_cap_mw_, basis_mw_, cap_mw_, power_mw_;
  std::vector<site::PriorityClass> priority_;
  std::vector<std::uint8_t> answers_, training_;
  double target_mw_ = 0, achieved_mw_ = 0, it_power_mw_ = 0, ups_it_mw_ = 0;
  bool dirty_ = false;
};

}  // namespace fw
