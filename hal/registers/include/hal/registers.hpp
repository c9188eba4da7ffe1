// The Modbus register map of each device type, declared once. The same tables
// drive the simulator's device servers (sim/devices), the controller's Modbus
// client (hal/modbus), `plantctl regs` and docs/register-maps.md (generated; a
// test fails when it is stale).
//
// Conventions (docs/register-maps.md says them again):
// - 32-bit values use two registers, high word first (big-endian word order).
// - Powers are signed kW (scale 0.001 MW), frequencies mHz, per-unit values 1e-4.
// - Every device has a device heartbeat (input register 0, counts up once a second
//   of device time) and a controller heartbeat (holding register 0, written by the
//   controller each scan; a pod gateway whose controller heartbeat stops for its
//   timeout goes to its safe cap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hal::regs {

enum class Table : std::uint8_t { kHolding, kInput };
enum class Type : std::uint8_t { kU16, kI16, kU32, kI32 };
enum class Access : std::uint8_t { kRead, kReadWrite, kWrite };

// kPlantController is plantd itself, served to SCADA (scada_map.cpp).
enum class DeviceKind : std::uint8_t { kPoi, kTurbine, kPodGateway, kBattery, kPlantController };

// One bit of a status or command word.
struct Bit {
  int bit;
  const char* name;
  const char* meaning;
};

struct Register {
  const char* name;  // e.g. "import_mw"; unique within its device map
  Table table;
  std::uint16_t address;  // 0-based protocol address
  Type type;
  double scale;      // engineering value = raw * scale
  const char* unit;  // of the engineering value
  Access access;
  const char* meaning;
  std::vector<Bit> bits;  // for status and command words; empty otherwise
  // A register repeated for each of up to `count` items (units, classes, alarms),
  // item i at address + i * stride.
  std::uint16_t count = 1;
  std::uint16_t stride = 0;
  std::uint16_t address_of(int item) const {
    return static_cast<std::uint16_t>(address + item * stride);
  }
};

struct DeviceMap {
  DeviceKind kind;
  const char* name;  // "poi", "turbine", "pod_gateway", "battery"
  const char* meaning;
  std::vector<Register> registers;
  const Register* find(const std::string& name) const;  // nullptr when absent
};

const DeviceMap& device_map(DeviceKind kind);
// The plant's devices (not plantd's own map).
const std::vector<const DeviceMap*>& all_maps();
// plantd's map for SCADA and HMIs (docs/operations.md).
const DeviceMap& scada_map();
// Holding and input registers the SCADA map spans (its highest address + 1).
constexpr int kScadaRegisters = 1300;
const char* to_string(Table t);
const char* to_string(Type t);
const char* to_string(Access a);

int words(Type t);  // 1 or 2

// Engineering value to raw words. False (words untouched) when the value does not
// fit the register's type after scaling, or is not finite: never clamped.
bool encode(const Register& r, double value, std::uint16_t* out);
// Whether encode() would carry `value` exactly: finite, a whole number of the
// register's steps (its scale, up to floating-point rounding) and within its type.
// A tool that writes what an operator typed refuses anything else, never rounds.
bool encodes_exactly(const Register& r, double value);
// What encodes_exactly() accepts, for messages: "whole numbers from 0 to 65535",
// "multiples of 0.001 from -2147483.648 to 2147483.647".
std::string allowed_values(const Register& r);
// Raw words to engineering value.
double decode(const Register& r, const std::uint16_t* in);

// The Modbus exception codes our devices answer with (Modbus Application Protocol
// v1.1b3, section 7).
enum class Exception : std::uint8_t {
  kIllegalFunction = 0x01,
  kIllegalDataAddress = 0x02,
  kIllegalDataValue = 0x03,  // out of range: nothing changed
  kServerDeviceFailure = 0x04,
  kServerDeviceBusy = 0x06,  // not permitted in the device's present state
};

// Owner epochs (the owner_epoch register of every device map) are 16-bit serial
// numbers, compared as RFC 1982 says, so that the sequence never runs out: 1
// follows 65535 (0 is skipped: it means "no owner"). `a` is after `b` when it is
// less than half the circle (32768) ahead; any epoch is after 0; exactly half
// way round is neither before nor after. The devices, the Modbus backend and the
// pair's role logic all compare with this one function.
constexpr bool epoch_after(std::uint16_t a, std::uint16_t b) {
  if (a == 0) return false;
  if (b == 0) return true;
  const auto ahead = static_cast<std::uint16_t>(a - b);
  return ahead != 0 && ahead < 0x8000;
}
// The epoch after `e`: e + 1, wrapping past 65535 to 1.
constexpr std::uint16_t epoch_next(std::uint16_t e) {
  return e == 0xFFFF ? 1 : static_cast<std::uint16_t>(e + 1);
}

// Markdown for docs/register-maps.md, from the tables.
std::string render_register_maps_markdown();

}  // namespace hal::regs
