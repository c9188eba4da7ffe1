// The event journal: one JSON object per line, stamped with the wall clock (UTC,
// to the millisecond) and the controller's own time, in two files rotated each
// on its own (JournalFile):
//
// - the audit trail (--event-log FILE): every state change, controller note,
//   command, alarm, device fault, lifecycle event and accepted operator write;
// - the refusals (--refusal-log, by default FILE with ".refusals" before its
//   extension): refused SCADA writes and requests and refused device writes, as
//   the RefusalAudit's limit lets them through, and its summaries.
//
// Nothing refused is ever written to the audit trail, so no flood of refusals can
// rotate an accepted write out of it (docs/operations.md).
//
//   {"time":"2026-11-29T11:02:03.456Z","kind":"transition","t_s":612.30,
//    "machine":"supervisor","from":"GridParallel","to":"Islanded","event":"GridLost",...}
//
// A file that cannot be written (a full disk, a directory gone read-only) costs
// its records, never the scan: failed() turns true, which raises the alarm
// event_journal_failed, the log says so once, and once more when it is written again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fw/alarms.hpp"
#include "fw/event_log.hpp"
#include "hal/commands.hpp"
#include "journal_file.hpp"
#include "refusal_limiter.hpp"

namespace runtime {

class EventJournal {
 public:
  // Throws std::runtime_error when either file cannot be opened.
  EventJournal(const std::string& path, const std::string& refusal_path, std::size_t max_bytes,
               std::size_t max_files);
  // "events.jsonl" -> "events.refusals.jsonl"; "events" -> "events.refusals".
  static std::string default_refusal_path(const std::string& path);

  // The audit trail.
  void lifecycle(const std::string& what);  // "start", "stop" and why
  void entry(const fw::LogEntry& e);        // a transition or a controller note
  // Breaker and unit commands in `c` (setpoints and caps are too many to journal
  // one by one; sheds are journalled as the controller's notes).
  void commands(double t_s, const hal::Commands& c);
  void fault(double t_s, const std::string& line);
  void alarm(const fw::AlarmEvent& e);
  // An accepted SCADA write: old and new value.
  void operator_write(double t_s, const std::string& client, const std::string& reg,
                      double old_value, double new_value, const std::string& note);

  // The refusals file.
  void refusal(double t_s, std::string_view device, int index, std::string_view what, double value,
               std::string_view reason);
  void scada_refusal(double t_s, std::string_view client, std::string_view reg, double value,
                     int exception, std::string_view reason);
  // `s.suppressed` refusals from `s.label` not written one by one, over `window_s`.
  void refusal_summary(double t_s, const RefusalSummary& s, double window_s);

  // A file's last write failed (the alarm's input).
  bool failed() const { return !audit_.healthy() || !refusals_.healthy(); }
  std::uint64_t lines_lost() const { return audit_.lines_lost() + refusals_.lines_lost(); }
  const JournalFile& audit_file() const { return audit_; }
  const JournalFile& refusals_file() const { return refusals_; }

 private:
  void write(JournalFile& file, const std::string& fields);
  JournalFile audit_, refusals_;
  std::uint64_t lost_at_failure_[2] = {0, 0};  // lines_lost() when each file's failure began
  std::string line_;
};

}  // namespace runtime
