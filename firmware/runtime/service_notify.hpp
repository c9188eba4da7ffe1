// Telling systemd how plantd is doing (sd_notify, libsystemd): READY=1 after the
// first scan, WATCHDOG=1 from the scan loop at half the unit's WatchdogSec (a hung
// loop stops the pings and systemd restarts plantd), STOPPING=1 on a signal, and
// a STATUS= line. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
#pragma once

#include <chrono>
#include <string>

namespace runtime {

class ServiceNotifier {
 public:
  ServiceNotifier();

  void ready(const std::string& status);
  // From the scan loop, after each scan; pings at most every half watchdog period.
  void scan_done(std::chrono::steady_clock::time_point now);
  void status(const std::string& status);
  void stopping(const std::string& status);

  bool watchdog_enabled() const { return interval_.count() > 0; }

 private:
  std::chrono::microseconds interval_{0};  // half of WatchdogSec; 0: no watchdog
  std::chrono::steady_clock::time_point next_ping_{};
};

}  // namespace runtime
