// Any bytes as a Modbus TCP stream to plantsim's devices: framed as the TCP
// server frames it, each whole frame answered by the same code the servers use.
// A malformed frame ends the stream, as it closes the connection there.
#include <modbus/modbus.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hal/mbap.hpp"
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
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", 0);  // never connected: answers go nowhere
  modbus_mapping_t* mapping = sim::new_request_mapping();
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  std::size_t at = 0;
  while (true) {
    const long whole = hal::mbap::frame_bytes(data + at, size - at);
    if (whole <= 0) break;
    std::array<std::uint8_t, hal::mbap::kMaxAduBytes> frame{};
    std::memcpy(frame.data(), data + at, static_cast<std::size_t>(whole));
    const int unit = frame[6];  // gateway layout: unit id n is device n - 1 on the first port
    if (unit >= 1 && unit <= f.bank.size())
      sim::answer_request(f.bank, nullptr, unit - 1, 1, frame.data(), static_cast<int>(whole),
                          static_cast<int>(whole) - static_cast<int>(hal::mbap::kHeaderBytes),
                          f.ctx, f.mapping);
    at += static_cast<std::size_t>(whole);
  }
  return 0;
}
