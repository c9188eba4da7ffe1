// The suite's scenario files, loaded and run in virtual time, and what their logs say.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "scenario_run.hpp"
#include "sim/scenario.hpp"

namespace test {

inline sim::ScenarioLoad load_scenario(const std::string& file) {
  const std::string path = std::string(PLANT_SOURCE_DIR) + "/scenarios/" + file;
  sim::ScenarioLoad loaded = sim::load_scenario_file(path);
  for (const auto& d : loaded.errors)
    INFO(d.str());
  REQUIRE(loaded.errors.empty());
  return loaded;
}

inline scenario::RunResult run_scenario(const std::string& file) {
  sim::ScenarioLoad loaded = load_scenario(file);
  return scenario::run_scenario(*loaded.scenario, *loaded.site, scenario::RunOptions{});
}

inline void require_invariants(const std::string& file, const scenario::RunResult& r) {
  for (const scenario::Invariant& i : r.invariants) {
    INFO(file << ": " << i.name << ": " << i.detail);
    CHECK(i.pass);
  }
}

// Log lines holding every one of the texts.
inline int log_count(const scenario::RunResult& r, const std::string& a,
                     const std::string& b = "") {
  int n = 0;
  for (const std::string& line : r.log)
    n += line.find(a) != std::string::npos && line.find(b) != std::string::npos ? 1 : 0;
  return n;
}

}  // namespace test
