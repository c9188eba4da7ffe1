// The HAL's Modbus backend: the controller's process image and commands over
// Modbus TCP and RTU, by the register maps and addressing rule in hal/registers.
//
// One worker thread and one libmodbus context per connection, a TCP endpoint or
// a serial line (a context is not thread-safe), so devices behind different ports
// and lines are polled concurrently and a slow one stalls only its own connection.
// With a read deadline, the scan waits for the reads no longer than that: what
// has not come in by then is stale this scan and shown to the next one, and a
// TCP device that did not answer in time is polled apart, on its endpoint's
// extra connection, until it answers in time again. Writes are queued to the
// workers; the scan does not wait for them. Per request: an
// explicit response timeout and bounded retries; after a device fails to answer it is skipped for a
// back-off that doubles (2 s, 4 s, ... at most 300 s; the first wait and cap of the OpenEMS
// Modbus bridge's DefectiveComponents, which adds 2 s per failure rather than doubling)
// and reported as comms lost; a lost connection is re-opened with the same
// back-off. Error recovery in libmodbus stays off (it can hang for seconds).
//
// Each fault is reported once when it starts and once when it ends (`faults()`),
// never once per scan.
//
// Set-up the controller owns: every pod gateway is given its safe cap and
// heartbeat timeout from the site's [modbus] section on first contact, and again
// whenever a read-back shows the gateway lost them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hal/plant_io.hpp"
#include "site/site.hpp"

namespace hal {

struct ModbusIoOptions {
  std::string host = "127.0.0.1";
  int base_port = 1502;
  double response_timeout_s = 0.2;
  int connections_per_endpoint = 4;  // TCP; a serial line has one master
  int retries = 1;                   // after the first attempt
  double stale_after_s = 2.0;        // a device heartbeat that has not moved this long: stale
  double backoff_first_s = 2.0;
  double backoff_max_s = 300.0;
  double heartbeat_period_s = 1.0;  // controller heartbeat writes to each device
  // How long read() waits for the devices, in wall time; 0: for every answer.
  double read_deadline_s = 0;
};

class ModbusIo final : public PlantIo {
 public:
  ModbusIo(const site::Site& site, const ModbusIoOptions& options);
  ~ModbusIo() override;

  void read(ProcessImage& image, double now_s) override;
  void write(const Commands& commands, double now_s) override;
  int refusal_count() const override;
  const WriteRefusal& refusal(int i) const override;
  void clear_refusals() override;
  void set_owner_epoch(std::uint16_t epoch) override;
  bool fenced() const override;
  std::uint16_t highest_owner_epoch() const override;
  // Every connection's last read pass, and the slowest one's longest request.
  std::string describe_last_read() const override;

  // Fault lines since the last call to clear_faults() (start and end of each fault).
  const std::vector<std::string>& faults() const;
  void clear_faults();

  struct Counters {
    // timeouts: no answer in time, or on a serial line a garbled answer
    std::uint64_t requests = 0, timeouts = 0, exceptions = 0, reconnects = 0;
    std::uint64_t late = 0;  // no answer within the read deadline: the device went apart
  };
  Counters counters() const;
  std::size_t connection_count() const;  // the home connections, not those apart

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hal
