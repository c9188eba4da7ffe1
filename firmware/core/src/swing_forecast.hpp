// The training swing, known ahead. Each training pod group's iteration period and
// compute share come from the site file, the job's phase from what most of its
// pods' gateways agree on (iteration_phase_s), and the power of its compute and communication
// phases from the pods' power readings. The battery can then answer each edge as it comes, not a
// scan and its response lag later (arXiv 2508.14318 asks for the swing at the grid connection to be
// attenuated, not delayed).
#pragma once

#include <array>
#include <vector>

#include "hal/process_image.hpp"
#include "site/site.hpp"

namespace fw {

class SwingForecast {
 public:
  explicit SwingForecast(const site::Site& site);

  // This scan's readings: each group's phase and the levels of its two phases.
  void observe(const hal::ProcessImage& image, double now_s);
  // The swing's IT power, above each group's communication level: at this scan
  // (as the pods' readings show it), and averaged over the window of width_s
  // centred on t_s (the ramp a scan-period battery step can follow).
  double now_mw() const { return now_mw_; }
  double mean_mw(double t_s, double width_s) const;
  // A pod whose reported phase the rest of its job's voters outvoted: given once
  // when it begins to disagree (again only after it has agreed since); call until
  // false, one a job.
  struct Outvote {
    int pod = -1;
    double off_s = 0;  // its phase's distance from the agreed one
  };
  bool take_new_outvote(Outvote& out);

 private:
  struct Group {
    int first_pod = 0, pods = 0;
    double period_s = 1, compute_s = 0.7, edge_s = 0;
    bool known = false;   // a pod reports the phase this scan
    double origin_s = 0;  // when the present iteration began
    double high_mw = 0, low_mw = 0;
    bool levels_seen = false;
    int outvoted_pod = -1;  // the voter last outvoted, while it disagrees
    double outvoted_at_s = -1e18;
    bool outvote_unsaid = false;  // a new spell the controller has not said yet
    double outvote_off_s = 0;
  };
  // The share of [from_s, to_s] the group spends in its compute phase, the edges'
  // ramps taken at their middles.
  static double compute_share(const Group& g, double from_s, double to_s);

  double agreed_phase(int voters, double period_s) const;

  static constexpr int kPhaseVoters = 5;  // the first pods of a group that report a phase
  std::array<double, kPhaseVoters> votes_{};
  std::array<int, kPhaseVoters> voter_pods_{};
  void note_outvoted(Group& g, int voters, double phase_s, double now_s);
  std::vector<Group> groups_;
  double now_mw_ = 0;
};

}  // namespace fw
