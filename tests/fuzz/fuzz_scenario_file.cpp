// Any bytes as a scenario file (on the 100k site): errors, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const sim::ScenarioLoad r = sim::load_scenario_string(
      text, "fuzz.toml", std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml");
  if (r.scenario.has_value() == !r.errors.empty()) __builtin_trap();
  return 0;
}
