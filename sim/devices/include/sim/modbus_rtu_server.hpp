// Serves a DeviceBank over Modbus RTU on one serial device (a real port, or a pty
// such as one end of a socat pair), 8N1 at a standard baud rate.
//
// Addressing: device i of the bank (the POI, the battery when there is one, the
// turbines, the pod gateways: hal::regs::device_addresses' order) is slave id
// i + 1, so one line holds at most 247 devices; more is refused at construction.
// Broadcasts (slave 0) and slave ids with no device get no answer.
//
// Framing is done here, not by modbus_receive: libmodbus 3.1.6 drops requests for
// any slave but the context's one and then swallows the next frame as that other
// slave's reply, so it cannot serve many slave ids on one line. The serial line is
// still opened and configured by libmodbus (modbus_connect); this server reads its
// file descriptor, ends a frame at the length its function code gives (or, for a
// code that does not give one, at a silence of max(t3.5, 20 ms)), checks the CRC,
// and answers with hal/modbus_pdu.hpp and serve_request, sent through the RTU
// context (libmodbus adds the slave id and the CRC).
// A bad CRC, a frame cut short or too long: counted, and bytes are dropped until
// the line falls silent.
//
// Threads: the server runs on a thread of its own, which alone uses the libmodbus
// context (contexts are not thread-safe). It holds `mutex` only while it reads or
// writes the bank; whoever steps the plant (and any other server of the same bank)
// must hold the same mutex. The destructor stops the thread and joins it.
#pragma once

#include <modbus/modbus.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "sim/device_bank.hpp"
#include "sim/modbus_request.hpp"

namespace sim {

class ModbusRtuServer {
 public:
  static constexpr int kMaxDevices = 247;  // slave ids 1..247
  static constexpr int kDefaultBaud = 19200;

  // Opens `device_path` and starts serving. Throws std::invalid_argument for more
  // than kMaxDevices devices or a baud rate that is not a standard one (1200 to
  // 230400), std::runtime_error when the device cannot be opened.
  ModbusRtuServer(DeviceBank& bank, std::mutex& mutex, const std::string& device_path,
                  int baud = kDefaultBaud);
  ~ModbusRtuServer();
  ModbusRtuServer(const ModbusRtuServer&) = delete;
  ModbusRtuServer& operator=(const ModbusRtuServer&) = delete;

  static int slave_id(int device) { return device + 1; }
  // A snapshot, safe from any thread. `unanswered` counts silent devices and
  // requests for slave ids with no device (broadcasts included).
  ServerStats stats() const;

 private:
  void run();
  void handle(const std::uint8_t* frame, int length);
  bool wait_or_stop(int timeout_ms);  // true when asked to stop
  void release();

  DeviceBank& bank_;
  std::mutex& mutex_;
  modbus_t* ctx_ = nullptr;
  int fd_ = -1;             // the serial line; libmodbus opened it and closes it
  int wake_[2] = {-1, -1};  // a pipe: a byte written to it stops the thread
  int silence_ms_ = 20;
  std::atomic<std::uint64_t> requests_{0}, exceptions_{0}, unanswered_{0}, bad_frames_{0};
  std::thread thread_;
};

}  // namespace sim
