// The event journal: one JSON object per line for every state change, controller
// note, command, refused write and device fault, stamped with the wall clock (UTC,
// to the millisecond) and the controller's own time. Rotated by size (spdlog's
// rotating sink) and flushed at every line, so a crash loses nothing written.
//
//   {"time":"2026-11-29T11:02:03.456Z","kind":"transition","t_s":612.30,
//    "machine":"supervisor","from":"GridParallel","to":"Islanded","event":"GridLost",...}
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "fw/alarms.hpp"
#include "fw/event_log.hpp"
#include "hal/commands.hpp"

namespace spdlog {
class logger;
}

namespace runtime {

class EventJournal {
 public:
  // Throws std::runtime_error (spdlog's) when the file cannot be opened, or when
  // its directory does not exist (it is never created).
  EventJournal(const std::string& path, std::size_t max_bytes, std::size_t max_files);
  ~EventJournal();

  void lifecycle(const std::string& what);  // "start", "stop" and why
  void entry(const fw::LogEntry& e);        // a transition or a controller note
  // Breaker and unit commands in `c` (setpoints and caps are too many to journal
  // one by one; sheds are journalled as the controller's notes).
  void commands(double t_s, const hal::Commands& c);
  void refusal(double t_s, const std::string& device, int index, const std::string& what,
               double value, const std::string& reason);
  void fault(double t_s, const std::string& line);
  void alarm(const fw::AlarmEvent& e);
  // The SCADA audit trail: every write, accepted (old and new value) or refused
  // (the exception sent and why).
  void operator_write(double t_s, const std::string& client, const std::string& reg,
                      double old_value, double new_value, const std::string& note);
  void scada_refusal(double t_s, const std::string& client, const std::string& reg, double value,
                     int exception, const std::string& reason);

 private:
  void write(const std::string& fields);
  std::shared_ptr<spdlog::logger> logger_;
};

// A JSON string literal, quotes and control characters escaped.
std::string json_quote(const std::string& s);

}  // namespace runtime
