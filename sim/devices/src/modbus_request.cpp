#include "sim/modbus_request.hpp"

namespace sim {

namespace {
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

// The bank's part of a request: fills `mapping` for a read, applies a write.
Reply to_bank(DeviceBank& bank, int device, ClientId client, const std::uint8_t* pdu,
              int pdu_length, modbus_mapping_t* mapping) {
  const std::uint8_t function = pdu[0];
  const std::uint16_t address = pdu_length >= 3 ? be16(&pdu[1]) : 0;
  switch (function) {
    case MODBUS_FC_READ_HOLDING_REGISTERS:
    case MODBUS_FC_READ_INPUT_REGISTERS: {
      const std::uint16_t count = pdu_length >= 5 ? be16(&pdu[3]) : 0;
      if (count < 1 || count > MODBUS_MAX_READ_REGISTERS || address + count > kMappingRegisters)
        return {Answer::kException, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE};
      const bool holding = function == MODBUS_FC_READ_HOLDING_REGISTERS;
      std::uint16_t* table = holding ? mapping->tab_registers : mapping->tab_input_registers;
      return bank.read(device, holding ? hal::regs::Table::kHolding : hal::regs::Table::kInput,
                       address, count, table + address);
    }
    case MODBUS_FC_WRITE_SINGLE_REGISTER: {
      if (pdu_length < 5) return {Answer::kException, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE};
      const std::uint16_t value = be16(&pdu[3]);
      return bank.write(device, address, 1, &value, client);
    }
    case MODBUS_FC_WRITE_MULTIPLE_REGISTERS: {
      const std::uint16_t count = pdu_length >= 6 ? be16(&pdu[3]) : 0;
      if (count < 1 || count > MODBUS_MAX_WRITE_REGISTERS || pdu[5] != count * 2 ||
          6 + count * 2 > pdu_length || address + count > kMappingRegisters)
        return {Answer::kException, MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE};
      std::uint16_t values[MODBUS_MAX_WRITE_REGISTERS];
      for (int i = 0; i < count; ++i)
        values[i] = be16(&pdu[6 + 2 * i]);
      return bank.write(device, address, count, values, client);
    }
    default:
      return {Answer::kException, MODBUS_EXCEPTION_ILLEGAL_FUNCTION};
  }
}
}  // namespace

modbus_mapping_t* new_request_mapping() {
  return modbus_mapping_new(0, 0, kMappingRegisters, kMappingRegisters);
}

Answer answer_request(DeviceBank& bank, std::mutex* mutex, int device, ClientId client,
                      const std::uint8_t* adu, int adu_length, int pdu_length, modbus_t* ctx,
                      modbus_mapping_t* mapping) {
  const std::uint8_t* pdu = adu + modbus_get_header_length(ctx);
  Reply reply;
  if (mutex) {
    const std::lock_guard<std::mutex> lock(*mutex);
    reply = to_bank(bank, device, client, pdu, pdu_length, mapping);
  } else {
    reply = to_bank(bank, device, client, pdu, pdu_length, mapping);
  }
  switch (reply.answer) {
    case Answer::kSilent:
      break;  // the device does not answer; the client times out
    case Answer::kException:
      modbus_reply_exception(ctx, adu, reply.exception);
      break;
    case Answer::kOk:
      modbus_reply(ctx, adu, adu_length, mapping);  // frames the answer from the mapping
      break;
  }
  return reply.answer;
}

}  // namespace sim
