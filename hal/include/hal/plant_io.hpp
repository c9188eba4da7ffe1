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

  // Fencing, for a hot-standby pair (devices with an owner_epoch register): with
  // a non-zero epoch, every device is claimed with it before anything else is
  // written to it, and claimed again after a reconnection; 0 claims nothing. A
  // new epoch forgets what the devices were last told, so all is written anew.
  // A backend without devices to fence ignores it.
  virtual void set_owner_epoch(std::uint16_t /*epoch*/) {}
  // True once a device refused this backend as not its owner (another controller
  // claimed it with a higher epoch), since the last set_owner_epoch.
  virtual bool fenced() const { return false; }
  // The latest owner epoch the devices have shown in their read-backs (serial-number
  // order, hal::regs::epoch_after).
  virtual std::uint16_t highest_owner_epoch() const { return 0; }
  // Where the last read spent its time, as text for the slow-scan log (empty if
  // the backend has nothing to say). Builds text: not for every scan.
  virtual std::string describe_last_read() const { return {}; }
};

}  // namespace hal
