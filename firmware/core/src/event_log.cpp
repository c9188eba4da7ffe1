#include "fw/event_log.hpp"

#include <cstring>

namespace fw {

EventLog::EventLog(std::size_t capacity) : ring_(capacity > 0 ? capacity : 1) {}

void EventLog::add(double t_s, MachineId machine, int index, std::uint8_t from, std::uint8_t to,
                   std::uint8_t event, bool transition, const char* cause) {
  ++total_;
  if (count_ == ring_.size()) {
    // Full: the oldest entry the runtime has not drained is overwritten, and counted.
    ++dropped_;
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }
  LogEntry& e = ring_[(head_ + count_) % ring_.size()];
  e.t_s = t_s;
  e.machine = machine;
  e.index = static_cast<std::int16_t>(index);
  e.from = from;
  e.to = to;
  e.event = event;
  e.transition = transition;
  std::strncpy(e.cause.data(), cause ? cause : "", e.cause.size() - 1);
  e.cause.back() = '\0';
  ++count_;
}

void EventLog::note(double t_s, int index, const char* cause) {
  add(t_s, MachineId::kController, index, 0, 0, 0, false, cause);
}

const LogEntry& EventLog::at(std::size_t i) const {
  return ring_[(head_ + i) % ring_.size()];
}

}  // namespace fw
