// Applies a scenario's events to a plant at their times and records what each did.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/command.hpp"
#include "sim/plant.hpp"
#include "sim/scenario.hpp"

namespace sim {

struct AppliedEvent {
  double at_s;
  const Event* event;
  CommandResult result;  // for commands; kAccepted for faults
  std::string text;      // one line for a log
};

class ScenarioPlayer {
 public:
  ScenarioPlayer(Plant& plant, const Scenario& scenario);

  // Sets the initial conditions on a plant that has not stepped yet.
  void initialise();
  // Applies every event due at the plant's present time.
  void apply_due();
  // Runs to the end: apply due events, step, repeat. `on_step` is called after each step.
  template <class OnStep>
  void run(OnStep&& on_step) {
    const auto steps = static_cast<long long>(scenario_.duration_s / plant_.step_s() + 0.5);
    for (long long i = 0; i < steps; ++i) {
      apply_due();
      plant_.step();
      on_step(plant_);
    }
  }

  const std::vector<AppliedEvent>& applied() const { return applied_; }

 private:
  CommandResult apply(const Event& e);

  Plant& plant_;
  const Scenario& scenario_;
  std::size_t next_ = 0;
  std::vector<AppliedEvent> applied_;
};

}  // namespace sim
