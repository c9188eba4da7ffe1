// One scan, top to bottom, every period on absolute deadlines (an Asio steady
// timer on the loop that also serves SCADA and the heartbeat between scans):
//
//   read      the process image from the backend
//   role      a hot-standby pair's role for this scan (active or standby)
//   operator  SCADA's one-shot requests and the held settings
//   step      the controller's pure step (active only)
//   persist   counted starts and stops reach the disk before the commands go out
//   write     the commands to the backend (active only)
//   account   the scan and curtailment counters
//   publish   every ScanPublisher, then the drained events are cleared
//   schedule  the next deadline, overruns and slow scans
#pragma once

#include <asio.hpp>
#include <functional>
#include <string>
#include <vector>

#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/plant_io.hpp"
#include "hal/process_image.hpp"
#include "scada_service.hpp"
#include "scan_publishers.hpp"
#include "scan_schedule.hpp"
#include "standby_node.hpp"
#include "state_keeper.hpp"

namespace runtime {

// What the cycle works with. Optional parts are null when not in use.
struct ScanParts {
  const site::Site* site = nullptr;
  hal::PlantIo* io = nullptr;
  fw::Controller* controller = nullptr;
  OperatorSettings* settings = nullptr;
  ShellCounters* counters = nullptr;
  ScadaService* scada = nullptr;
  StandbyNode* pair = nullptr;
  StateKeeper* keeper = nullptr;
  EventJournal* journal = nullptr;  // a pair's changes of role; its failure alarm
  std::vector<ScanPublisher*> publishers;
  // The controller time of scan n (and moves a simulated plant along to it).
  std::function<double(long long)> clock;
  // The backend's fault lines since the last scan (null function: none), and
  // their drain once published.
  std::function<const std::vector<std::string>*()> device_faults;
  std::function<void()> clear_device_faults;
};

class ScanCycle {
 public:
  // `duration_s` > 0: stop once the controller time reaches it.
  ScanCycle(asio::io_context& loop, ScanParts parts, double period_wall_s, double duration_s);

  // Schedules the first scan; the loop's run() then scans until stop().
  void start();
  void stop();

  double now() const { return now_; }  // the last scan's controller time
  const double& now_ref() const { return now_; }
  long long scans() const { return scans_; }
  const ScanSchedule& schedule() const { return schedule_; }

 private:
  void scan();
  void read_inputs();
  bool decide_role();
  fw::OperatorInputs operator_inputs(bool active);
  void persist();
  void account(double previous_s, bool active);
  void publish(bool active);
  void schedule_next(const ScanTimes& times);

  asio::io_context& loop_;
  ScanParts p_;
  hal::ProcessImage image_;
  hal::Commands commands_;
  ScanSchedule schedule_;
  asio::steady_timer timer_;
  double duration_s_;
  double now_ = 0;
  long long scans_ = 0;
  bool stopping_ = false, state_not_kept_ = false;
};

}  // namespace runtime
