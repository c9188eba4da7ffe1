// One Modbus request answered from a DeviceBank: what the TCP and the RTU servers
// share once each has framed a request and found its device. Function codes 3 and
// 4 read, 6 and 16 write; any other gets exception 1. libmodbus builds the answer
// (modbus_reply from the register mapping, or modbus_reply_exception), framed for
// the context's transport (MBAP header on TCP, slave id and CRC on RTU).
#pragma once

#include <modbus/modbus.h>

#include <cstdint>
#include <mutex>

#include "sim/device_bank.hpp"

namespace sim {

// What a server has seen; `connections` stays 0 on RTU (a serial line has none).
struct ServerStats {
  std::uint64_t requests = 0, exceptions = 0, unanswered = 0, bad_frames = 0, connections = 0;
};

// Registers in each table of a server's mapping: every map's addresses fit below this.
constexpr int kMappingRegisters = 256;

// A mapping for answer_request: kMappingRegisters holding and input registers.
modbus_mapping_t* new_request_mapping();

// Answers `adu` (the whole request as libmodbus frames it for `ctx`: header, then
// `pdu_length` bytes of PDU from the function code on, then on RTU the CRC) for
// `device` of `bank` from `client` (for the owner rule), through `ctx`. With `mutex`, holds it
// while the bank is read or written (not while the answer is sent). Returns what the device did:
// answered, answered with an exception, or kept silent (nothing sent).
Answer answer_request(DeviceBank& bank, std::mutex* mutex, int device, ClientId client,
                      const std::uint8_t* adu, int adu_length, int pdu_length, modbus_t* ctx,
                      modbus_mapping_t* mapping);

}  // namespace sim
