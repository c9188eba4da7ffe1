// A plant, the HAL's simulator backend and a controller, scanned by hand: for
// tests that need to look at one scan's commands.
#pragma once

#include "fw/controller.hpp"
#include "hal/commands.hpp"
#include "hal/process_image.hpp"
#include "sim/plant.hpp"
#include "sim_io.hpp"

namespace test {

struct ClosedLoop {
  ClosedLoop(const site::Site& s, std::uint64_t seed = 1)
      : site(s),
        plant(site, sim::PlantOptions{0.01, seed}),
        io(plant),
        image(site),
        commands(site),
        controller(site, fw::PermitUsage{}) {}

  // One scan: read, step, write; then the plant runs to the next scan.
  void scan() {
    io.read(image, plant.time_s());
    controller.step(image, op, plant.time_s(), commands);
    op.manual_request = op.auto_request = false;  // one-shots
    io.write(commands, plant.time_s());
    controller.log().clear();
    io.clear_refusals();
    for (int i = 0; i < 10; ++i)
      plant.step();
  }
  void run_for(double seconds) {
    for (int i = 0; i < static_cast<int>(seconds * 10 + 0.5); ++i)
      scan();
  }

  site::Site site;
  sim::Plant plant;
  hal::SimIo io;
  hal::ProcessImage image;
  hal::Commands commands;
  fw::Controller controller;
  fw::OperatorInputs op;  // held settings stay; one-shots are cleared after each scan
};

}  // namespace test
