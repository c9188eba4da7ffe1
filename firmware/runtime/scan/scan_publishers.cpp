#include "scan_publishers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace runtime {

namespace {

void log_alarm(const fw::AlarmEvent& e) {
  if (e.id == fw::AlarmId::kCount) {
    spdlog::warn("t={:.2f}s alarm {}", e.t_s, fw::to_string(e.action));
    return;
  }
  const fw::AlarmInfo& info = fw::alarm_info(e.id);
  const bool raised = e.action == fw::AlarmAction::kRaised;
  spdlog::log(raised ? spdlog::level::warn : spdlog::level::info,
              "t={:.2f}s alarm {} ({}, {}): {} -> {}{}", e.t_s, info.name,
              static_cast<int>(e.id) + 1, fw::to_string(info.priority), fw::to_string(e.action),
              fw::to_string(e.state), e.first_out ? " [first out]" : "");
}

void log_entry(const fw::LogEntry& e) {
  const bool unhandled = e.machine != fw::MachineId::kController && !e.transition;
  spdlog::log(unhandled ? spdlog::level::warn : spdlog::level::info, "{}", fw::describe(e));
}

}  // namespace

LogPublisher::LogPublisher(double scan_period_s, double status_every_s, const StandbyNode* pair)
    : status_every_scans_(static_cast<long long>(std::max(1.0, status_every_s / scan_period_s))),
      pair_(pair) {}

void LogPublisher::publish(const ScanRecord& scan) {
  const fw::AlarmManager& alarms = scan.controller->alarms();
  for (std::size_t k = 0; k < alarms.event_count(); ++k)
    log_alarm(alarms.event(k));
  fw::EventLog& log = scan.controller->log();
  for (std::size_t k = 0; k < log.size(); ++k)
    log_entry(log.at(k));
  if (scan.device_faults)
    for (const std::string& line : *scan.device_faults)
      spdlog::warn("{}", line);
  if (scan.scan % status_every_scans_ != 0) return;
  const fw::ControllerStatus& st = scan.controller->status();
  spdlog::info(
      "t={:.1f}s status{}: {}, load {:.1f} MW, import {:.1f} MW, units {} (+{} starting), "
      "battery {:.1f} MW, shed {:.1f} MW",
      scan.now_s, pair_ ? fmt::format(" ({})", to_string(pair_->role())) : std::string(),
      fw::to_string(st.mode), st.site_load_mw, st.import_mw, st.units_online, st.units_starting,
      st.battery_target_mw, st.shed_mw);
}

void JournalPublisher::publish(const ScanRecord& scan) {
  const fw::AlarmManager& alarms = scan.controller->alarms();
  for (std::size_t k = 0; k < alarms.event_count(); ++k)
    journal_.alarm(alarms.event(k));
  fw::EventLog& log = scan.controller->log();
  for (std::size_t k = 0; k < log.size(); ++k)
    journal_.entry(log.at(k));
  if (scan.active) journal_.commands(scan.now_s, *scan.commands);
  if (scan.device_faults)
    for (const std::string& line : *scan.device_faults)
      journal_.fault(scan.now_s, line);
}

void RefusalPublisher::publish(const ScanRecord& scan) {
  const double steady_s = steady_seconds();
  for (int k = 0; k < scan.io->refusal_count(); ++k) {
    const hal::WriteRefusal& w = scan.io->refusal(k);
    refusals_.device_write(scan.now_s, steady_s, w.device_kind, w.index, w.what, w.value, w.reason);
  }
  refusals_.expire(scan.now_s, steady_s);
}

void ScadaImagePublisher::publish(const ScanRecord& scan) {
  scada_.update(*scan.image, *scan.controller, *scan.counters);
}

void NotifierPublisher::publish(const ScanRecord& scan) {
  if (scan.scan == 0) notifier_.ready("scanning every " + std::to_string(scan_period_s_) + " s");
  notifier_.scan_done(std::chrono::steady_clock::now());
}

void HeartbeatPublisher::publish(const ScanRecord& scan) {
  pair_.send(*scan.controller, *scan.settings, scan.counters->curtailed_mwh, scan.scan,
             save_interval_s_);
}

}  // namespace runtime
