// The alarm catalogue and the ISA-18.2 alarm states. Delays follow ISA-18.2's
// advice (on-delays on process values that can chatter; none on discrete trips).
#include "fw/alarms.hpp"

namespace fw {

namespace {

using P = AlarmPriority;

// Indexed by AlarmId.
const AlarmInfo kCatalogue[kAlarmCount] = {
    {"frequency_low", P::kUrgent, 0.5, 5,
     "site bus frequency more than 0.5 Hz below nominal (59.5 Hz on a 60 Hz grid)",
     "check that units and battery are picking up load and that GPU load is being shed"},
    {"frequency_high", P::kHigh, 0.5, 5,
     "site bus frequency more than 0.5 Hz above nominal (60.5 Hz on a 60 Hz grid)",
     "check for a load rejection; units should be unloading"},
    {"grid_lost", P::kUrgent, 0, 5,
     "grid breaker open or utility supply dead: the site is islanded",
     "confirm with the utility; the controller resynchronises when the grid is stable"},
    {"import_over_limit", P::kHigh, 10, 10,
     "grid import above the contract, or above the operator's lower import limit",
     "check that units are starting and that GPU load is being shed"},
    {"emergency_shed", P::kHigh, 0, 10, "a contingency shed GPU load",
     "find the contingency (unit trip, grid loss) in the event log"},
    {"underfrequency_shed", P::kUrgent, 0, 10, "an under-frequency load-shedding stage acted",
     "the island lost generation faster than it could respond: check the units"},
    {"fail_safe", P::kUrgent, 0, 5,
     "critical measurements lost: the controller holds the units and caps as they are",
     "restore communications with the POI meter and relay"},
    {"unit_tripped", P::kHigh, 0, 5, "a turbine reports tripped",
     "find the trip cause on the unit; reset it when it is safe"},
    {"unit_comms_lost", P::kMedium, 2, 5, "a turbine controller does not answer",
     "check its network link and power"},
    {"poi_comms_lost", P::kHigh, 1, 5, "the POI meter and relay do not answer",
     "check its network link and power"},
    {"meter_suspect", P::kMedium, 5, 30,
     "the POI import reading disagrees with the power balance, or is frozen",
     "check the meter; the controller uses the balance estimate meanwhile"},
    {"pod_comms_lost", P::kMedium, 2, 5, "a GPU pod gateway does not answer",
     "the pod holds its last cap, then its safe cap: check the gateway"},
    {"battery_comms_lost", P::kMedium, 2, 5, "the battery controller does not answer",
     "check its network link and power"},
    {"battery_low", P::kMedium, 30, 60,
     "battery state of charge below the reserve kept for contingencies",
     "the controller recharges it when import allows; expect more shedding on a contingency"},
    {"start_blocked_by_permit", P::kLow, 0, 60,
     "a unit start was needed but the air permit's running or start limits, or the year's "
     "start pace, forbid it",
     "the battery and then GPU caps carry the load; review the permit budget and its pace "
     "(plantctl status)"},
    {"nox_near_cap", P::kMedium, 0, 3600, "rolling 12-month NOx above 90 % of the permit's cap",
     "plan unit running with the environmental team"},
    {"manual_mode", P::kLow, 0, 0, "the controller is in manual: its dispatch does not act",
     "return to automatic when manual work is done"},
    {"manual_shed", P::kLow, 0, 0, "an operator's manual shed level is holding GPU load back",
     "set the manual shed level to 0 when it is no longer needed"},
    {"scan_overrun", P::kLow, 0, 60, "a controller scan ran later than one scan period",
     "check the control PC's load"},
    {"state_not_kept", P::kHigh, 0, 60,
     "the permit counters could not be restored at start (conservative values in force) or "
     "cannot be saved",
     "see plantd's log: restore the state file from a backup, free the disk, or initialise "
     "the file on a new installation"},
    {"peer_site_mismatch", P::kHigh, 0, 10,
     "the hot-standby peer runs another site model (its site fingerprint differs): this "
     "node will not take over, not even when the peer falls silent",
     "see plantd's log for both models; make the two site files the same and restart the "
     "standby (docs/operations.md)"},
    {"event_journal_failed", P::kHigh, 0, 60,
     "the event journal (the audit trail or its refusals file) cannot be written: its records "
     "are being lost",
     "see plantd's log for the file and the error: free the disk or make the directory "
     "writable; the journal resumes by itself"},
    {"site_dark", P::kUrgent, 0, 5, "the site bus is dead while islanded: a blackout",
     "the controller starts only black-start units on a dead bus and closes onto the grid "
     "when it is back (dead-bus close); confirm with the utility, check the battery"},
    {"resync_failed", P::kHigh, 0, 10,
     "resynchronisation ended without the grid breaker closing; the event log says why",
     "bring the bus within 0.1 Hz of the grid or close the breaker by hand in manual; an "
     "Auto request re-arms the controller's resynchronisation"},
    {"signal_distrusted", P::kMedium, 0, 30,
     "the controller distrusts a signal: the POI breaker status, the grid-available signal, "
     "a frequency reading, the facility meter, the battery's power or state of charge, or a "
     "unit's power meter; the evidence (power flow, the other meters, the commands, the "
     "pods' power) contradicts it; the event log says which and why",
     "check the signal's transmitter and wiring; the controller uses the evidence meanwhile"},
};

// Which alarm's activity hides another's raise (a consequence, not a new fault).
AlarmId suppressing_cause(AlarmId id) {
  switch (id) {
    case AlarmId::kImportOverLimit:
      return AlarmId::kGridLost;  // no import to limit
    case AlarmId::kMeterSuspect:
      return AlarmId::kPoiCommsLost;
    case AlarmId::kBatteryLow:
      return AlarmId::kBatteryCommsLost;
    default:
      return AlarmId::kCount;
  }
}

}  // namespace

const AlarmInfo& alarm_info(AlarmId id) {
  return kCatalogue[static_cast<int>(id)];
}

const char* to_string(AlarmPriority p) {
  switch (p) {
    case AlarmPriority::kUrgent:
      return "urgent";
    case AlarmPriority::kHigh:
      return "high";
    case AlarmPriority::kMedium:
      return "medium";
    case AlarmPriority::kLow:
      return "low";
  }
  return "?";
}

const char* to_string(AlarmState s) {
  switch (s) {
    case AlarmState::kNormal:
      return "normal";
    case AlarmState::kUnacked:
      return "unacked";
    case AlarmState::kAcked:
      return "acked";
    case AlarmState::kClearedUnacked:
      return "cleared-unacked";
    case AlarmState::kShelved:
      return "shelved";
    case AlarmState::kSuppressed:
      return "suppressed";
  }
  return "?";
}

const char* to_string(AlarmAction a) {
  switch (a) {
    case AlarmAction::kRaised:
      return "raised";
    case AlarmAction::kCleared:
      return "cleared";
    case AlarmAction::kAcknowledged:
      return "acknowledged";
    case AlarmAction::kShelved:
      return "shelved";
    case AlarmAction::kUnshelved:
      return "unshelved";
    case AlarmAction::kShelveExpired:
      return "shelve-expired";
    case AlarmAction::kSuppressed:
      return "suppressed";
    case AlarmAction::kFloodStarted:
      return "flood-started";
    case AlarmAction::kFloodEnded:
      return "flood-ended";
  }
  return "?";
}

AlarmManager::AlarmManager(const site::Alarms& settings) : settings_(settings) {}

void AlarmManager::set_condition(AlarmId id, bool active, double now_s) {
  Alarm& a = alarms_[index(id)];
  if (active != a.condition || a.changed_s < 0) {
    a.condition = active;
    a.changed_s = now_s;
  }
  const AlarmInfo& info = alarm_info(id);
  if (a.condition && !a.active && now_s - a.changed_s >= info.on_delay_s) raise(id, now_s);
  if (!a.condition && a.active && now_s - a.changed_s >= info.off_delay_s) clear(id, now_s);
}

bool AlarmManager::suppressed_by_design(AlarmId id) const {
  const AlarmId cause = suppressing_cause(id);
  return cause != AlarmId::kCount && alarms_[index(cause)].active;
}

void AlarmManager::raise(AlarmId id, double now_s) {
  Alarm& a = alarms_[index(id)];
  a.active = true;
  const bool flood_hides = flood_ && alarm_info(id).priority >= AlarmPriority::kMedium;
  if (a.shelved_until_s >= 0) {
    emit(now_s, id, AlarmAction::kRaised);  // recorded, not annunciated
  } else if (suppressed_by_design(id) || flood_hides) {
    a.suppressed = true;
    ++suppressed_total_;
    refresh_state(id);
    emit(now_s, id, AlarmAction::kSuppressed);
  } else {
    annunciate(id, now_s);
  }
}

void AlarmManager::annunciate(AlarmId id, double now_s) {
  const bool first = at_rest();
  Alarm& a = alarms_[index(id)];
  a.suppressed = false;
  a.acked = false;
  ++raised_total_;
  if (first) first_out_ = id;
  raise_times_[(raise_head_ + raise_count_) % raise_times_.size()] = now_s;
  if (raise_count_ < raise_times_.size())
    ++raise_count_;
  else
    raise_head_ = (raise_head_ + 1) % raise_times_.size();
  refresh_state(id);
  emit(now_s, id, AlarmAction::kRaised, first);
}

void AlarmManager::clear(AlarmId id, double now_s) {
  Alarm& a = alarms_[index(id)];
  a.active = false;
  if (a.suppressed || a.shelved_until_s >= 0) a.acked = true;  // never shown: nothing to ack
  a.suppressed = false;
  refresh_state(id);
  emit(now_s, id, AlarmAction::kCleared);
}

void AlarmManager::update(double now_s) {
  for (int i = 0; i < kAlarmCount; ++i) {
    const auto id = static_cast<AlarmId>(i);
    Alarm& a = alarms_[index(id)];
    if (a.shelved_until_s >= 0 && now_s >= a.shelved_until_s) {
      a.shelved_until_s = -1;
      refresh_state(id);
      emit(now_s, id, AlarmAction::kShelveExpired);
      if (a.active) annunciate(id, now_s);
    }
  }
  // The flood window: annunciations older than it no longer count.
  while (raise_count_ > 0 && raise_times_[raise_head_] < now_s - settings_.flood_window_s) {
    raise_head_ = (raise_head_ + 1) % raise_times_.size();
    --raise_count_;
  }
  const auto rate = static_cast<int>(raise_count_);
  if (!flood_ && rate > settings_.flood_alarms) {  // ISA-18.2: more than 10 in 10 min
    flood_ = true;
    emit(now_s, AlarmId::kCount, AlarmAction::kFloodStarted);
  } else if (flood_ && rate < settings_.flood_alarms / 2) {
    flood_ = false;
    emit(now_s, AlarmId::kCount, AlarmAction::kFloodEnded);
  }
  // Suppressed alarms still active are shown once neither their cause nor a flood hides them.
  for (int i = 0; i < kAlarmCount; ++i) {
    const auto id = static_cast<AlarmId>(i);
    const Alarm& a = alarms_[index(id)];
    const bool flood_hides = flood_ && alarm_info(id).priority >= AlarmPriority::kMedium;
    if (a.active && a.suppressed && !suppressed_by_design(id) && !flood_hides)
      annunciate(id, now_s);
  }
  if (at_rest()) first_out_ = AlarmId::kCount;
}

bool AlarmManager::acknowledge(AlarmId id, double now_s) {
  Alarm& a = alarms_[index(id)];
  if (a.state != AlarmState::kUnacked && a.state != AlarmState::kClearedUnacked) return false;
  a.acked = true;
  refresh_state(id);
  emit(now_s, id, AlarmAction::kAcknowledged);
  if (at_rest()) first_out_ = AlarmId::kCount;
  return true;
}

int AlarmManager::acknowledge_all(double now_s) {
  int n = 0;
  for (int i = 0; i < kAlarmCount; ++i)
    n += acknowledge(static_cast<AlarmId>(i), now_s) ? 1 : 0;
  return n;
}

bool AlarmManager::shelve(AlarmId id, double duration_s, double now_s) {
  if (alarm_info(id).priority == AlarmPriority::kUrgent) return false;
  if (!(duration_s > 0) || duration_s > settings_.max_shelve_s) return false;
  Alarm& a = alarms_[index(id)];
  a.shelved_until_s = now_s + duration_s;
  a.acked = true;
  a.suppressed = false;
  refresh_state(id);
  emit(now_s, id, AlarmAction::kShelved);
  if (at_rest()) first_out_ = AlarmId::kCount;
  return true;
}

bool AlarmManager::unshelve(AlarmId id, double now_s) {
  Alarm& a = alarms_[index(id)];
  if (a.shelved_until_s < 0) return false;
  a.shelved_until_s = -1;
  refresh_state(id);
  emit(now_s, id, AlarmAction::kUnshelved);
  if (a.active) annunciate(id, now_s);
  return true;
}

void AlarmManager::refresh_state(AlarmId id) {
  Alarm& a = alarms_[index(id)];
  if (a.shelved_until_s >= 0)
    a.state = AlarmState::kShelved;
  else if (a.active && a.suppressed)
    a.state = AlarmState::kSuppressed;
  else if (a.active)
    a.state = a.acked ? AlarmState::kAcked : AlarmState::kUnacked;
  else
    a.state = a.acked ? AlarmState::kNormal : AlarmState::kClearedUnacked;
}

bool AlarmManager::at_rest() const {
  for (const Alarm& a : alarms_)
    if (a.state == AlarmState::kUnacked || a.state == AlarmState::kAcked ||
        a.state == AlarmState::kClearedUnacked)
      return false;
  return true;
}

int AlarmManager::active_count() const {
  int n = 0;
  for (const Alarm& a : alarms_)
    n += a.active ? 1 : 0;
  return n;
}

int AlarmManager::unacked_count() const {
  int n = 0;
  for (const Alarm& a : alarms_)
    n += a.state == AlarmState::kUnacked || a.state == AlarmState::kClearedUnacked ? 1 : 0;
  return n;
}

void AlarmManager::emit(double t_s, AlarmId id, AlarmAction action, bool first_out) {
  if (event_count_ == events_.size()) {
    ++events_dropped_;
    event_head_ = (event_head_ + 1) % events_.size();
    --event_count_;
  }
  AlarmEvent& e = events_[(event_head_ + event_count_) % events_.size()];
  e.t_s = t_s;
  e.id = id;
  e.action = action;
  e.state = id == AlarmId::kCount ? AlarmState::kNormal : alarms_[index(id)].state;
  e.first_out = first_out;
  ++event_count_;
}

const AlarmEvent& AlarmManager::event(std::size_t i) const {
  return events_[(event_head_ + i) % events_.size()];
}

}  // namespace fw
