// plantd's SCADA register tables (hal/registers scada_map), filled after every
// scan from the process image, the controller and the shell's counters. The
// registers are looked up by name once; an update allocates nothing. Throws
// std::invalid_argument when the site has more units than the map has blocks.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "fw/controller.hpp"
#include "hal/process_image.hpp"
#include "hal/registers.hpp"
#include "hal/server_counters.hpp"
#include "site/site.hpp"

namespace runtime {

// The shell's own figures, beside the controller's.
struct ShellCounters {
  std::uint64_t scans = 0;
  std::uint64_t overruns = 0;
  double curtailed_mwh = 0;
  int redundancy_role = 0;  // 0 a single controller, 1 active, 2 standby
  std::uint16_t owner_epoch = 0;
  hal::server::Counters scada;  // the SCADA server's own
};

// The operator's held settings, as last accepted over SCADA.
struct OperatorSettings {
  double import_limit_mw = 0;  // 0: the contract
  double manual_shed_mw = 0;
  double shelve_duration_s = 3600;
};
// The settings at start: the defaults, with the shelve time (an hour) within the
// site's longest shelve.
OperatorSettings initial_settings(const site::Site& site);

class ScadaImage {
 public:
  explicit ScadaImage(const site::Site& site);

  void update(const hal::ProcessImage& image, const fw::Controller& controller,
              const OperatorSettings& settings, const ShellCounters& counters);

  std::array<std::uint16_t, hal::regs::kScadaRegisters>& input() { return input_; }
  std::array<std::uint16_t, hal::regs::kScadaRegisters>& holding() { return holding_; }
  // Values that did not fit their register (the register kept its last value).
  std::uint64_t encode_failures() const { return encode_failures_; }

 private:
  using Table = std::array<std::uint16_t, hal::regs::kScadaRegisters>;
  // Names resolved to registers once, in the order update() fills them.
  enum Field : int {
    kScanCounter,
    kMode,
    kStatus,
    kImport,
    kContract,
    kLimitInForce,
    kBusHz,
    kGridHz,
    kSiteLoad,
    kTurbinePower,
    kShed,
    kBatteryPower,
    kSoc,
    kUnitsOnline,
    kUnitsStarting,
    kUnitCount,
    kItPower,
    kItCompute,
    kCurtailed,
    kNox,
    kNoxCap,
    kScans,
    kOverruns,
    kUfls,
    kRedundancyRole,
    kOwnerEpoch,
    kPermitYearDay,
    kStartsUsed,
    kStartsAllowed,
    kStartsBudget,
    kScadaClients,
    kScadaConnections,
    kScadaRefused,
    kScadaEvicted,
    kScadaClosedIdle,
    kScadaClosedSlow,
    kScadaBadFrames,
    kScadaExceptions,
    kScadaAcceptErrors,
    kAlarmsActive,
    kAlarmsUnacked,
    kFirstOut,
    kSuppressed,
    kAlarmCount,
    kAlarmState,
    kUnitStatus,
    kUnitState,
    kUnitPower,
    kUnitSetpoint,
    kUnitStarts,
    kUnitStops,
    kClassPower,
    kClassCap,
    kClassCompute,
    kClassLost,
    kClassPods,
    kImportLimit,
    kManualShed,
    kShelveDuration,
    kFieldCount
  };
  void put(Table& table, Field f, double value, int item = 0);

  const site::Site& site_;
  std::array<const hal::regs::Register*, kFieldCount> regs_{};

  std::array<std::uint16_t, hal::regs::kScadaRegisters> input_{}, holding_{};
  std::vector<int> pod_class_;       // per pod: 0 inference, 1 training, 2 batch
  std::vector<double> pod_compute_;  // per pod, MW
  double it_compute_mw_ = 0;
  std::uint64_t encode_failures_ = 0;
};

}  // namespace runtime
