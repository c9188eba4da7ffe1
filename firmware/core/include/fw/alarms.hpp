// Alarms, handled as ISA-18.2 (and EEMUA 191) describe: each alarm of the fixed
// catalogue below is raised when its condition has held for its on-delay and
// cleared when it has been gone for its off-delay (no chatter); the operator
// acknowledges, shelves for a while, and unshelves. Consequential alarms are
// suppressed by design while their cause is active; during a flood, new medium-
// and low-priority alarms are suppressed and counted; the first alarm raised
// with the annunciator at rest is the first-out until it comes to rest again.
//
// Pure and allocation-free after construction: the controller updates it in its
// step; the runtime drains its events to the journal and serves its states on
// the SCADA map. docs/operations.md lists the catalogue with operator responses.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "site/site.hpp"

namespace fw {

enum class AlarmId : std::uint8_t {
  kFrequencyLow,
  kFrequencyHigh,
  kGridLost,
  kImportOverLimit,
  kEmergencyShed,
  kUnderFrequencyShed,
  kFailSafe,
  kUnitTripped,
  kUnitCommsLost,
  kPoiCommsLost,
  kMeterSuspect,
  kPodCommsLost,
  kBatteryCommsLost,
  kBatteryLow,
  kStartBlockedByPermit,
  kNoxNearCap,
  kManualMode,
  kManualShed,
  kScanOverrun,
  kStateNotKept,
  kPeerSiteMismatch,
  kEventJournalFailed,
  kSiteDark,
  kResyncFailed,
  kSignalDistrusted,
  kCount
};
constexpr int kAlarmCount = static_cast<int>(AlarmId::kCount);

// ISA-18.2 recommends three or four priorities; 1 is the most urgent.
enum class AlarmPriority : std::uint8_t { kUrgent = 1, kHigh = 2, kMedium = 3, kLow = 4 };

// What the operator sees, as served on the SCADA map (one code per alarm).
enum class AlarmState : std::uint8_t {
  kNormal = 0,          // condition absent, nothing to acknowledge
  kUnacked = 1,         // active, not acknowledged
  kAcked = 2,           // active, acknowledged
  kClearedUnacked = 3,  // returned to normal, not acknowledged
  kShelved = 4,         // hidden by the operator until unshelved or the shelve expires
  kSuppressed = 5,      // active but hidden: by design (its cause is active) or by a flood
};

struct AlarmInfo {
  const char* name;  // "frequency_low"
  AlarmPriority priority;
  double on_delay_s;   // condition held this long before the alarm is raised
  double off_delay_s;  // condition gone this long before it clears
  const char* meaning;
  const char* response;  // what the operator should do
};

const AlarmInfo& alarm_info(AlarmId id);
// docs/alarms.md, from the catalogue.
std::string render_alarm_catalogue_markdown();
const char* to_string(AlarmPriority p);
const char* to_string(AlarmState s);

enum class AlarmAction : std::uint8_t {
  kRaised,
  kCleared,
  kAcknowledged,
  kShelved,
  kUnshelved,
  kShelveExpired,
  kSuppressed,  // raised while a cause or a flood hides it
  kFloodStarted,
  kFloodEnded,
};
const char* to_string(AlarmAction a);

struct AlarmEvent {
  double t_s = 0;
  AlarmId id = AlarmId::kCount;  // kCount for flood start and end
  AlarmAction action = AlarmAction::kRaised;
  AlarmState state = AlarmState::kNormal;  // after the action
  bool first_out = false;
};

class AlarmManager {
 public:
  explicit AlarmManager(const site::Alarms& settings);

  // The condition of an alarm this scan. Call for every alarm every scan, then update().
  void set_condition(AlarmId id, bool active, double now_s);
  // Shelve expiries, floods and by-design suppression; call once per scan.
  void update(double now_s);

  // Operator actions; false (nothing changed) when not possible: acknowledging an
  // alarm with nothing to acknowledge, shelving an urgent alarm or for longer
  // than max_shelve_s, unshelving one not shelved.
  bool acknowledge(AlarmId id, double now_s);
  int acknowledge_all(double now_s);  // how many were acknowledged
  bool shelve(AlarmId id, double duration_s, double now_s);
  bool unshelve(AlarmId id, double now_s);

  AlarmState state(AlarmId id) const { return alarms_[index(id)].state; }
  bool condition(AlarmId id) const { return alarms_[index(id)].condition; }
  // The first-out alarm, or kCount when the annunciator is at rest.
  AlarmId first_out() const { return first_out_; }
  bool flood() const { return flood_; }
  int active_count() const;   // raised and not cleared (acked, unacked, shelved, suppressed)
  int unacked_count() const;  // unacked or cleared-unacked
  std::uint64_t suppressed_total() const { return suppressed_total_; }
  std::uint64_t raised_total() const { return raised_total_; }

  // Events since the last clear_events(); the oldest are overwritten (and counted)
  // when the runtime does not drain them.
  std::size_t event_count() const { return event_count_; }
  const AlarmEvent& event(std::size_t i) const;
  void clear_events() { event_head_ = event_count_ = 0; }
  std::uint64_t events_dropped() const { return events_dropped_; }

 private:
  struct Alarm {
    bool condition = false;       // as set, before the delays
    double changed_s = -1;        // when `condition` last changed
    bool active = false;          // after the delays
    bool acked = true;            // nothing to acknowledge
    bool suppressed = false;      // active and hidden
    double shelved_until_s = -1;  // < 0: not shelved
    AlarmState state = AlarmState::kNormal;
  };
  static std::size_t index(AlarmId id) { return static_cast<std::size_t>(id); }
  void raise(AlarmId id, double now_s);
  void clear(AlarmId id, double now_s);
  void annunciate(AlarmId id, double now_s);
  bool suppressed_by_design(AlarmId id) const;
  void refresh_state(AlarmId id);
  void emit(double t_s, AlarmId id, AlarmAction action, bool first_out = false);
  bool at_rest() const;

  site::Alarms settings_;
  std::array<Alarm, kAlarmCount> alarms_{};
  AlarmId first_out_ = AlarmId::kCount;
  bool flood_ = false;
  // Annunciation times in the flood window: room for more than flood_alarms (at most 1000).
  std::array<double, 1001> raise_times_{};
  std::size_t raise_head_ = 0, raise_count_ = 0;
  std::uint64_t suppressed_total_ = 0, raised_total_ = 0;
  std::array<AlarmEvent, 256> events_{};
  std::size_t event_head_ = 0, event_count_ = 0;
  std::uint64_t events_dropped_ = 0;
};

}  // namespace fw
