#include "shed_allocator.hpp"

#include <algorithm>

namespace fw {

namespace {
// The basis forgets a peak at 2 % of compute power per second: it follows the
// envelope of training swings (0.2-3 Hz) without following each swing down.
constexpr double kBasisDecayPuPerS = 0.02;
constexpr site::PriorityClass kShedOrder[] = {
    site::PriorityClass::kBatch, site::PriorityClass::kTraining, site::PriorityClass::kInference};
}  // namespace

ShedAllocator::ShedAllocator(const site::Site& site) {
  for (const site::PodGroup& g : site.pod_groups) {
    const double compute = g.gpus_per_pod * g.compute_w_per_gpu * 1e-6;
    const double min_cap = g.gpus_per_pod * g.min_cap_w_per_gpu * 1e-6;
    for (int k = 0; k < g.count; ++k) {
      compute_mw_.push_back(compute);
      min_cap_mw_.push_back(min_cap);
      basis_mw_.push_back(compute);
      cap_mw_.push_back(compute);
      power_mw_.push_back(0);
      priority_.push_back(g.priority);
      answers_.push_back(0);
      training_.push_back(g.workload == site::Workload::kTraining ? 1 : 0);
    }
  }
}

void ShedAllocator::observe(const hal::ProcessImage& image, double dt_s) {
  it_power_mw_ = ups_it_mw_ = 0;
  for (size_t p = 0; p < compute_mw_.size(); ++p) {
    const hal::PodInputs& in = image.pods[p];
    answers_[p] = in.power_mw.quality != hal::Quality::kCommsLost ? 1 : 0;
    if (in.power_mw.good()) power_mw_[p] = in.power_mw.value;
    it_power_mw_ += power_mw_[p];
    if (in.status.good() && (static_cast<int>(in.status.value) >> hal::kPodStatusOnUpsBit & 1))
      ups_it_mw_ += power_mw_[p];
    const bool capped = cap_mw_[p] < compute_mw_[p];
    if (!capped && in.power_mw.good()) {
      const double decayed = basis_mw_[p] - kBasisDecayPuPerS * compute_mw_[p] * dt_s;
      basis_mw_[p] = std::clamp(std::max(decayed, power_mw_[p]), min_cap_mw_[p], compute_mw_[p]);
    }
  }
}

void ShedAllocator::adopt(const hal::ProcessImage& image) {
  double held = 0;
  for (size_t p = 0; p < compute_mw_.size(); ++p) {
    const hal::Signal& cap = image.pods[p].cap_mw;
    if (cap.quality == hal::Quality::kCommsLost || cap.value <= 0) continue;
    cap_mw_[p] = std::clamp(cap.value, min_cap_mw_[p], compute_mw_[p]);
    if (cap_mw_[p] < compute_mw_[p]) held += compute_mw_[p] - cap_mw_[p];
  }
  target_mw_ = achieved_mw_ = held;
  dirty_ = false;  // keep the caps exactly as found until the target changes
}

void ShedAllocator::set_target_mw(double mw) {
  mw = std::max(0.0, mw);
  if (mw != target_mw_) dirty_ = true;
  target_mw_ = mw;
}

double ShedAllocator::sheddable_mw() const {
  double total = 0;
  for (size_t p = 0; p < compute_mw_.size(); ++p)
    if (answers_[p]) total += basis_mw_[p] - min_cap_mw_[p];
  return total;
}

void ShedAllocator::allocate() {
  if (!dirty_) return;
  dirty_ = false;
  double remaining = target_mw_;
  achieved_mw_ = 0;
  for (site::PriorityClass cls : kShedOrder) {
    double room = 0;
    for (size_t p = 0; p < compute_mw_.size(); ++p)
      if (priority_[p] == cls && answers_[p]) room += basis_mw_[p] - min_cap_mw_[p];
    const double take = std::min(remaining, room);
    const double fraction = room > 0 ? take / room : 0.0;
    for (size_t p = 0; p < compute_mw_.size(); ++p) {
      if (priority_[p] != cls || !answers_[p]) continue;  // a silent pod keeps its cap
      cap_mw_[p] =
          fraction > 0 ? basis_mw_[p] - fraction * (basis_mw_[p] - min_cap_mw_[p]) : compute_mw_[p];
    }
    remaining -= take;
    achieved_mw_ += take;
  }
}

}  // namespace fw
