#include "event_journal.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "fw/supervisor.hpp"
#include "fw/turbine_machine.hpp"
#include "json/json_string.hpp"

namespace runtime {

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string quote(std::string_view s) {
  return json::quote(s);
}
}  // namespace

namespace {
// The refusals file is made only once the audit trail has opened: a bad
// --event-log leaves nothing behind.
const std::string& opened_first(const JournalFile& audit, const std::string& refusal_path) {
  if (!audit.healthy()) throw std::runtime_error(audit.error());
  return refusal_path;
}
}  // namespace

EventJournal::EventJournal(const std::string& path, const std::string& refusal_path,
                           std::size_t max_bytes, std::size_t max_files)
    : audit_(path, max_bytes, max_files),
      refusals_(opened_first(audit_, refusal_path), max_bytes, max_files) {
  if (!refusals_.healthy()) throw std::runtime_error(refusals_.error());
  line_.reserve(512);
}

std::string EventJournal::default_refusal_path(const std::string& path) {
  const std::size_t dot = extension_at(path);
  return dot == std::string::npos ? path + ".refusals"
                                  : path.substr(0, dot) + ".refusals" + path.substr(dot);
}

void EventJournal::write(JournalFile& file, const std::string& fields) {
  // Wall time in UTC to the millisecond, then the event's own fields.
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\",",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, static_cast<int>(now.tv_nsec / 1000000));
  line_.assign(stamp);
  line_ += fields;
  line_ += '}';
  const bool was_healthy = file.healthy();
  const bool written = file.write_line(line_);
  std::uint64_t& lost_at = lost_at_failure_[&file == &audit_ ? 0 : 1];
  if (!written && was_healthy) {
    lost_at = file.lines_lost() - 1;
    spdlog::error(
        "event journal: {}; its records are lost until it can be written again (alarm "
        "event_journal_failed)",
        file.error());
  } else if (written && !was_healthy) {
    spdlog::warn("event journal: {} is written again; {} records were lost", file.path(),
                 file.lines_lost() - lost_at);
  }
}

void EventJournal::lifecycle(const std::string& what) {
  write(audit_, "\"kind\":\"lifecycle\",\"what\":" + quote(what));
}

void EventJournal::entry(const fw::LogEntry& e) {
  std::string f = "\"t_s\":" + number(e.t_s);
  switch (e.machine) {
    case fw::MachineId::kController:
      write(audit_, "\"kind\":\"note\"," + f + ",\"unit\":" + std::to_string(e.index) +
                        ",\"cause\":" + quote(e.cause.data()));
      return;
    case fw::MachineId::kSupervisor:
      f += ",\"machine\":\"supervisor\",\"from\":" +
           quote(fw::to_string(static_cast<fw::Mode>(e.from))) +
           ",\"to\":" + quote(fw::to_string(static_cast<fw::Mode>(e.to))) +
           ",\"event\":" + quote(fw::to_string(static_cast<fw::SupervisorEvent>(e.event)));
      break;
    case fw::MachineId::kTurbine:
      f += ",\"machine\":\"unit\",\"unit\":" + std::to_string(e.index) +
           ",\"from\":" + quote(fw::to_string(static_cast<fw::UnitState>(e.from))) +
           ",\"to\":" + quote(fw::to_string(static_cast<fw::UnitState>(e.to))) +
           ",\"event\":" + quote(fw::to_string(static_cast<fw::UnitEvent>(e.event)));
      break;
  }
  write(audit_, std::string("\"kind\":") + (e.transition ? "\"transition\"," : "\"unhandled\",") +
                    f + ",\"cause\":" + quote(e.cause.data()));
}

void EventJournal::commands(double t_s, const hal::Commands& c) {
  // Most scans command nothing: they build no text (a steady scan allocates nothing).
  bool any = c.breaker != hal::BreakerCommand::kNone;
  for (const hal::TurbineOutputs& u : c.turbines)
    any = any || u.command != hal::TurbineCommand::kNone;
  if (!any) return;
  const std::string t = "\"kind\":\"command\",\"t_s\":" + number(t_s);
  if (c.breaker != hal::BreakerCommand::kNone)
    write(audit_, t + ",\"device\":\"poi\",\"command\":" +
                      (c.breaker == hal::BreakerCommand::kClose ? "\"close\"" : "\"open\""));
  for (std::size_t u = 0; u < c.turbines.size(); ++u) {
    const hal::TurbineCommand k = c.turbines[u].command;
    if (k == hal::TurbineCommand::kNone) continue;
    const char* name = k == hal::TurbineCommand::kStart  ? "\"start\""
                       : k == hal::TurbineCommand::kStop ? "\"stop\""
                                                         : "\"reset\"";
    write(audit_, t + ",\"device\":\"turbine." + std::to_string(u) + "\",\"command\":" + name);
  }
}

void EventJournal::fault(double t_s, const std::string& line) {
  write(audit_, "\"kind\":\"fault\",\"t_s\":" + number(t_s) + ",\"text\":" + quote(line));
}

void EventJournal::alarm(const fw::AlarmEvent& e) {
  std::string f = "\"kind\":\"alarm\",\"t_s\":" + number(e.t_s) +
                  ",\"action\":" + quote(fw::to_string(e.action));
  if (e.id != fw::AlarmId::kCount) {
    const fw::AlarmInfo& info = fw::alarm_info(e.id);
    f += ",\"alarm\":" + quote(info.name) +
         ",\"number\":" + std::to_string(static_cast<int>(e.id) + 1) +
         ",\"priority\":" + quote(fw::to_string(info.priority)) +
         ",\"state\":" + quote(fw::to_string(e.state)) +
         ",\"first_out\":" + (e.first_out ? "true" : "false");
  }
  write(audit_, f);
}

void EventJournal::operator_write(double t_s, const std::string& client, const std::string& reg,
                                  double old_value, double new_value, const std::string& note) {
  write(audit_, "\"kind\":\"operator_write\",\"t_s\":" + number(t_s) +
                    ",\"client\":" + quote(client) + ",\"register\":" + quote(reg) +
                    ",\"old\":" + number(old_value) + ",\"new\":" + number(new_value) +
                    ",\"note\":" + quote(note));
}

void EventJournal::refusal(double t_s, std::string_view device, int index, std::string_view what,
                           double value, std::string_view reason) {
  write(refusals_, "\"kind\":\"refusal\",\"t_s\":" + number(t_s) +
                       ",\"device\":" + quote(std::string(device) + "." + std::to_string(index)) +
                       ",\"what\":" + quote(what) + ",\"value\":" + number(value) +
                       ",\"reason\":" + quote(reason));
}

void EventJournal::scada_refusal(double t_s, std::string_view client, std::string_view reg,
                                 double value, int exception, std::string_view reason) {
  write(refusals_,
        "\"kind\":\"scada_refusal\",\"t_s\":" + number(t_s) + ",\"client\":" + quote(client) +
            ",\"register\":" + quote(reg) + ",\"value\":" + number(value) +
            ",\"exception\":" + std::to_string(exception) + ",\"reason\":" + quote(reason));
}

void EventJournal::refusal_summary(double t_s, const RefusalSummary& s, double window_s) {
  write(refusals_, "\"kind\":\"refusal_summary\",\"t_s\":" + number(t_s) + ",\"source\":" +
                       quote(s.label) + ",\"suppressed\":" + std::to_string(s.suppressed) +
                       ",\"window_s\":" + number(window_s) +
                       ",\"all_sources\":" + (s.all_sources ? "true" : "false"));
}

}  // namespace runtime
