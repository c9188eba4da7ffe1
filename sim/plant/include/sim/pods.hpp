// The GPU fleet as arrays of pods (structure of arrays: no per-step allocation).
//
// A training pod follows its job's iteration: compute phase near full power,
// communication phase lower, checkpoints near idle (arXiv 2508.14318, "Power Stabilization
// for AI Training Datacenters", Microsoft/OpenAI/NVIDIA 2025). All pods
// of one job share the phase, so they swing together; each job has its own random
// phase offset, so separate jobs are not in phase. Inference pods wander around a
// mean utilisation; batch pods run at compute power. A pod's power is its demand
// raised to its power floor and then limited by its power cap (the cap wins); cap
// and floor commands take effect after the pod's actuation lag.
//
// A pod's supply (PodFleet::supply): a pod that loses it goes dark at once (its
// job crashes); when the supply returns it powers on after its group's
// power-on delay, pod k of n a further k/n of the stagger later, draws idle power
// while it boots, and takes up its job job_restart_s after power-on, ramping over
// job_ramp_s. Caps and floors act only on a pod that is back at work. What dark
// and booting pods would have drawn is their lost IT (lost_it_mw), not curtailment.
//
// A training pod does not jump between phases: its GPUs ramp (gpu_power_edge_s) and
// start their ramps spread over gpu_edge_spread_s, so each edge has the closed-form
// shape of sim/pod_edge.hpp. The pod's phase weights are the job's ideal phase wave
// convolved with that edge, evaluated exactly at the step's time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/command.hpp"
#include "sim/rng.hpp"
#include "site/site.hpp"

namespace sim {

class PodFleet {
 public:
  PodFleet(const site::Site& site, Rng& rng);

  int size() const { return static_cast<int>(compute_mw_.size()); }
  void step(double t_s, double dt_s);

  // Gateway commands. Caps are accepted in [min cap, compute power]; floors in
  // [0, compute power] (0 switches the floor off).
  CommandResult set_cap_mw(int pod, double mw, double now_s);
  CommandResult set_floor_mw(int pod, double mw, double now_s);
  // What the setters would answer, changing nothing (to check a whole request first).
  CommandResult cap_allowed(int pod, double mw) const;
  CommandResult floor_allowed(int pod, double mw) const;
  void set_responding(int pod, bool responding) { responding_[pod] = responding; }
  bool responding(int pod) const { return responding_[pod] != 0; }

  // Job control by training job name or pod group name; false when no pod matches.
  bool start_job(const std::string& name);
  bool stop_job(const std::string& name);
  bool has_job_or_group(const std::string& name) const;

  // The pod's supply this step (the plant's bus and the pod's UPS decide it).
  void supply(int pod, bool supplied, double now_s);
  bool dark(int pod) const { return dark_[pod] != 0; }  // no supply, or not yet powered on
  bool booting(int pod) const { return !dark(pod) && job_at_s_[pod] > 0; }  // not yet at work
  int dark_pods() const { return dark_pods_; }
  int booting_pods() const { return booting_pods_; }
  double lost_it_mw() const { return lost_it_mw_; }  // what dark and booting pods would draw

  double it_mw() const { return it_mw_; }
  double demand_it_mw() const { return demand_it_mw_; }
  double curtailed_mw() const { return curtailed_mw_; }    // demand held back by caps
  double floor_burn_mw() const { return floor_burn_mw_; }  // power above demand (floors)

  double power_mw(int pod) const { return power_mw_[pod]; }
  double demand_mw(int pod) const { return demand_mw_[pod]; }
  double cap_mw(int pod) const { return cap_eff_mw_[pod]; }          // in effect
  double floor_mw(int pod) const { return floor_eff_mw_[pod]; }      // in effect
  double cap_command_mw(int pod) const { return cap_cmd_mw_[pod]; }  // last accepted
  double floor_command_mw(int pod) const { return floor_cmd_mw_[pod]; }
  double compute_mw(int pod) const { return compute_mw_[pod]; }
  double idle_mw(int pod) const { return idle_mw_[pod]; }
  double min_cap_mw(int pod) const { return min_cap_mw_[pod]; }
  double activity_pu(int pod) const { return activity_pu_[pod]; }
  site::PriorityClass priority(int pod) const { return priority_[pod]; }
  // A training pod at work: seconds into its job's present iteration (compute
  // phase first) when its power was last stepped, what its gateway reports with
  // that power; kNoIteration otherwise.
  static constexpr double kNoIteration = 65.535;
  double iteration_phase_s(int pod) const;
  int group(int pod) const { return group_[pod]; }

 private:
  static constexpr int kQueueSlots = 4;
  struct Job {
    std::string name;
    double period_s = 1;
    double compute_s = 0.7;
    double phase_offset_s = 0;
    double checkpoint_interval_s = 0;
    double checkpoint_length_s = 0;
    double checkpoint_offset_s = 0;
  };
  enum Phase { kCompute, kComm, kIdle, kPhases };
  // Per pod group: a training group's edge and, per step, the node power of its pods
  // as weights of compute/communication/idle (summing to 1).
  struct GroupEdge {
    int job = -1;  // -1: not a training group
    double rise_s = 0, spread_s = 0;
    std::array<double, kPhases> w{{1, 0, 0}};
  };
  struct DelayQueue {  // per pod, FIFO of commands waiting for the actuation lag
    std::vector<double> value, due_s;
    std::vector<std::uint8_t> length;
    void resize(int pods);
    void push(int pod, double v, double due);
    bool pop_due(int pod, double now_s, double& v);
  };

  Phase ideal_phase(const Job& j, double t_s) const;
  std::array<double, kPhases> edge_weights(const Job& j, const GroupEdge& e, double t_s) const;
  void update_jobs(double t_s);
  void update_inference(double dt_s);
  bool set_activity(const std::string& name, bool run);
  double pod_power(int i, double demand) const;

  std::vector<Job> jobs_;
  std::vector<GroupEdge> group_edges_;
  std::vector<std::string> group_names_;
  Rng& rng_;
  double inference_timer_s_ = 0;

  // Per pod (structure of arrays).
  std::vector<int> group_, job_;
  std::vector<site::Workload> workload_;
  std::vector<site::PriorityClass> priority_;
  std::vector<double> compute_mw_, comm_mw_, idle_mw_, min_cap_mw_, lag_s_, ramp_s_;
  std::vector<double> activity_pu_, activity_rate_per_s_;
  std::vector<double> util_pu_, util_target_pu_, util_mean_pu_;
  std::vector<double> cap_cmd_mw_, floor_cmd_mw_, cap_eff_mw_, floor_eff_mw_, demand_mw_, power_mw_;
  std::vector<std::uint8_t> responding_;
  // Supply and cold-load pickup, per pod: dark (1), the time it powers on (+inf
  // while unsupplied), when its job comes back (0: at work), whether it had one.
  std::vector<std::uint8_t> dark_, resume_job_;
  std::vector<double> power_on_at_s_, job_at_s_, power_on_offset_s_, job_restart_s_;
  DelayQueue cap_queue_, floor_queue_;

  double it_mw_ = 0, demand_it_mw_ = 0, curtailed_mw_ = 0, floor_burn_mw_ = 0;
  double lost_it_mw_ = 0;
  double stepped_at_s_ = 0;  // the time the pods' power is for
  int dark_pods_ = 0, booting_pods_ = 0;
};

}  // namespace sim
