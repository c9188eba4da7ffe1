// The simulated plant's devices as Modbus register banks, by the register maps
// in hal/registers: what plantsim's servers answer, with no socket in sight (so
// it is unit-tested directly).
//
// Device-side behaviour as real devices have it: writes out of range are refused
// with exception 3 and change nothing; a command not possible in the device's
// state with exception 6; a pod gateway whose controller heartbeat stops for its
// timeout takes its safe cap; a silent device (a scenario fault) does not answer.
// Fencing for a hot-standby pair: a device with an owner (register owner_epoch)
// takes writes only from the client, a TCP connection or the serial line, that
// claimed it with the highest epoch; others get exception 1.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "hal/registers.hpp"
#include "sim/plant.hpp"

namespace sim {

struct DeviceId {
  hal::regs::DeviceKind kind;
  int index;  // unit or pod number; 0 for the POI and the battery
};

// What a request got: 0 = answered, an exception code, or no answer at all.
enum class Answer : std::uint8_t { kOk, kException, kSilent };

struct Reply {
  Answer answer = Answer::kOk;
  std::uint8_t exception = 0;
};

// Who sent a request: a server's number for the TCP connection (from 1), or 0 for
// a serial line (which has one master).
using ClientId = std::uint64_t;

// A device changed owner: for the server's log (the fencing audit).
struct OwnerChange {
  int device;
  std::uint16_t from_epoch, to_epoch;
  ClientId from_client, to_client;
};

class DeviceBank {
 public:
  explicit DeviceBank(Plant& plant);

  int size() const { return static_cast<int>(devices_.size()); }
  const DeviceId& device(int i) const { return devices_[static_cast<size_t>(i)]; }
  // -1 when the site has no such device.
  int find(hal::regs::DeviceKind kind, int index) const;

  // Function codes 3 (holding) and 4 (input): `count` registers from `address`.
  Reply read(int device, hal::regs::Table table, std::uint16_t address, std::uint16_t count,
             std::uint16_t* out);
  // Function codes 6 and 16: holding registers only. Each register the request
  // touches must be written whole. All or nothing: the owner rule and every value
  // are checked first, and a request refused for any of them changes nothing.
  Reply write(int device, std::uint16_t address, std::uint16_t count, const std::uint16_t* values,
              ClientId client = 0);

  // Owner changes since the last clear (claims, releases), and writes refused
  // because another client owns the device.
  const std::vector<OwnerChange>& owner_changes() const { return owner_changes_; }
  void clear_owner_changes() { owner_changes_.clear(); }
  std::uint64_t fenced_writes() const { return fenced_writes_; }

  // How late the device answers now (a scenario's device_slow fault), in seconds.
  double delay_s(int device) const;

  // Device-side timers: call after each plant step (cheap when nothing is due).
  void tick();

 private:
  struct PodGatewayState {
    double safe_cap_mw = 0;
    std::uint16_t timeout_s = 0;
    double last_heartbeat_s = 0;
    bool safe_cap_active = false;
  };
  double value_of(int device, const hal::regs::Register& r) const;
  std::uint8_t check(int device, const hal::regs::Register& r, double value) const;
  std::uint8_t apply(int device, const hal::regs::Register& r, double value);
  int device_number(const DeviceId& d) const;  // index into Plant's measurement devices

  Plant& plant_;
  std::vector<DeviceId> devices_;
  std::vector<std::uint16_t> controller_heartbeat_;
  std::unordered_map<std::string, int> point_index_;
  std::vector<PodGatewayState> gateways_;
  struct Owner {
    std::uint16_t epoch = 0;  // 0: none
    ClientId client = 0;
  };
  std::vector<Owner> owners_;
  std::vector<OwnerChange> owner_changes_;
  std::uint64_t fenced_writes_ = 0;
  double next_watch_s_ = 0;
};

}  // namespace sim
