// The outcome of a command sent to a simulated device, as a real device would answer.
#pragma once

namespace sim {

enum class CommandResult {
  kAccepted,
  kOutOfRange,    // value outside what the device accepts; nothing changed
  kNotPermitted,  // not allowed in the device's present state; nothing changed
  kNoResponse,    // the device is not answering (gateway lost)
};

const char* to_string(CommandResult r);

}  // namespace sim
