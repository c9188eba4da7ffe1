#include "sim/modbus_request.hpp"

namespace sim {

namespace {
Reply to_bank(DeviceBank& bank, int device, ClientId client, const hal::pdu::Request& r,
              std::uint16_t* words) {
  switch (r.function) {
    case hal::pdu::kReadHolding:
      return bank.read(device, hal::regs::Table::kHolding, r.address, r.count, words);
    case hal::pdu::kReadInput:
      return bank.read(device, hal::regs::Table::kInput, r.address, r.count, words);
    default:  // 6 and 16: the decoder passes nothing else
      return bank.write(device, r.address, r.count, r.values.data(), client);
  }
}
}  // namespace

hal::pdu::Served serve_request(DeviceBank& bank, std::mutex* mutex, int device, ClientId client,
                               const hal::pdu::Request& request, std::uint16_t* words) {
  Reply reply;
  if (mutex) {
    const std::lock_guard<std::mutex> lock(*mutex);
    reply = to_bank(bank, device, client, request, words);
  } else {
    reply = to_bank(bank, device, client, request, words);
  }
  switch (reply.answer) {
    case Answer::kSilent:
      return {hal::pdu::Result::kSilent, 0};
    case Answer::kException:
      return {hal::pdu::Result::kException, reply.exception};
    case Answer::kOk:
      break;
  }
  return {hal::pdu::Result::kOk, 0};
}

}  // namespace sim
