#include "scan_cycle.hpp"

namespace runtime {

ScanCycle::ScanCycle(asio::io_context& loop, ScanParts parts, double period_wall_s,
                     double duration_s)
    : loop_(loop),
      p_(std::move(parts)),
      image_(*p_.site),
      commands_(*p_.site),
      schedule_(period_wall_s),
      timer_(loop),
      duration_s_(duration_s) {}

void ScanCycle::start() {
  timer_.expires_at(schedule_.start());
  timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) scan();
  });
}

void ScanCycle::stop() {
  stopping_ = true;
  timer_.cancel();
}

void ScanCycle::scan() {
  if (stopping_) return;
  ScanTimes times;
  times.began = ScanSchedule::Clock::now();
  const double previous_s = now_;
  now_ = p_.clock(scans_);
  read_inputs();
  times.read_done = ScanSchedule::Clock::now();
  const bool active = decide_role();
  const fw::OperatorInputs op = operator_inputs(active);
  // A standby reads, so it knows the plant when it takes over, but neither
  // steps nor writes.
  if (active) p_.controller->step(image_, op, now_, commands_);
  persist();
  times.step_done = ScanSchedule::Clock::now();
  if (active) p_.io->write(commands_, now_);
  times.write_done = ScanSchedule::Clock::now();
  account(previous_s, active);
  publish(active);
  ++scans_;
  if (duration_s_ > 0 && now_ >= duration_s_) {
    stopping_ = true;
    loop_.stop();
    return;
  }
  schedule_next(times);
}

void ScanCycle::read_inputs() {
  p_.io->read(image_, now_);
}

// True when this node steps and writes this scan.
bool ScanCycle::decide_role() {
  if (!p_.pair) return true;
  const RoleDecision d =
      p_.pair->scan(*p_.io, *p_.controller, p_.counters->curtailed_mwh, *p_.settings, now_);
  if (p_.journal && (d.took_over || d.demoted))
    p_.journal->lifecycle(d.took_over ? "active, epoch " + std::to_string(d.epoch)
                                      : std::string("standby (fenced or outranked)"));
  return d.role == Role::kActive;
}

fw::OperatorInputs ScanCycle::operator_inputs(bool active) {
  fw::OperatorInputs op;
  if (p_.scada) {
    p_.scada->writes.set_standby(!active);
    p_.scada->writes.take_requests(op);
  }
  op.import_limit_mw = p_.settings->import_limit_mw;
  op.manual_shed_mw = p_.settings->manual_shed_mw;
  op.scan_overrun = schedule_.overran();
  op.state_not_kept = state_not_kept_;
  op.peer_site_mismatch = p_.pair && p_.pair->peer_mismatch();
  op.event_journal_failed = p_.journal && p_.journal->failed();
  return op;
}

// Counted starts and stops reach the disk before the commands go out.
void ScanCycle::persist() {
  if (p_.keeper)
    state_not_kept_ = p_.keeper->after_step(*p_.controller, p_.counters->curtailed_mwh, now_);
}

void ScanCycle::account(double previous_s, bool active) {
  ShellCounters& c = *p_.counters;
  c.scans = static_cast<std::uint64_t>(scans_ + 1);
  c.overruns = static_cast<std::uint64_t>(schedule_.overruns());
  if (p_.pair) {
    c.redundancy_role = active ? 1 : 2;
    c.owner_epoch = p_.pair->epoch();
  }
  if (scans_ > 0 && active)
    c.curtailed_mwh += p_.controller->status().shed_mw * (now_ - previous_s) / 3600;
}

void ScanCycle::publish(bool active) {
  ScanRecord r;
  r.scan = scans_;
  r.now_s = now_;
  r.active = active;
  r.controller = p_.controller;
  r.commands = &commands_;
  r.image = &image_;
  r.io = p_.io;
  r.device_faults = p_.device_faults ? p_.device_faults() : nullptr;
  r.counters = p_.counters;
  r.settings = p_.settings;
  for (ScanPublisher* publisher : p_.publishers)
    publisher->publish(r);
  p_.controller->alarms().clear_events();
  p_.controller->log().clear();
  p_.io->clear_refusals();
  if (p_.clear_device_faults) p_.clear_device_faults();
}

void ScanCycle::schedule_next(const ScanTimes& times) {
  const auto deadline = schedule_.after_scan(scans_, times, ScanSchedule::Clock::now(), *p_.io);
  timer_.expires_at(deadline);
  timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) scan();
  });
}

}  // namespace runtime
