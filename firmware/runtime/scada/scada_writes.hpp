// What a SCADA write may do, and doing it. A write is refused, with the Modbus
// exception a client can act on and a reason for the audit log, when:
//   - the client's address is not in [scada] write_allow       -> 1 illegal function
//   - this node is a hot standby (the active takes the writes) -> 6 busy
//   - it is not exactly one writable register of the map       -> 2 illegal data address
//   - the value is out of its bounds, or not possible now       -> 3 illegal data value
//   - the client's last accepted write is under min_write_interval_s old -> 6 busy
// (checked in that order). An accepted write changes the operator's settings, queues
// a one-shot request for the next scan, or acts on the alarms, and reports the old
// and new value. No I/O here: the server answers and the shell audits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fw/controller.hpp"
#include "scada_image.hpp"
#include "site/site.hpp"

namespace runtime {

struct WriteOutcome {
  bool accepted = false;
  std::uint8_t exception = 0;  // when refused
  std::string register_name;   // empty when the address is not one register
  double old_value = 0, new_value = 0;
  std::string reason;  // why refused, or what was done
};

// IPv4 address or CIDR block, as [scada] write_allow gives them (validated there).
struct AddressBlock {
  std::uint32_t network = 0, mask = 0;
  bool contains(std::uint32_t address) const { return (address & mask) == network; }
};
AddressBlock parse_block(const std::string& text);  // throws std::invalid_argument
std::uint32_t parse_ipv4(const std::string& text);  // throws std::invalid_argument

// Empty when each held setting is within the site's bounds (the bounds a SCADA
// write is checked against); otherwise what is allowed. For settings that come
// from elsewhere: a hot-standby peer's heartbeat.
std::string check_settings(const site::Site& site, const OperatorSettings& settings);

class ScadaWrites {
 public:
  ScadaWrites(const site::Site& site, fw::Controller& controller, OperatorSettings& settings);

  // One write request (function 6: one word; 16: `count` words) from `client`
  // (IPv4, host order), at wall time `wall_s` (the rate limit) and controller time
  // `plant_s` (alarm actions).
  WriteOutcome write(std::uint32_t client, std::uint16_t address, const std::uint16_t* words,
                     int count, double wall_s, double plant_s);

  // The one-shot requests accepted since the last take: moved into `op`, then cleared.
  void take_requests(fw::OperatorInputs& op);
  // A hot standby refuses writes: its settings mirror the active's.
  void set_standby(bool standby) { standby_ = standby; }

 private:
  std::string check(const hal::regs::Register& r, double value) const;
  WriteOutcome apply(const hal::regs::Register& r, double value, double plant_s);
  bool rate_ok(std::uint32_t client, double wall_s) const;

  const site::Site& site_;
  fw::Controller& controller_;
  OperatorSettings& settings_;
  std::vector<AddressBlock> allow_;
  struct LastWrite {
    std::uint32_t client;
    double wall_s;
  };
  std::vector<LastWrite> last_;  // one per client that has written
  bool manual_request_ = false, auto_request_ = false;
  bool standby_ = false;
};

}  // namespace runtime
