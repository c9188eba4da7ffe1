// Who hears of each scan once it is done: the log, the event journal, the SCADA
// image, systemd and a hot-standby peer. Each is one ScanPublisher; the scan
// cycle calls them in turn with the same record, then drains what they read.
#pragma once

#include <string>
#include <vector>

#include "event_journal.hpp"
#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/plant_io.hpp"
#include "hal/process_image.hpp"
#include "refusal_audit.hpp"
#include "scada_image.hpp"
#include "scada_service.hpp"
#include "service_notify.hpp"
#include "standby_node.hpp"

namespace runtime {

// What one scan leaves for its publishers. The controller's alarm events and log
// entries, the devices' write refusals and the backend's fault lines are drained
// by the cycle after every publisher has seen them.
struct ScanRecord {
  long long scan = 0;  // this scan's number, from 0
  double now_s = 0;    // its controller time
  bool active = true;  // it stepped and wrote (false: a hot standby)
  fw::Controller* controller = nullptr;
  const hal::Commands* commands = nullptr;
  const hal::ProcessImage* image = nullptr;
  const hal::PlantIo* io = nullptr;
  const std::vector<std::string>* device_faults = nullptr;  // null: the backend has none
  const ShellCounters* counters = nullptr;
  const OperatorSettings* settings = nullptr;
};

class ScanPublisher {
 public:
  virtual ~ScanPublisher() = default;
  virtual void publish(const ScanRecord& scan) = 0;
};

// spdlog: alarms, transitions and notes, device faults, and a status line every
// `status_every_s` of controller time.
class LogPublisher : public ScanPublisher {
 public:
  LogPublisher(double scan_period_s, double status_every_s, const StandbyNode* pair);
  void publish(const ScanRecord& scan) override;

 private:
  long long status_every_scans_;
  const StandbyNode* pair_;
};

// The event journal (the audit trail): the same events, and the breaker and unit
// commands.
class JournalPublisher : public ScanPublisher {
 public:
  explicit JournalPublisher(EventJournal& journal) : journal_(journal) {}
  void publish(const ScanRecord& scan) override;

 private:
  EventJournal& journal_;
};

// The tables SCADA reads between scans.
class ScadaImagePublisher : public ScanPublisher {
 public:
  explicit ScadaImagePublisher(ScadaService& scada) : scada_(scada) {}
  void publish(const ScanRecord& scan) override;

 private:
  ScadaService& scada_;
};

// systemd: READY after the first scan, then the watchdog.
class NotifierPublisher : public ScanPublisher {
 public:
  NotifierPublisher(ServiceNotifier& notifier, double scan_period_s)
      : notifier_(notifier), scan_period_s_(scan_period_s) {}
  void publish(const ScanRecord& scan) override;

 private:
  ServiceNotifier& notifier_;
  double scan_period_s_;
};

// Writes the devices refused: logged and journalled within the refusal audit's
// limit, and the summaries of its windows that have ended.
class RefusalPublisher : public ScanPublisher {
 public:
  explicit RefusalPublisher(RefusalAudit& refusals) : refusals_(refusals) {}
  void publish(const ScanRecord& scan) override;

 private:
  RefusalAudit& refusals_;
};

// The hot-standby peer: this node's heartbeat.
class HeartbeatPublisher : public ScanPublisher {
 public:
  HeartbeatPublisher(StandbyNode& pair, double save_interval_s)
      : pair_(pair), save_interval_s_(save_interval_s) {}
  void publish(const ScanRecord& scan) override;

 private:
  StandbyNode& pair_;
  double save_interval_s_;
};

}  // namespace runtime
