// The supervisor and turbine machines against a hand-written copy of the spec (the
// independent truth): every (state, event) pair, the log entry each event leaves, the
// generated transition tables and docs, and no heap allocation in process().
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "alloc_counter.hpp"
#include "fw/event_log.hpp"
#include "fw/state_doc.hpp"
#include "fw/supervisor.hpp"
#include "fw/turbine_machine.hpp"

namespace {

using fw::Mode;
using fw::SupervisorEvent;
using fw::UnitEvent;
using fw::UnitState;
using SE = SupervisorEvent;
using UE = UnitEvent;

// ---- The spec, written out by hand ----------------------------------------------------

const std::vector<Mode> kAutomaticModes = {
    Mode::kInit,     Mode::kGridParallel,    Mode::kTurbineAssist,
    Mode::kIslanded, Mode::kResynchronising, Mode::kEmergencyShed};
const std::vector<Mode> kAllModes = {Mode::kInit,     Mode::kGridParallel,    Mode::kTurbineAssist,
                                     Mode::kIslanded, Mode::kResynchronising, Mode::kEmergencyShed,
                                     Mode::kFailSafe, Mode::kManual};
const std::vector<SE> kAllSupervisorEvents = {
    SE::kAdoptGridParallel, SE::kAdoptIslanded,     SE::kImportHigh,          SE::kImportNormal,
    SE::kGridLost,          SE::kGridStable,        SE::kGridUnstable,        SE::kBreakerClosed,
    SE::kContingency,       SE::kShedRecoveredGrid, SE::kShedRecoveredIsland, SE::kCriticalLost,
    SE::kCriticalRestored,  SE::kManualRequest,     SE::kAutoRequest};

// (mode, event) -> next mode; pairs not listed have no transition.
std::map<std::pair<Mode, SE>, Mode> supervisor_spec() {
  std::map<std::pair<Mode, SE>, Mode> t = {
      {{Mode::kInit, SE::kAdoptGridParallel}, Mode::kGridParallel},
      {{Mode::kInit, SE::kAdoptIslanded}, Mode::kIslanded},
      {{Mode::kGridParallel, SE::kImportHigh}, Mode::kTurbineAssist},
      {{Mode::kTurbineAssist, SE::kImportNormal}, Mode::kGridParallel},
      {{Mode::kGridParallel, SE::kGridLost}, Mode::kIslanded},
      {{Mode::kTurbineAssist, SE::kGridLost}, Mode::kIslanded},
      {{Mode::kResynchronising, SE::kGridLost}, Mode::kIslanded},
      {{Mode::kIslanded, SE::kGridStable}, Mode::kResynchronising},
      {{Mode::kResynchronising, SE::kGridUnstable}, Mode::kIslanded},
      {{Mode::kResynchronising, SE::kBreakerClosed}, Mode::kTurbineAssist},
      {{Mode::kGridParallel, SE::kContingency}, Mode::kEmergencyShed},
      {{Mode::kTurbineAssist, SE::kContingency}, Mode::kEmergencyShed},
      {{Mode::kIslanded, SE::kContingency}, Mode::kEmergencyShed},
      {{Mode::kResynchronising, SE::kContingency}, Mode::kEmergencyShed},
      {{Mode::kEmergencyShed, SE::kShedRecoveredGrid}, Mode::kTurbineAssist},
      {{Mode::kEmergencyShed, SE::kShedRecoveredIsland}, Mode::kIslanded},
      // Automatic is entered again at Init: no history.
      {{Mode::kFailSafe, SE::kCriticalRestored}, Mode::kInit},
      {{Mode::kFailSafe, SE::kManualRequest}, Mode::kManual},
      {{Mode::kManual, SE::kAutoRequest}, Mode::kInit},
  };
  for (Mode m : kAutomaticModes) {  // outer rows leave Automatic from any inner mode
    t[{m, SE::kCriticalLost}] = Mode::kFailSafe;
    t[{m, SE::kManualRequest}] = Mode::kManual;
  }
  return t;
}

// A documented path from the initial mode (Init) to each mode.
const std::map<Mode, std::vector<SE>> kSupervisorPath = {
    {Mode::kInit, {}},
    {Mode::kGridParallel, {SE::kAdoptGridParallel}},
    {Mode::kTurbineAssist, {SE::kAdoptGridParallel, SE::kImportHigh}},
    {Mode::kIslanded, {SE::kAdoptIslanded}},
    {Mode::kResynchronising, {SE::kAdoptIslanded, SE::kGridStable}},
    {Mode::kEmergencyShed, {SE::kAdoptGridParallel, SE::kContingency}},
    {Mode::kFailSafe, {SE::kCriticalLost}},
    {Mode::kManual, {SE::kManualRequest}},
};

const std::vector<UnitState> kAllUnitStates = {UnitState::kOff, UnitState::kStarting,
                                               UnitState::kOnline, UnitState::kCooling,
                                               UnitState::kLockout};
const std::vector<UE> kAllUnitEvents = {UE::kStartCmd,     UE::kRunning,     UE::kStartFailed,
                                        UE::kStopCmd,      UE::kStopped,     UE::kTrip,
                                        UE::kReset,        UE::kAdoptOnline, UE::kAdoptStarting,
                                        UE::kAdoptCooling, UE::kAdoptLockout};

const std::map<std::pair<UnitState, UE>, UnitState> kTurbineSpec = {
    {{UnitState::kOff, UE::kStartCmd}, UnitState::kStarting},
    {{UnitState::kOff, UE::kAdoptOnline}, UnitState::kOnline},
    {{UnitState::kOff, UE::kAdoptStarting}, UnitState::kStarting},
    {{UnitState::kOff, UE::kAdoptCooling}, UnitState::kCooling},
    {{UnitState::kOff, UE::kAdoptLockout}, UnitState::kLockout},
    {{UnitState::kStarting, UE::kRunning}, UnitState::kOnline},
    {{UnitState::kStarting, UE::kStartFailed}, UnitState::kLockout},
    {{UnitState::kStarting, UE::kStopCmd}, UnitState::kCooling},
    {{UnitState::kOnline, UE::kStopCmd}, UnitState::kCooling},
    {{UnitState::kOnline, UE::kTrip}, UnitState::kLockout},
    {{UnitState::kCooling, UE::kStopped}, UnitState::kOff},
    {{UnitState::kCooling, UE::kTrip}, UnitState::kLockout},
    {{UnitState::kLockout, UE::kReset}, UnitState::kCooling},
};

const std::map<UnitState, std::vector<UE>> kTurbinePath = {
    {UnitState::kOff, {}},
    {UnitState::kStarting, {UE::kStartCmd}},
    {UnitState::kOnline, {UE::kStartCmd, UE::kRunning}},
    {UnitState::kCooling, {UE::kStartCmd, UE::kRunning, UE::kStopCmd}},
    {UnitState::kLockout, {UE::kStartCmd, UE::kStartFailed}},
};

template <class E>
std::uint8_t code(E e) {
  return static_cast<std::uint8_t>(e);
}

using RowSet = std::multiset<std::tuple<std::string, std::string, std::string, std::string>>;

RowSet as_set(const std::vector<fw::TransitionRow>& rows) {
  RowSet s;
  for (const auto& r : rows)
    s.emplace(r.machine, r.from, r.event, r.to);
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("The hand-written lists cover every enumerator", "[state_machines]") {
  // to_string falls back to "?" past the last enumerator; a new one must join the lists.
  CHECK(std::string(fw::to_string(static_cast<Mode>(kAllModes.size()))) == "?");
  CHECK(std::string(fw::to_string(static_cast<SE>(kAllSupervisorEvents.size()))) == "?");
  CHECK(std::string(fw::to_string(static_cast<UnitState>(kAllUnitStates.size()))) == "?");
  CHECK(std::string(fw::to_string(static_cast<UE>(kAllUnitEvents.size()))) == "?");
  for (std::size_t i = 0; i < kAllModes.size(); ++i)
    CHECK(std::size_t{code(kAllModes[i])} == i);
  for (std::size_t i = 0; i < kAllSupervisorEvents.size(); ++i)
    CHECK(std::size_t{code(kAllSupervisorEvents[i])} == i);
  for (std::size_t i = 0; i < kAllUnitStates.size(); ++i)
    CHECK(std::size_t{code(kAllUnitStates[i])} == i);
  for (std::size_t i = 0; i < kAllUnitEvents.size(); ++i)
    CHECK(std::size_t{code(kAllUnitEvents[i])} == i);
}

TEST_CASE("to_string names the enumerators without k", "[state_machines]") {
  CHECK(std::string(fw::to_string(Mode::kResynchronising)) == "Resynchronising");
  CHECK(std::string(fw::to_string(Mode::kFailSafe)) == "FailSafe");
  CHECK(std::string(fw::to_string(SE::kAdoptGridParallel)) == "AdoptGridParallel");
  CHECK(std::string(fw::to_string(SE::kShedRecoveredIsland)) == "ShedRecoveredIsland");
  CHECK(std::string(fw::to_string(UnitState::kLockout)) == "Lockout");
  CHECK(std::string(fw::to_string(UE::kAdoptStarting)) == "AdoptStarting");
}

TEST_CASE("Supervisor: every (mode, event) pair follows the spec", "[state_machines]") {
  const auto spec = supervisor_spec();
  for (Mode from : kAllModes) {
    for (SE ev : kAllSupervisorEvents) {
      INFO("mode " << fw::to_string(from) << ", event " << fw::to_string(ev));
      fw::EventLog log;
      fw::Supervisor sup(log);
      REQUIRE(sup.mode() == Mode::kInit);
      for (SE step : kSupervisorPath.at(from))
        REQUIRE(sup.process(step, 0.0, "path"));
      REQUIRE(sup.mode() == from);
      log.clear();

      const bool moved = sup.process(ev, 12.5, "the cause");
      const auto it = spec.find({from, ev});
      const bool expected = it != spec.end();
      const Mode to = expected ? it->second : from;
      CHECK(moved == expected);
      CHECK(sup.mode() == to);

      REQUIRE(log.size() == 1);
      const fw::LogEntry& e = log.at(0);
      CHECK(e.t_s == 12.5);
      CHECK(e.machine == fw::MachineId::kSupervisor);
      CHECK(e.index == -1);
      CHECK(e.from == code(from));
      CHECK(e.to == code(to));
      CHECK(e.event == code(ev));
      CHECK(e.transition == expected);
      CHECK(std::string(e.cause.data()) == "the cause");
    }
  }
}

TEST_CASE("Supervisor: outer events pass through Automatic, unknown ones log once",
          "[state_machines]") {
  fw::EventLog log;
  fw::Supervisor sup(log);
  REQUIRE(sup.process(SE::kAdoptGridParallel, 1, "adopt"));
  // The submachine knows GridStable but not in GridParallel; the outer machine has no row.
  CHECK_FALSE(sup.process(SE::kGridStable, 2, "noise"));
  // The submachine has no CriticalLost row at all; the outer machine handles it.
  CHECK(sup.process(SE::kCriticalLost, 3, "meters lost"));
  CHECK(sup.mode() == Mode::kFailSafe);
  CHECK(sup.process(SE::kCriticalRestored, 4, "meters back"));
  CHECK(sup.mode() == Mode::kInit);  // no history
  REQUIRE(log.size() == 4);
  CHECK_FALSE(log.at(1).transition);
  CHECK(log.at(1).from == log.at(1).to);
  CHECK(log.at(2).transition);
  CHECK(log.at(2).from == code(Mode::kGridParallel));
  CHECK(log.at(2).to == code(Mode::kFailSafe));
  CHECK(log.at(3).to == code(Mode::kInit));
}

TEST_CASE("Turbine: every (state, event) pair follows the spec", "[state_machines]") {
  for (UnitState from : kAllUnitStates) {
    for (UE ev : kAllUnitEvents) {
      INFO("state " << fw::to_string(from) << ", event " << fw::to_string(ev));
      fw::EventLog log;
      fw::TurbineMachine unit(log, 7);
      REQUIRE(unit.state() == UnitState::kOff);
      for (UE step : kTurbinePath.at(from))
        REQUIRE(unit.process(step, 1.0, "path"));
      REQUIRE(unit.state() == from);
      log.clear();

      const bool moved = unit.process(ev, 30.0, "unit said so");
      const auto it = kTurbineSpec.find({from, ev});
      const bool expected = it != kTurbineSpec.end();
      const UnitState to = expected ? it->second : from;
      CHECK(moved == expected);
      CHECK(unit.state() == to);
      CHECK(unit.since_s() == (expected ? 30.0 : (from == UnitState::kOff ? 0.0 : 1.0)));

      REQUIRE(log.size() == 1);
      const fw::LogEntry& e = log.at(0);
      CHECK(e.t_s == 30.0);
      CHECK(e.machine == fw::MachineId::kTurbine);
      CHECK(e.index == 7);
      CHECK(e.from == code(from));
      CHECK(e.to == code(to));
      CHECK(e.event == code(ev));
      CHECK(e.transition == expected);
      CHECK(std::string(e.cause.data()) == "unit said so");
    }
  }
}

TEST_CASE("Turbine machines move with their state", "[state_machines]") {
  fw::EventLog log;
  std::vector<fw::TurbineMachine> units;
  for (int i = 0; i < 4; ++i)
    units.emplace_back(log, i);  // reallocation moves them
  REQUIRE(units[2].process(UE::kStartCmd, 5, "start"));
  fw::TurbineMachine moved = std::move(units[2]);
  CHECK(moved.state() == UnitState::kStarting);
  CHECK(moved.since_s() == 5);
  units[2] = std::move(moved);
  REQUIRE(units[2].process(UE::kRunning, 9, "online"));
  CHECK(units[2].state() == UnitState::kOnline);
  CHECK(units[1].state() == UnitState::kOff);
  REQUIRE(log.size() == 2);
  CHECK(log.at(1).index == 2);
}

TEST_CASE("transition_table() lists exactly the spec's rows", "[state_machines]") {
  using R = RowSet::value_type;
  const RowSet supervisor = {
      R{"Supervisor", "Automatic", "CriticalLost", "FailSafe"},
      R{"Supervisor", "FailSafe", "CriticalRestored", "Automatic"},
      R{"Supervisor", "Automatic", "ManualRequest", "Manual"},
      R{"Supervisor", "FailSafe", "ManualRequest", "Manual"},
      R{"Supervisor", "Manual", "AutoRequest", "Automatic"},
      R{"Automatic", "Init", "AdoptGridParallel", "GridParallel"},
      R{"Automatic", "Init", "AdoptIslanded", "Islanded"},
      R{"Automatic", "GridParallel", "ImportHigh", "TurbineAssist"},
      R{"Automatic", "TurbineAssist", "ImportNormal", "GridParallel"},
      R{"Automatic", "GridParallel", "GridLost", "Islanded"},
      R{"Automatic", "TurbineAssist", "GridLost", "Islanded"},
      R{"Automatic", "Resynchronising", "GridLost", "Islanded"},
      R{"Automatic", "Islanded", "GridStable", "Resynchronising"},
      R{"Automatic", "Resynchronising", "GridUnstable", "Islanded"},
      R{"Automatic", "Resynchronising", "BreakerClosed", "TurbineAssist"},
      R{"Automatic", "GridParallel", "Contingency", "EmergencyShed"},
      R{"Automatic", "TurbineAssist", "Contingency", "EmergencyShed"},
      R{"Automatic", "Islanded", "Contingency", "EmergencyShed"},
      R{"Automatic", "Resynchronising", "Contingency", "EmergencyShed"},
      R{"Automatic", "EmergencyShed", "ShedRecoveredGrid", "TurbineAssist"},
      R{"Automatic", "EmergencyShed", "ShedRecoveredIsland", "Islanded"},
  };
  CHECK(as_set(fw::Supervisor::transition_table()) == supervisor);

  RowSet turbine;
  for (const auto& [key, to] : kTurbineSpec) {
    turbine.emplace("Turbine", fw::to_string(key.first), fw::to_string(key.second),
                    fw::to_string(to));
  }
  CHECK(as_set(fw::TurbineMachine::transition_table()) == turbine);
}

TEST_CASE("docs/state-machines.md is generated from the machines", "[state_machines]") {
  const std::string rendered = fw::render_state_machines_markdown();
  CHECK(rendered.find("[*] --> Automatic") != std::string::npos);
  CHECK(rendered.find("[*] --> Init") != std::string::npos);
  CHECK(rendered.find("[*] --> Off") != std::string::npos);

  const std::string committed =
      read_file(std::string(PLANT_SOURCE_DIR) + "/docs/state-machines.md");
  INFO(
      "docs/state-machines.md is stale; regenerate with "
      "build/ci/tools/statedoc/statedoc > docs/state-machines.md");
  CHECK(committed == rendered);
}

TEST_CASE("process() makes no heap allocation", "[state_machines]") {
  // Visits every mode and unit state, with events that have no transition in between.
  const SE sup_cycle[] = {
      SE::kAdoptGridParallel, SE::kImportHigh,    SE::kImportNormal, SE::kContingency,
      SE::kShedRecoveredGrid, SE::kGridLost,      SE::kGridStable,   SE::kGridUnstable,
      SE::kGridStable,        SE::kBreakerClosed, SE::kCriticalLost, SE::kGridLost,
      SE::kCriticalRestored,  SE::kManualRequest, SE::kCriticalLost, SE::kAutoRequest};
  const UE unit_cycle[] = {UE::kStartCmd, UE::kRunning,       UE::kTrip,    UE::kReset,
                           UE::kStopped,  UE::kAdoptStarting, UE::kStopCmd, UE::kTrip,
                           UE::kRunning,  UE::kReset,         UE::kStopped};
  constexpr std::size_t kSup = sizeof(sup_cycle) / sizeof(sup_cycle[0]);
  constexpr std::size_t kUnit = sizeof(unit_cycle) / sizeof(unit_cycle[0]);

  const long before_construct = alloc_counter::allocations();
  fw::EventLog log(256);  // small: the ring wraps and drops during the run
  fw::Supervisor sup(log);
  fw::TurbineMachine unit(log, 0);
  REQUIRE(alloc_counter::allocations() > before_construct);  // the counter sees the pimpls

  const long before = alloc_counter::allocations();
  std::size_t transitions = 0;
  for (int i = 0; i < 10000; ++i) {
    const auto n = static_cast<std::size_t>(i);
    transitions += sup.process(sup_cycle[n % kSup], i * 0.1, "cycle") ? 1 : 0;
    transitions += unit.process(unit_cycle[n % kUnit], i * 0.1, "cycle") ? 1 : 0;
  }
  const long after = alloc_counter::allocations();

  CHECK(after - before == 0);
  CHECK(log.total() == 20000);
  CHECK(log.dropped() == 20000 - 256);
  CHECK(transitions > 10000);
}
