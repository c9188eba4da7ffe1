// Any bytes as a Modbus TCP stream to plantsim's devices: framed as the TCP
// server core frames it, each whole frame decoded, served and encoded by the same
// code the servers use. A malformed frame ends the stream, as it closes the
// connection there.
#include <array>
#include <cstddef>
#include <cstdint>

#include "hal/mbap.hpp"
#include "hal/modbus_pdu.hpp"
#include "sim/device_bank.hpp"
#include "sim/modbus_request.hpp"
#include "sim/plant.hpp"
#include "site/load.hpp"

namespace {
struct Fixture {
  site::Site site =
      *site::load_site_file(std::string(PLANT_SOURCE_DIR) + "/config/colossus-100k.toml").site;
  sim::Plant plant{site, sim::PlantOptions{0.01, 1}};
  sim::DeviceBank bank{plant};
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  std::size_t at = 0;
  while (true) {
    const hal::mbap::Frame frame = hal::mbap::check_frame(data + at, size - at);
    if (frame.status != hal::mbap::Status::kWhole) break;
    const std::uint8_t* adu = data + at;
    const int unit = adu[6];  // gateway layout: unit id n is device n - 1 on the first port
    if (unit >= 1 && unit <= f.bank.size()) {
      std::array<std::uint8_t, hal::pdu::kMaxPduBytes> reply{};
      hal::pdu::Served served;
      hal::pdu::answer(
          adu + hal::mbap::kHeaderBytes, frame.bytes - hal::mbap::kHeaderBytes,
          hal::pdu::kTableRegisters,
          [&](const hal::pdu::Request& r, std::uint16_t* words) {
            return sim::serve_request(f.bank, nullptr, unit - 1, 1, r, words);
          },
          reply.data(), served);
    }
    at += frame.bytes;
  }
  return 0;
}
