// Alarm handling against the ISA-18.2 state model: delays, acknowledgement,
// return to normal, shelving, suppression by design, floods and first-out.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fw/alarms.hpp"

namespace {

using fw::AlarmAction;
using fw::AlarmId;
using fw::AlarmManager;
using fw::AlarmState;

// Every alarm's condition false but `on`, as the controller sets them each scan.
void scan(AlarmManager& m, double t, std::vector<AlarmId> on) {
  for (int i = 0; i < fw::kAlarmCount; ++i) {
    const auto id = static_cast<AlarmId>(i);
    bool active = false;
    for (AlarmId a : on)
      active |= a == id;
    m.set_condition(id, active, t);
  }
  m.update(t);
}

std::vector<AlarmAction> actions_of(const AlarmManager& m, AlarmId id) {
  std::vector<AlarmAction> out;
  for (std::size_t i = 0; i < m.event_count(); ++i)
    if (m.event(i).id == id) out.push_back(m.event(i).action);
  return out;
}

}  // namespace

TEST_CASE("an alarm is raised after its on-delay and cleared after its off-delay", "[alarms]") {
  AlarmManager m(site::Alarms{});
  const AlarmId id = AlarmId::kImportOverLimit;
  const fw::AlarmInfo& info = fw::alarm_info(id);
  REQUIRE(info.on_delay_s == 10);
  scan(m, 0, {id});
  scan(m, info.on_delay_s - 0.1, {id});
  CHECK(m.state(id) == AlarmState::kNormal);
  scan(m, info.on_delay_s, {id});
  CHECK(m.state(id) == AlarmState::kUnacked);
  CHECK(m.first_out() == id);
  CHECK(m.acknowledge(id, 11));
  CHECK(m.state(id) == AlarmState::kAcked);
  CHECK_FALSE(m.acknowledge(id, 11));  // nothing left to acknowledge
  scan(m, 20, {});
  scan(m, 20 + info.off_delay_s - 0.1, {});
  CHECK(m.state(id) == AlarmState::kAcked);
  scan(m, 20 + info.off_delay_s, {});
  CHECK(m.state(id) == AlarmState::kNormal);  // acknowledged while active: back to normal
  CHECK(m.first_out() == AlarmId::kCount);
  CHECK(actions_of(m, id) == std::vector<AlarmAction>{AlarmAction::kRaised,
                                                      AlarmAction::kAcknowledged,
                                                      AlarmAction::kCleared});
}

TEST_CASE("a condition that chatters faster than the on-delay never raises", "[alarms]") {
  AlarmManager m(site::Alarms{});
  const AlarmId id = AlarmId::kImportOverLimit;  // 10 s on-delay
  for (int k = 0; k < 100; ++k)
    scan(m, k * 1.0, k % 5 == 4 ? std::vector<AlarmId>{} : std::vector<AlarmId>{id});
  CHECK(m.state(id) == AlarmState::kNormal);
  CHECK(m.raised_total() == 0);
}

TEST_CASE("an alarm that clears unacknowledged waits for its acknowledgement", "[alarms]") {
  AlarmManager m(site::Alarms{});
  const AlarmId id = AlarmId::kUnitTripped;  // no on-delay, 5 s off-delay
  scan(m, 0, {id});
  CHECK(m.state(id) == AlarmState::kUnacked);
  scan(m, 1, {});
  scan(m, 6, {});
  CHECK(m.state(id) == AlarmState::kClearedUnacked);
  CHECK(m.unacked_count() == 1);
  CHECK(m.first_out() == id);  // not at rest until acknowledged
  CHECK(m.acknowledge(id, 7));
  CHECK(m.state(id) == AlarmState::kNormal);
  scan(m, 8, {});
  CHECK(m.first_out() == AlarmId::kCount);
}

TEST_CASE("shelving hides an alarm until it is unshelved or the shelve expires", "[alarms]") {
  site::Alarms settings;
  settings.max_shelve_s = 600;
  AlarmManager m(settings);
  CHECK_FALSE(m.shelve(AlarmId::kFrequencyLow, 60, 0));   // urgent: never shelved
  CHECK_FALSE(m.shelve(AlarmId::kPodCommsLost, 601, 0));  // longer than allowed
  CHECK_FALSE(m.unshelve(AlarmId::kPodCommsLost, 0));     // not shelved
  REQUIRE(m.shelve(AlarmId::kPodCommsLost, 300, 0));
  const AlarmId id = AlarmId::kPodCommsLost;  // 2 s on-delay
  scan(m, 10, {id});
  scan(m, 12, {id});
  CHECK(m.state(id) == AlarmState::kShelved);
  CHECK(m.raised_total() == 0);  // not annunciated
  CHECK(m.unacked_count() == 0);
  scan(m, 299, {id});
  CHECK(m.state(id) == AlarmState::kShelved);
  scan(m, 300, {id});  // the shelve expires with the condition still active
  CHECK(m.state(id) == AlarmState::kUnacked);
  CHECK(m.raised_total() == 1);
  REQUIRE(m.shelve(id, 60, 301));
  CHECK(m.state(id) == AlarmState::kShelved);
  REQUIRE(m.unshelve(id, 302));
  CHECK(m.state(id) == AlarmState::kUnacked);  // still active: annunciated again
}

