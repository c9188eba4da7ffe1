// Real-time scheduling for the scan loop, as a facility control PC runs a
// controller: SCHED_FIFO at a fixed priority, so that no ordinary process (a
// backup, a log shipper, a browser on the HMI) delays a scan, and every page
// locked in memory, so that no scan waits on a page fault. Threads created after
// the call (the Modbus backend's workers) inherit the policy.
#pragma once

#include <string>

namespace runtime {

// priority: 1..99 (SCHED_FIFO). False, with `error` saying why and what to do,
// when the process may not (it needs CAP_SYS_NICE and, for the lock, CAP_IPC_LOCK
// or a large enough RLIMIT_MEMLOCK).
bool enter_realtime(int priority, std::string& error);

}  // namespace runtime
