#include "scan_schedule.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace runtime {

namespace {
double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
}  // namespace

ScanSchedule::ScanSchedule(double period_wall_s)
    : period_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(period_wall_s))) {}

ScanSchedule::Clock::time_point ScanSchedule::start() {
  started_ = deadline_ = Clock::now();
  return deadline_;
}

ScanSchedule::Clock::time_point ScanSchedule::after_scan(long long scans, const ScanTimes& times,
                                                         Clock::time_point wall,
                                                         const hal::PlantIo& io) {
  deadline_ += period_;
  if (scans == 1) {
    spdlog::info("plantd: the first scan (connect, verify every device) took {:.1f} ms",
                 ms(wall - started_));
    deadline_ = wall + period_;
    return deadline_;
  }
  // From this scan's due time to its end.
  const Clock::time_point due = deadline_ - period_;
  max_late_ms_ = std::max(max_late_ms_, ms(wall - due));
  overran_ = wall > deadline_ + period_;
  if (wall > deadline_ + period_ / 2 && slow_scans_++ < 20) log_slow_scan(scans, times, wall, io);
  if (overran_) {
    ++overruns_;
    spdlog::warn("scan overrun: {:.1f} ms late ({} so far)", ms(wall - deadline_), overruns_);
    deadline_ = wall;
  }
  return deadline_;
}

// A scan that ended more than 1.5 periods after it was due, taken apart: how late
// it began, and its read, step and write (the first 20; then only counted).
void ScanSchedule::log_slow_scan(long long scans, const ScanTimes& t, Clock::time_point wall,
                                 const hal::PlantIo& io) {
  const Clock::time_point due = deadline_ - period_;
  spdlog::info(
      "slow scan {}: ended {:.1f} ms after due; began {:.1f} ms late, read {:.1f} ms, step "
      "{:.1f} ms, write {:.1f} ms, the rest {:.1f} ms; in the read: {}",
      scans, ms(wall - due), ms(t.began - due), ms(t.read_done - t.began),
      ms(t.step_done - t.read_done), ms(t.write_done - t.step_done), ms(wall - t.write_done),
      io.describe_last_read());
}

}  // namespace runtime