TEST_CASE("a consequential alarm is suppressed while its cause is active", "[alarms]") {
  AlarmManager m(site::Alarms{});
  // Grid lost, then the import alarm's condition comes true: it is a consequence.
  scan(m, 0, {AlarmId::kGridLost});
  for (double t = 1; t <= 20; t += 1)
    scan(m, t, {AlarmId::kGridLost, AlarmId::kImportOverLimit});
  CHECK(m.state(AlarmId::kImportOverLimit) == AlarmState::kSuppressed);
  CHECK(m.suppressed_total() == 1);
  // The grid returns (5 s off-delay) with import still over the limit: now it is shown.
  for (double t = 21; t <= 27; t += 1)
    scan(m, t, {AlarmId::kImportOverLimit});
  CHECK(m.state(AlarmId::kGridLost) == AlarmState::kClearedUnacked);
  CHECK(m.state(AlarmId::kImportOverLimit) == AlarmState::kUnacked);
  CHECK(m.first_out() == AlarmId::kGridLost);
}

TEST_CASE("during a flood new medium and low alarms are suppressed, high ones are not",
          "[alarms]") {
  site::Alarms settings;
  settings.flood_alarms = 4;
  settings.flood_window_s = 100;
  AlarmManager m(settings);
  // Four alarms with no on-delay in one scan: as many as the threshold, no flood.
  std::vector<AlarmId> burst = {AlarmId::kGridLost, AlarmId::kEmergencyShed, AlarmId::kUnitTripped,
                                AlarmId::kManualMode};
  scan(m, 0, burst);
  CHECK_FALSE(m.flood());
  // A fifth is more than the threshold: the flood starts.
  burst.push_back(AlarmId::kScanOverrun);
  scan(m, 0.5, burst);
  CHECK(m.flood());
  CHECK(m.first_out() == AlarmId::kGridLost);  // catalogue order within one scan
  std::vector<AlarmId> more = burst;
  more.push_back(AlarmId::kManualShed);          // low
  more.push_back(AlarmId::kNoxNearCap);          // medium
  more.push_back(AlarmId::kStateNotKept);        // high
  more.push_back(AlarmId::kUnderFrequencyShed);  // urgent
  scan(m, 1, more);
  CHECK(m.state(AlarmId::kManualShed) == AlarmState::kSuppressed);
  CHECK(m.state(AlarmId::kNoxNearCap) == AlarmState::kSuppressed);
  CHECK(m.state(AlarmId::kStateNotKept) == AlarmState::kUnacked);
  CHECK(m.state(AlarmId::kUnderFrequencyShed) == AlarmState::kUnacked);
  CHECK(m.first_out() == AlarmId::kGridLost);
  // The window passes: the rate falls below half the threshold, the flood ends and
  // the alarm it hid, still active, is annunciated.
  scan(m, 101.5, more);
  CHECK_FALSE(m.flood());
  CHECK(m.state(AlarmId::kManualShed) == AlarmState::kUnacked);
  bool started = false, ended = false;
  for (std::size_t i = 0; i < m.event_count(); ++i) {
    started |= m.event(i).action == AlarmAction::kFloodStarted;
    ended |= m.event(i).action == AlarmAction::kFloodEnded;
  }
  CHECK(started);
  CHECK(ended);
}

TEST_CASE("acknowledge all, and the annunciator comes to rest", "[alarms]") {
  AlarmManager m(site::Alarms{});
  scan(m, 0, {AlarmId::kUnitTripped, AlarmId::kManualMode});
  CHECK(m.unacked_count() == 2);
  CHECK(m.acknowledge_all(1) == 2);
  CHECK(m.unacked_count() == 0);
  CHECK(m.active_count() == 2);
  scan(m, 10, {});
  scan(m, 15, {});  // the longest off-delay of the two, 5 s
  CHECK(m.active_count() == 0);
  CHECK(m.first_out() == AlarmId::kCount);
}

TEST_CASE("alarm events beyond the ring's capacity are counted, not lost silently", "[alarms]") {
  site::Alarms settings;
  settings.flood_alarms = 1000;  // no flood: 60 raises per window
  AlarmManager m(settings);
  for (int k = 0; k < 300; ++k) {
    scan(m, k * 10.0, {AlarmId::kManualMode});  // raised (no delays)
    scan(m, k * 10.0 + 5, {});                  // cleared (no delays)
  }
  CHECK(m.event_count() == 256);
  CHECK(m.events_dropped() == 2 * 300 - 256);  // each cycle: raised, cleared
}

TEST_CASE("docs/alarms.md is generated from the catalogue", "[alarms][docs]") {
  std::ifstream in(std::string(PLANT_SOURCE_DIR) + "/docs/alarms.md");
  std::stringstream committed;
  committed << in.rdbuf();
  INFO("regenerate with: build/ci/tools/statedoc/statedoc --alarms > docs/alarms.md");
  CHECK(committed.str() == fw::render_alarm_catalogue_markdown());
}

TEST_CASE("every alarm in the catalogue has a unique name, a priority and delays", "[alarms]") {
  for (int i = 0; i < fw::kAlarmCount; ++i) {
    const fw::AlarmInfo& a = fw::alarm_info(static_cast<AlarmId>(i));
    INFO(a.name);
    CHECK(a.on_delay_s >= 0);
    CHECK(a.off_delay_s >= 0);
    CHECK(std::string(a.response).size() > 10);
    for (int j = 0; j < i; ++j)
      CHECK(std::string(a.name) != fw::alarm_info(static_cast<AlarmId>(j)).name);
  }
}
