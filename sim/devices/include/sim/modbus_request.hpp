// One Modbus request served from a DeviceBank: what the TCP and the RTU servers
// share once each has framed a request, decoded it (hal/modbus_pdu.hpp, which
// also encodes the answer) and found its device. Function codes 3 and 4 read, 6
// and 16 write; the bank answers exception 2 for an address that is not one of
// the device's registers, whatever the address (no table of 256 in between).
#pragma once

#include <cstdint>
#include <mutex>

#include "hal/modbus_pdu.hpp"
#include "sim/device_bank.hpp"

namespace sim {

// What a server has seen; the connection counts stay 0 on RTU (a serial line has
// none). docs/modbus.md says what each means.
struct ServerStats {
  std::uint64_t requests = 0, exceptions = 0, unanswered = 0, bad_frames = 0, connections = 0,
                refused = 0, evicted = 0, closed_idle = 0, closed_slow = 0, accept_errors = 0;
};

// Serves `request` (decoded) for `device` of `bank` from `client` (for the owner
// rule): a read fills `words` (request.count of them), a write applies. With
// `mutex`, holds it while the bank is read or written.
hal::pdu::Served serve_request(DeviceBank& bank, std::mutex* mutex, int device, ClientId client,
                               const hal::pdu::Request& request, std::uint16_t* words);

}  // namespace sim
