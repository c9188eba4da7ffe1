#include "hal/process_image.hpp"

namespace hal {

const char* to_string(Quality q) {
  switch (q) {
    case Quality::kGood:
      return "good";
    case Quality::kStale:
      return "stale";
    case Quality::kCommsLost:
      return "comms_lost";
    case Quality::kOutOfRange:
      return "out_of_range";
  }
  return "?";
}

const char* to_string(TurbineStatus s) {
  switch (s) {
    case TurbineStatus::kOff:
      return "off";
    case TurbineStatus::kStarting:
      return "starting";
    case TurbineStatus::kLoading:
      return "loading";
    case TurbineStatus::kOnline:
      return "online";
    case TurbineStatus::kStopping:
      return "stopping";
    case TurbineStatus::kCooldown:
      return "cooldown";
    case TurbineStatus::kTripped:
      return "tripped";
  }
  return "?";
}

ProcessImage::ProcessImage(const site::Site& site)
    : turbines(static_cast<size_t>(site.turbine_count())),
      pods(static_cast<size_t>(site.pod_count())),
      has_battery(site.has_battery) {}

}  // namespace hal
