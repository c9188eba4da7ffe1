// When scans are due: absolute deadlines one period apart. A late scan is
// counted and the schedule skips ahead rather than running scans back to back.
// The first scan (connect, verify every device) is a start-up, not a scan on the
// schedule, which begins at its end.
#pragma once

#include <chrono>
#include <string>

#include "hal/plant_io.hpp"

namespace runtime {

// The wall times of one scan's phases.
struct ScanTimes {
  std::chrono::steady_clock::time_point began, read_done, step_done, write_done;
};

class ScanSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ScanSchedule(double period_wall_s);

  // The first deadline: now.
  Clock::time_point start();
  // After `scans` scans (the one just done included), ended at `wall`: the next
  // deadline. Counts an overrun (a scan that ended more than two periods after
  // it was due), and logs a slow scan (more than 1.5 periods) taken apart.
  Clock::time_point after_scan(long long scans, const ScanTimes& times, Clock::time_point wall,
                               const hal::PlantIo& io);

  bool overran() const { return overran_; }  // the last scan
  long long overruns() const { return overruns_; }
  double max_late_ms() const { return max_late_ms_; }

 private:
  void log_slow_scan(long long scans, const ScanTimes& times, Clock::time_point wall,
                     const hal::PlantIo& io);

  Clock::duration period_;
  Clock::time_point started_, deadline_;
  bool overran_ = false;
  long long overruns_ = 0, slow_scans_ = 0;
  double max_late_ms_ = 0;
};

}  // namespace runtime
