#include "state_keeper.hpp"

#include <spdlog/spdlog.h>

namespace runtime {

StateKeeper::StateKeeper(const std::string& path, const site::Site& site, double save_interval_s,
                         EventJournal* journal)
    : file_(path, site), save_interval_s_(save_interval_s), journal_(journal) {}

const StateLoad& StateKeeper::restore() {
  loaded_ = file_.load();
  const fw::PermitUsage& u = loaded_.state.usage;
  int starts = 0, stops = 0;
  for (std::size_t i = 0; i < u.starts.size(); ++i)
    starts += u.starts[i], stops += u.stops[i];
  std::string what;
  if (loaded_.restored) {
    what = "counters restored from " + loaded_.from + " (save " +
           std::to_string(loaded_.state.sequence) + "): " + std::to_string(starts) + " starts, " +
           std::to_string(stops) + " stops, NOx " + std::to_string(u.nox_kg) + " kg";
    if (loaded_.nox_allowance_kg > 0)
      what += " including " + std::to_string(loaded_.nox_allowance_kg) +
              " kg for the interval not saved before an unclean stop";
    spdlog::info("plantd: {}", what);
    if (!loaded_.problems.empty())
      spdlog::warn("plantd: state file generations passed over:\n{}", loaded_.problems);
  } else {
    what = "counters NOT restored (" + loaded_.problems +
           "); conservative values in force: every start and stop of the permit year and the "
           "NOx cap counted as spent. Restore the file from a backup, or run plantd "
           "--init-state on a new installation";
    spdlog::error("plantd: {}", what);
  }
  if (journal_) journal_->lifecycle(what);
  last_ = loaded_.state;
  last_.sequence = loaded_.state.sequence;
  return loaded_;
}

bool StateKeeper::save(const fw::Controller& controller, double curtailed_mwh, double now_s,
                       bool clean) {
  PersistentState s;
  s.sequence = last_.sequence + 1;
  s.clean_stop = clean;
  s.save_interval_s = save_interval_s_;
  s.usage = controller.usage();
  s.curtailed_mwh = curtailed_mwh;
  std::string error;
  last_save_s_ = now_s;
  if (!file_.save(s, error)) {
    ++failures_;
    if (!save_failing_) {
      spdlog::error("plantd: cannot save the counters to {}: {}", file_.path(), error);
      if (journal_) journal_->fault(now_s, "state file: " + error);
    }
    save_failing_ = true;
    return false;
  }
  if (save_failing_) {
    spdlog::info("plantd: counters saved to {} again", file_.path());
    if (journal_) journal_->fault(now_s, "state file: saved again");
  }
  save_failing_ = false;
  ++saves_;
  last_ = s;
  return true;
}

bool StateKeeper::after_step(const fw::Controller& controller, double curtailed_mwh, double now_s) {
  const fw::PermitUsage& u = controller.usage();
  const bool counted = u.starts != last_.usage.starts || u.stops != last_.usage.stops;
  // Not restored: nothing is saved over the files, which an operator may still
  // recover; the conservative values hold until then.
  if (!loaded_.restored) return true;
  if (counted || now_s - last_save_s_ >= save_interval_s_)
    save(controller, curtailed_mwh, now_s, false);
  return save_failing_;
}

void StateKeeper::stop(const fw::Controller& controller, double curtailed_mwh, double now_s) {
  if (loaded_.restored && save(controller, curtailed_mwh, now_s, true))
    spdlog::info("plantd: counters saved to {} (clean stop)", file_.path());
}

}  // namespace runtime
