// Every refusal plantd sees, journalled and logged within the RefusalLimiter's
// limit (one source, the first of each minute in full, then a summary of the
// rest), and counted without limit. Sources: a SCADA client by its address (its
// refused writes and requests together), a device by its kind and index.
//
// The time that drives the limit is passed in (a steady clock's seconds), as is
// the controller's time the records carry. A refusal past the limit costs a
// table look-up and a count: no text, no allocation.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "refusal_limiter.hpp"

namespace runtime {

// The steady clock in seconds: the time that drives the refusals' windows (and
// the SCADA write rate limit).
inline double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

class EventJournal;

struct RefusalCounts {
  std::uint64_t scada_writes = 0;    // refused SCADA writes
  std::uint64_t scada_requests = 0;  // refused SCADA requests (functions not served, malformed)
  std::uint64_t device_writes = 0;   // writes a device refused
  std::uint64_t suppressed = 0;      // of these, not written one by one
  std::uint64_t evictions = 0;       // sources the limiter's table let go for a newer one
};

class RefusalAudit {
 public:
  // `journal` may be null (the log alone).
  explicit RefusalAudit(EventJournal* journal, const RefusalLimits& limits = RefusalLimits{});

  // A refused SCADA write: `reg` the register's name, or "" for an address that is none.
  void scada_write(double t_s, double steady_s, const std::string& client, std::string_view reg,
                   int address, double value, int exception, std::string_view reason);
  void scada_request(double t_s, double steady_s, const std::string& client, std::string_view what,
                     int exception);
  void device_write(double t_s, double steady_s, std::string_view kind, int index,
                    std::string_view what, double value, std::string_view reason);

  // The summaries of windows that have ended (once a scan), or of all (at stop).
  void expire(double t_s, double steady_s);
  void flush(double t_s, double steady_s);

  RefusalCounts counts() const;
  const RefusalLimiter& limiter() const { return limiter_; }

  // The limiter's key of a SCADA client ("10.0.0.20"; anything not an IPv4
  // address shares one key) and of a device.
  static std::uint64_t client_key(const std::string& client);
  static std::uint64_t device_key(std::string_view kind, int index);

 private:
  void summary(double t_s, double steady_s, const RefusalSummary& s);

  EventJournal* journal_;
  RefusalLimiter limiter_;
  double window_s_;
  RefusalCounts counts_;
};

}  // namespace runtime
