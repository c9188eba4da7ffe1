// The one interface between the controller's scan and the plant.
#pragma once

#include <cstdint>
#include <string>

#include "hal/commands.hpp"
#include "hal/process_image.hpp"

namespace hal {

// A device's refusal of a write, for the runtime's log (never silently dropped).
struct WriteRefusal {
  const char* device_kind;  // "turbine", "pod", "battery", "poi"
  int index;
  const char* what;  // "setpoint_mw", "cap_mw", "start" ...
  double value;
  const char* reason;  // "out_of_range", "not_permitted", "no_response"
};

class PlantIo {
 public:
  virtual ~PlantIo() = default;
  // Fills the image: every signal's value, stamp and quality, as of `now_s`.
  virtual void read(ProcessImage& image, double now_s) = 0;
  // Applies the commands; refusals are counted and reported through `refusals()`.
  virtual void write(const Commands& commands, double now_s) = 0;
  // Refusals since the last call to `clear_refusals()`.
  virtual int refusal_count() const = 0;
  virtual const WriteRefusal& refusal(int i) const = 0;
  virtual void clear_refusals() = 0;
};

}  // namespace hal
