#include "sim/pods.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/pod_edge.hpp"

namespace sim {

namespace {
constexpr double kWToMw = 1e-6;
// Inference utilisation wanders around its mean: a new target each second,
// followed with a 2 s lag [assumption: no public trace of per-pod inference power].
constexpr double kInferenceUpdateS = 1.0;
constexpr double kInferenceLagS = 2.0;
constexpr double kInferenceReversionPu = 0.2;
constexpr double kInferenceNoisePu = 0.05;

// x mod m in [0, m), also for x < 0 (an edge's window reaches back before t = 0).
double wrap(double x, double m) {
  const double r = std::fmod(x, m);
  return r < 0 ? r + m : r;
}

// The edges of a wave that starts a phase at x = n*period - offset and ends it
// `length` later: those in (t - window, t], added to `at` (at most two: the load
// check makes every phase at least one window long).
template <size_t N>
void add_edges(double t_s, double window_s, double period_s, double offset_s, double length_s,
               std::array<double, N>& at, size_t& n) {
  const double start = t_s - wrap(t_s + offset_s, period_s);
  for (const double x : {start, start + length_s, start - period_s + length_s}) {
    if (x > t_s - window_s && x <= t_s && n < N) at[n++] = x;
  }
}
}  // namespace

void PodFleet::DelayQueue::resize(int pods) {
  value.assign(static_cast<size_t>(pods) * kQueueSlots, 0.0);
  due_s.assign(static_cast<size_t>(pods) * kQueueSlots, 0.0);
  length.assign(static_cast<size_t>(pods), 0);
}

// Commands arrive in time order and share the pod's lag, so the queue is FIFO.
// When it is full the newest command replaces the last one waiting: the device
// applies the latest value, and no final command is ever lost.
void PodFleet::DelayQueue::push(int pod, double v, double due) {
  const size_t base = static_cast<size_t>(pod) * kQueueSlots;
  std::uint8_t& n = length[static_cast<size_t>(pod)];
  const size_t slot = n < kQueueSlots ? n++ : kQueueSlots - 1;
  value[base + slot] = v;
  due_s[base + slot] = due;
}

bool PodFleet::DelayQueue::pop_due(int pod, double now_s, double& v) {
  const size_t base = static_cast<size_t>(pod) * kQueueSlots;
  std::uint8_t& n = length[static_cast<size_t>(pod)];
  if (n == 0 || due_s[base] > now_s) return false;
  v = value[base];
  for (size_t k = 1; k < n; ++k) {
    value[base + k - 1] = value[base + k];
    due_s[base + k - 1] = due_s[base + k];
  }
  --n;
  return true;
}

PodFleet::PodFleet(const site::Site& site, Rng& rng) : rng_(rng) {
  const int pods = site.pod_count();
  group_.reserve(static_cast<size_t>(pods));
  for (size_t g = 0; g < site.pod_groups.size(); ++g) {
    const site::PodGroup& pg = site.pod_groups[g];
    group_names_.push_back(pg.name);
    int job = -1;
    if (pg.workload == site::Workload::kTraining) {
      auto it =
          std::find_if(jobs_.begin(), jobs_.end(), [&](const Job& j) { return j.name == pg.job; });
      if (it == jobs_.end()) {
        Job j;
        j.name = pg.job;
        j.period_s = pg.iteration_period_s;
        j.compute_s = pg.compute_fraction * pg.iteration_period_s;
        j.phase_offset_s = rng_.uniform(0, pg.iteration_period_s);
        j.checkpoint_interval_s = pg.checkpoint_interval_s;
        j.checkpoint_length_s = pg.checkpoint_length_s;
        j.checkpoint_offset_s =
            pg.checkpoint_interval_s > 0 ? rng_.uniform(0, pg.checkpoint_interval_s) : 0;
        jobs_.push_back(j);
        it = jobs_.end() - 1;
      }
      job = static_cast<int>(it - jobs_.begin());
    }
    GroupEdge edge;
    edge.job = job;
    edge.rise_s = pg.gpu_power_edge_s;
    edge.spread_s = pg.gpu_edge_spread_s;
    group_edges_.push_back(edge);
    const double gpus = pg.gpus_per_pod;
    for (int k = 0; k < pg.count; ++k) {
      group_.push_back(static_cast<int>(g));
      job_.push_back(job);
      workload_.push_back(pg.workload);
      priority_.push_back(pg.priority);
      compute_mw_.push_back(gpus * pg.compute_w_per_gpu * kWToMw);
      comm_mw_.push_back(gpus * pg.communication_w_per_gpu * kWToMw);
      idle_mw_.push_back(gpus * pg.idle_w_per_gpu * kWToMw);
      min_cap_mw_.push_back(gpus * pg.min_cap_w_per_gpu * kWToMw);
      lag_s_.push_back(pg.cap_actuation_lag_s);
      ramp_s_.push_back(pg.job_ramp_s);
      activity_pu_.push_back(pg.starts_running ? 1.0 : 0.0);
      activity_rate_per_s_.push_back(0.0);
      const double u = pg.inference_utilisation_pu;
      util_mean_pu_.push_back(u);
      util_pu_.push_back(u);
      util_target_pu_.push_back(u);
      cap_cmd_mw_.push_back(compute_mw_.back());
      cap_eff_mw_.push_back(compute_mw_.back());
      floor_cmd_mw_.push_back(0.0);
      floor_eff_mw_.push_back(0.0);
      demand_mw_.push_back(0.0);
      power_mw_.push_back(0.0);
      responding_.push_back(1);
      dark_.push_back(0);
      resume_job_.push_back(0);
      power_on_at_s_.push_back(0.0);
      job_at_s_.push_back(0.0);
      power_on_offset_s_.push_back(pg.power_on_delay_s + pg.power_on_stagger_s * k / pg.count);
      job_restart_s_.push_back(pg.job_restart_s);
    }
  }
  cap_queue_.resize(pods);
  floor_queue_.resize(pods);
}

CommandResult PodFleet::cap_allowed(int pod, double mw) const {
  if (!responding_[pod]) return CommandResult::kNoResponse;
  if (!(mw >= min_cap_mw_[pod] && mw <= compute_mw_[pod])) return CommandResult::kOutOfRange;
  return CommandResult::kAccepted;
}

CommandResult PodFleet::floor_allowed(int pod, double mw) const {
  if (!responding_[pod]) return CommandResult::kNoResponse;
  if (!(mw >= 0 && mw <= compute_mw_[pod])) return CommandResult::kOutOfRange;
  return CommandResult::kAccepted;
}

CommandResult PodFleet::set_cap_mw(int pod, double mw, double now_s) {
  if (const CommandResult r = cap_allowed(pod, mw); r != CommandResult::kAccepted) return r;
  cap_cmd_mw_[pod] = mw;
  cap_queue_.push(pod, mw, now_s + lag_s_[pod]);
  return CommandResult::kAccepted;
}

CommandResult PodFleet::set_floor_mw(int pod, double mw, double now_s) {
  if (const CommandResult r = floor_allowed(pod, mw); r != CommandResult::kAccepted) return r;
  floor_cmd_mw_[pod] = mw;
  floor_queue_.push(pod, mw, now_s + lag_s_[pod]);
  return CommandResult::kAccepted;
}

bool PodFleet::set_activity(const std::string& name, bool run) {
  bool any = false;
  for (int i = 0; i < size(); ++i) {
    const bool by_job = job_[i] >= 0 && jobs_[static_cast<size_t>(job_[i])].name == name;
    const bool by_group = group_names_[static_cast<size_t>(group_[i])] == name;
    if (!by_job && !by_group) continue;
    any = true;
    const double rate = ramp_s_[i] > 0 ? 1.0 / ramp_s_[i] : 1e9;
    activity_rate_per_s_[i] = run ? rate : -rate;
  }
  return any;
}

bool PodFleet::start_job(const std::string& name) {
  return set_activity(name, true);
}
bool PodFleet::stop_job(const std::string& name) {
  return set_activity(name, false);
}

bool PodFleet::has_job_or_group(const std::string& name) const {
  for (const Job& j : jobs_)
    if (j.name == name) return true;
  return std::find(group_names_.begin(), group_names_.end(), name) != group_names_.end();
}

// Losing the supply crashes the pod's job at once; a returning supply powers the
// pod on after its offset, unless the supply goes again before that.
void PodFleet::supply(int pod, bool supplied, double now_s) {
  if (!supplied) {
    if (!dark_[pod]) {
      dark_[pod] = 1;
      resume_job_[pod] = activity_pu_[pod] > 0 || activity_rate_per_s_[pod] > 0;
      activity_pu_[pod] = 0;
      activity_rate_per_s_[pod] = 0;
    }
    power_on_at_s_[pod] = std::numeric_limits<double>::infinity();
    job_at_s_[pod] = 0;
    return;
  }
  if (!dark_[pod]) return;
  if (std::isinf(power_on_at_s_[pod])) power_on_at_s_[pod] = now_s + power_on_offset_s_[pod];
  if (now_s + 1e-9 < power_on_at_s_[pod]) return;
  dark_[pod] = 0;  // powered on: booting until its job comes back
  job_at_s_[pod] = now_s + job_restart_s_[pod];
}

// The phase a job's GPUs would be in with ideal (instant) edges.
double PodFleet::iteration_phase_s(int pod) const {
  if (workload_[pod] != site::Workload::kTraining || dark(pod) || booting(pod) ||
      activity_pu_[pod] <= 0)
    return kNoIteration;
  const Job& j = jobs_[static_cast<size_t>(job_[pod])];
  return wrap(stepped_at_s_ + j.phase_offset_s, j.period_s);
}

PodFleet::Phase PodFleet::ideal_phase(const Job& j, double t_s) const {
  if (j.checkpoint_interval_s > 0 &&
      wrap(t_s + j.checkpoint_offset_s, j.checkpoint_interval_s) < j.checkpoint_length_s)
    return kIdle;  // checkpoint: GPUs wait on storage
  return wrap(t_s + j.phase_offset_s, j.period_s) < j.compute_s ? kCompute : kComm;
}

// The ideal phase wave convolved with the edge: over the last rise + spread seconds,
// each stretch between ideal edges weighs what the edge shape gives its lags.
std::array<double, PodFleet::kPhases> PodFleet::edge_weights(const Job& j, const GroupEdge& e,
                                                             double t_s) const {
  std::array<double, kPhases> w{{0, 0, 0}};
  const double window_s = e.rise_s + e.spread_s;
  if (window_s <= 0) {
    w[ideal_phase(j, t_s)] = 1;
    return w;
  }
  std::array<double, 6> edges{};
  size_t n = 0;
  add_edges(t_s, window_s, j.period_s, j.phase_offset_s, j.compute_s, edges, n);
  if (j.checkpoint_interval_s > 0 && j.checkpoint_length_s > 0)
    add_edges(t_s, window_s, j.checkpoint_interval_s, j.checkpoint_offset_s, j.checkpoint_length_s,
              edges, n);
  for (size_t k = 1; k < n; ++k)  // insertion sort: a handful of edges
    for (size_t m = k; m > 0 && edges[m - 1] > edges[m]; --m)
      std::swap(edges[m - 1], edges[m]);
  double from = t_s - window_s;
  for (size_t k = 0; k <= n; ++k) {
    const double to = k < n ? edges[k] : t_s;
    const double weight = pod_edge_fraction(t_s - from, e.rise_s, e.spread_s) -
                          pod_edge_fraction(t_s - to, e.rise_s, e.spread_s);
    if (weight > 0) w[ideal_phase(j, 0.5 * (from + to))] += weight;
    from = to;
  }
  return w;
}

void PodFleet::update_jobs(double t_s) {
  for (GroupEdge& e : group_edges_)
    if (e.job >= 0) e.w = edge_weights(jobs_[static_cast<size_t>(e.job)], e, t_s);
}

void PodFleet::update_inference(double dt_s) {
  inference_timer_s_ += dt_s;
  const bool new_targets = inference_timer_s_ >= kInferenceUpdateS;
  if (new_targets) inference_timer_s_ -= kInferenceUpdateS;
  const double alpha = 1.0 - std::exp(-dt_s / kInferenceLagS);
  for (int i = 0; i < size(); ++i) {
    if (workload_[i] != site::Workload::kInference) continue;
    if (new_targets) {
      const double t = util_target_pu_[i] +
                       kInferenceReversionPu * (util_mean_pu_[i] - util_target_pu_[i]) +
                       kInferenceNoisePu * rng_.normal();
      util_target_pu_[i] = std::clamp(t, 0.05, 1.0);
    }
    util_pu_[i] += (util_target_pu_[i] - util_pu_[i]) * alpha;
  }
}

// A pod at work: its demand raised to its floor, then limited by its cap (the cap wins).
double PodFleet::pod_power(int i, double demand) const {
  return std::min(std::max(demand, floor_eff_mw_[i]), cap_eff_mw_[i]);
}

void PodFleet::step(double t_s, double dt_s) {
  stepped_at_s_ = t_s;
  update_jobs(t_s);
  update_inference(dt_s);
  double it = 0, demand_total = 0, curtailed = 0, burn = 0, lost = 0;
  int dark_pods = 0, booting_pods = 0;
  const int n = size();
  for (int i = 0; i < n; ++i) {
    double v;
    if (cap_queue_.pop_due(i, t_s, v)) cap_eff_mw_[i] = v;
    if (floor_queue_.pop_due(i, t_s, v)) floor_eff_mw_[i] = v;

    double a = activity_pu_[i];
    if (activity_rate_per_s_[i] != 0) {
      a = std::clamp(a + activity_rate_per_s_[i] * dt_s, 0.0, 1.0);
      if (a == 0.0 || a == 1.0) activity_rate_per_s_[i] = 0;
      activity_pu_[i] = a;
    }
    const double idle = idle_mw_[i];
    double busy;
    switch (workload_[i]) {
      case site::Workload::kTraining: {
        const auto& w = group_edges_[static_cast<size_t>(group_[i])].w;
        busy = w[kCompute] * compute_mw_[i] + w[kComm] * comm_mw_[i] + w[kIdle] * idle;
        break;
      }
      case site::Workload::kInference:
        busy = idle + util_pu_[i] * (compute_mw_[i] - idle);
        break;
      default:
        busy = compute_mw_[i];
        break;
    }
    if (job_at_s_[i] > 0 && t_s + 1e-9 >= job_at_s_[i]) {
      job_at_s_[i] = 0;  // back at work: the job restarts from its checkpoint
      if (resume_job_[i]) activity_rate_per_s_[i] = ramp_s_[i] > 0 ? 1.0 / ramp_s_[i] : 1e9;
    }
    if (dark_[i] || job_at_s_[i] > 0) {
      // Dark, or booting at idle power: what its job would draw is lost, not curtailed.
      const double would_mw = resume_job_[i] ? busy : idle;
      const double p = dark_[i] ? 0.0 : idle;
      demand_mw_[i] = would_mw;
      power_mw_[i] = p;
      it += p;
      demand_total += would_mw;
      lost += std::max(0.0, would_mw - p);
      dark_pods += dark_[i];
      booting_pods += 1 - dark_[i];
      continue;
    }
    const double demand = idle + a * (busy - idle);
    const double p = pod_power(i, demand);
    demand_mw_[i] = demand;
    power_mw_[i] = p;
    it += p;
    demand_total += demand;
    curtailed += std::max(0.0, demand - p);
    burn += std::max(0.0, p - demand);
  }
  lost_it_mw_ = lost;
  dark_pods_ = dark_pods;
  booting_pods_ = booting_pods;
  it_mw_ = it;
  demand_it_mw_ = demand_total;
  curtailed_mw_ = curtailed;
  floor_burn_mw_ = burn;
}

}  // namespace sim
