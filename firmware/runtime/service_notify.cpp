#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace runtime {

ServiceNotifier::ServiceNotifier() {
  std::uint64_t usec = 0;
  // > 0 when systemd (or a test) asks this process for watchdog pings.
  if (sd_watchdog_enabled(0, &usec) > 0) interval_ = std::chrono::microseconds(usec / 2);
}

void ServiceNotifier::ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void ServiceNotifier::scan_done(std::chrono::steady_clock::time_point now) {
  if (interval_.count() == 0 || now < next_ping_) return;
  next_ping_ = now + interval_;
  sd_notify(0, "WATCHDOG=1");
}

void ServiceNotifier::status(const std::string& status) {
  sd_notifyf(0, "STATUS=%s", status.c_str());
}

void ServiceNotifier::stopping(const std::string& status) {
  sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status.c_str());
}

}  // namespace runtime
