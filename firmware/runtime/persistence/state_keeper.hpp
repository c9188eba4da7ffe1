// plantd's use of the state file: restore the counters at start, save them after
// a scan whenever a start or stop was counted (before the command goes out, so
// no start is ever sent unrecorded) and every save interval, and once more with
// clean_stop = true on a clean stop. Failures are logged, journalled and raise
// the persistence alarm; they never stop the controller. When the counters could
// not be restored, nothing is written over the files (an operator may recover
// them) and the alarm stays raised.
#pragma once

#include <string>

#include "event_journal.hpp"
#include "fw/controller.hpp"
#include "state_file.hpp"

namespace runtime {

class StateKeeper {
 public:
  StateKeeper(const std::string& path, const site::Site& site, double save_interval_s,
              EventJournal* journal);

  // Loads (logging where from, or why not): the counters to start the controller with.
  const StateLoad& restore();
  // After a scan's step; true when the state on disk is not trustworthy (not
  // restored at start, or the last save failed): the persistence alarm's condition.
  bool after_step(const fw::Controller& controller, double curtailed_mwh, double now_s);
  // On a clean stop.
  void stop(const fw::Controller& controller, double curtailed_mwh, double now_s);
  std::uint64_t saves() const { return saves_; }
  std::uint64_t save_failures() const { return failures_; }

 private:
  bool save(const fw::Controller& controller, double curtailed_mwh, double now_s, bool clean);

  StateFile file_;
  double save_interval_s_;
  EventJournal* journal_;
  StateLoad loaded_;
  PersistentState last_;  // as last saved
  double last_save_s_ = -1e18;
  bool save_failing_ = false;
  std::uint64_t saves_ = 0, failures_ = 0;
};

}  // namespace runtime
