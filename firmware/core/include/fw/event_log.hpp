// The controller's record of what its state machines did and why.
//
// A fixed-capacity ring filled during a scan and drained by the runtime after it:
// no allocation in steady state. An entry that does not fit is counted in
// `dropped()`, never lost without trace.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace fw {

enum class MachineId : std::uint8_t { kSupervisor, kTurbine, kController };

struct LogEntry {
  double t_s = 0;
  MachineId machine = MachineId::kController;
  std::int16_t index = -1;  // turbine number; -1 for site-wide machines
  std::uint8_t from = 0;    // state codes of the machine (see its to_string)
  std::uint8_t to = 0;
  std::uint8_t event = 0;
  bool transition = false;  // false: the event was not handled in `from`
  std::array<char, 72> cause{};
};

class EventLog {
 public:
  explicit EventLog(std::size_t capacity = 4096);

  void add(double t_s, MachineId machine, int index, std::uint8_t from, std::uint8_t to,
           std::uint8_t event, bool transition, const char* cause);
  // A controller message with no state change (a shed, a refused start ...).
  void note(double t_s, int index, const char* cause);

  std::size_t size() const { return count_; }
  const LogEntry& at(std::size_t i) const;  // 0 = oldest kept
  void clear() {
    head_ = 0;
    count_ = 0;
  }
  std::uint64_t total() const { return total_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  std::vector<LogEntry> ring_;
  std::size_t head_ = 0, count_ = 0;
  std::uint64_t total_ = 0, dropped_ = 0;
};

// One line of text for an entry ("t=12.30 s unit 3: Starting -> Online on Running
// (unit reports online)"). Allocates: for the shells, never inside the step.
std::string describe(const LogEntry& e);

}  // namespace fw
