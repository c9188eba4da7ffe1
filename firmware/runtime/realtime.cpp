#include "realtime.hpp"

#include <sched.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace runtime {

bool enter_realtime(int priority, std::string& error) {
  const int lowest = sched_get_priority_min(SCHED_FIFO),
            highest = sched_get_priority_max(SCHED_FIFO);
  if (priority < lowest || priority > highest) {
    error = "real-time priority " + std::to_string(priority) + " is outside " +
            std::to_string(lowest) + ".." + std::to_string(highest);
    return false;
  }
  sched_param param{};
  param.sched_priority = priority;
  if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) {
    error = std::string("SCHED_FIFO priority ") + std::to_string(priority) + ": " +
            std::strerror(errno) +
            " (run as root, or give the service CAP_SYS_NICE: systemd "
            "AmbientCapabilities=CAP_SYS_NICE CAP_IPC_LOCK)";
    return false;
  }
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    error = std::string("mlockall: ") + std::strerror(errno) +
            " (give the service CAP_IPC_LOCK or LimitMEMLOCK=infinity)";
    sched_param normal{};
    sched_setscheduler(0, SCHED_OTHER, &normal);  // all or nothing
    return false;
  }
  return true;
}

}  // namespace runtime
