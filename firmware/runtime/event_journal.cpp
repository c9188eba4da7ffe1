#include "event_journal.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>

#include "fw/supervisor.hpp"
#include "fw/turbine_machine.hpp"

namespace runtime {

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// spdlog's file sinks create missing parent directories; a journal must not: a
// typo in --event-log would silently make a tree and journal where no one looks.
void require_parent_directory(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error("the directory " + dir +
                             " does not exist (plantd creates no directories for its files)");
}
}  // namespace

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

EventJournal::EventJournal(const std::string& path, std::size_t max_bytes, std::size_t max_files) {
  require_parent_directory(path);
  auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, max_bytes, max_files);
  logger_ = std::make_shared<spdlog::logger>("journal", sink);
  // Wall time in UTC to the millisecond, then the event's own fields.
  logger_->set_pattern("{\"time\":\"%Y-%m-%dT%H:%M:%S.%eZ\",%v}", spdlog::pattern_time_type::utc);
  logger_->flush_on(spdlog::level::trace);  // every line reaches the file at once
}

EventJournal::~EventJournal() = default;

void EventJournal::write(const std::string& fields) {
  logger_->info("{}", fields);
}

void EventJournal::lifecycle(const std::string& what) {
  write("\"kind\":\"lifecycle\",\"what\":" + json_quote(what));
}

void EventJournal::entry(const fw::LogEntry& e) {
  std::string f = "\"t_s\":" + number(e.t_s);
  switch (e.machine) {
    case fw::MachineId::kController:
      write("\"kind\":\"note\"," + f + ",\"unit\":" + std::to_string(e.index) +
            ",\"cause\":" + json_quote(e.cause.data()));
      return;
    case fw::MachineId::kSupervisor:
      f += ",\"machine\":\"supervisor\",\"from\":" +
           json_quote(fw::to_string(static_cast<fw::Mode>(e.from))) +
           ",\"to\":" + json_quote(fw::to_string(static_cast<fw::Mode>(e.to))) +
           ",\"event\":" + json_quote(fw::to_string(static_cast<fw::SupervisorEvent>(e.event)));
      break;
    case fw::MachineId::kTurbine:
      f += ",\"machine\":\"unit\",\"unit\":" + std::to_string(e.index) +
           ",\"from\":" + json_quote(fw::to_string(static_cast<fw::UnitState>(e.from))) +
           ",\"to\":" + json_quote(fw::to_string(static_cast<fw::UnitState>(e.to))) +
           ",\"event\":" + json_quote(fw::to_string(static_cast<fw::UnitEvent>(e.event)));
      break;
  }
  write(std::string("\"kind\":") + (e.transition ? "\"transition\"," : "\"unhandled\",") + f +
        ",\"cause\":" + json_quote(e.cause.data()));
}

void EventJournal::commands(double t_s, const hal::Commands& c) {
  // Most scans command nothing: they build no text (a steady scan allocates nothing).
  bool any = c.breaker != hal::BreakerCommand::kNone;
  for (const hal::TurbineOutputs& u : c.turbines)
    any = any || u.command != hal::TurbineCommand::kNone;
  if (!any) return;
  const std::string t = "\"kind\":\"command\",\"t_s\":" + number(t_s);
  if (c.breaker != hal::BreakerCommand::kNone)
    write(t + ",\"device\":\"poi\",\"command\":" +
          (c.breaker == hal::BreakerCommand::kClose ? "\"close\"" : "\"open\""));
  for (std::size_t u = 0; u < c.turbines.size(); ++u) {
    const hal::TurbineCommand k = c.turbines[u].command;
    if (k == hal::TurbineCommand::kNone) continue;
    const char* name = k == hal::TurbineCommand::kStart  ? "\"start\""
                       : k == hal::TurbineCommand::kStop ? "\"stop\""
                                                         : "\"reset\"";
    write(t + ",\"device\":\"turbine." + std::to_string(u) + "\",\"command\":" + name);
  }
}

void EventJournal::refusal(double t_s, const std::string& device, int index,
                           const std::string& what, double value, const std::string& reason) {
  write("\"kind\":\"refusal\",\"t_s\":" + number(t_s) + ",\"device\":" +
        json_quote(device + "." + std::to_string(index)) + ",\"what\":" + json_quote(what) +
        ",\"value\":" + number(value) + ",\"reason\":" + json_quote(reason));
}

void EventJournal::fault(double t_s, const std::string& line) {
  write("\"kind\":\"fault\",\"t_s\":" + number(t_s) + ",\"text\":" + json_quote(line));
}

void EventJournal::alarm(const fw::AlarmEvent& e) {
  std::string f = "\"kind\":\"alarm\",\"t_s\":" + number(e.t_s) +
                  ",\"action\":" + json_quote(fw::to_string(e.action));
  if (e.id != fw::AlarmId::kCount) {
    const fw::AlarmInfo& info = fw::alarm_info(e.id);
    f += ",\"alarm\":" + json_quote(info.name) +
         ",\"number\":" + std::to_string(static_cast<int>(e.id) + 1) +
         ",\"priority\":" + json_quote(fw::to_string(info.priority)) +
         ",\"state\":" + json_quote(fw::to_string(e.state)) +
         ",\"first_out\":" + (e.first_out ? "true" : "false");
  }
  write(f);
}

void EventJournal::operator_write(double t_s, const std::string& client, const std::string& reg,
                                  double old_value, double new_value, const std::string& note) {
  write("\"kind\":\"operator_write\",\"t_s\":" + number(t_s) + ",\"client\":" + json_quote(client) +
        ",\"register\":" + json_quote(reg) + ",\"old\":" + number(old_value) +
        ",\"new\":" + number(new_value) + ",\"note\":" + json_quote(note));
}

void EventJournal::scada_refusal(double t_s, const std::string& client, const std::string& reg,
                                 double value, int exception, const std::string& reason) {
  write("\"kind\":\"scada_refusal\",\"t_s\":" + number(t_s) + ",\"client\":" + json_quote(client) +
        ",\"register\":" + json_quote(reg) + ",\"value\":" + number(value) +
        ",\"exception\":" + std::to_string(exception) + ",\"reason\":" + json_quote(reason));
}

}  // namespace runtime
