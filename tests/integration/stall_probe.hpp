// A measure of the machine itself, for timing tests: one thread per CPU, pinned,
// at SCHED_FIFO 60 (above plantd's 50), that sleeps to a deadline every
// millisecond and records each wake-up more than 5 ms late, as cyclictest does.
// Nothing of ours runs above it, so a late wake-up is the machine's stall (on a
// virtual machine, the host not running the virtual CPU), which stalls whatever
// else was on that CPU too.
#pragma once

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace test {

class StallProbe {
 public:
  using WallClock = std::chrono::system_clock;
  struct Stall {
    WallClock::time_point end;  // when the probe woke at last
    double ms;                  // how long after its deadline
  };

  StallProbe() {
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (long cpu = 0; cpu < cpus; ++cpu)
      threads_.emplace_back([this, cpu] { run(static_cast<int>(cpu)); });
  }
  ~StallProbe() { stop(); }
  void stop() {
    quit_ = true;
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }

  // False when a probe thread could not run at SCHED_FIFO: its figures then say
  // nothing about the machine under plantd.
  bool realtime() const { return realtime_; }
  std::vector<Stall> stalls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stalls_;
  }
  double worst_ms() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return worst_ms_;
  }
  long long wakes() const { return wakes_; }

  // How long, within [from, to], at least one CPU was stalled (the union of the
  // stalls, clipped): at most what the machine can have added to work done then.
  double stalled_ms_within(WallClock::time_point from, WallClock::time_point to) const {
    std::vector<std::pair<WallClock::time_point, WallClock::time_point>> spans;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const Stall& s : stalls_) {
        const auto start = s.end - std::chrono::duration_cast<WallClock::duration>(
                                       std::chrono::duration<double, std::milli>(s.ms));
        if (s.end > from && start < to)
          spans.emplace_back(std::max(start, from), std::min(s.end, to));
      }
    }
    std::sort(spans.begin(), spans.end());
    WallClock::duration total{0};
    WallClock::time_point reached = from;
    for (const auto& [start, end] : spans) {
      const auto begin = std::max(start, reached);
      if (end > begin) total += end - begin;
      reached = std::max(reached, end);
    }
    return std::chrono::duration<double, std::milli>(total).count();
  }

 private:
  void run(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    sched_param p{};
    p.sched_priority = 60;
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &p) != 0) realtime_ = false;
    auto next = std::chrono::steady_clock::now();
    while (!quit_) {
      next += std::chrono::milliseconds(1);
      std::this_thread::sleep_until(next);
      const auto woke = std::chrono::steady_clock::now();
      const double late_ms = std::chrono::duration<double, std::milli>(woke - next).count();
      ++wakes_;
      if (late_ms > 5) {
        std::lock_guard<std::mutex> lock(mutex_);
        stalls_.push_back({WallClock::now(), late_ms});
        worst_ms_ = std::max(worst_ms_, late_ms);
      }
      if (late_ms > 1) next = woke;  // measure from now on, not a backlog
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<bool> quit_{false}, realtime_{true};
  std::atomic<long long> wakes_{0};
  mutable std::mutex mutex_;
  std::vector<Stall> stalls_;
  double worst_ms_ = 0;
};

}  // namespace test
