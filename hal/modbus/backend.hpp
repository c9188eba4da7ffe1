// The Modbus backend's insides, shared by its parts (not for users of ModbusIo):
//   connections.cpp  the devices and connections of a site, connecting, back-off
//   lanes.cpp        the worker per connection, the read deadline, polling apart
//   read_phase.cpp   reading a device's tables and filling the process image
//   write_queue.cpp  commands queued to the workers, written, read back
//   fencing.cpp      owner-epoch claims and the fenced state
//
// Threads: the scan thread calls ModbusIo; one worker per connection talks to the
// devices. A device is polled by one lane at a time (`lane`): its home connection,
// or its endpoint's connection apart while it is late. Worker-owned fields are
// touched only by the lane that holds the device; what the scan reads or writes
// (`shown`, `queued`, `accepted`) is under `share`.
#pragma once

#include <modbus/modbus.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hal/device_addresses.hpp"
#include "hal/quality.hpp"
#include "hal/registers.hpp"
#include "modbus_io.hpp"

namespace hal {

constexpr std::size_t kMaxRefusals = 256;
constexpr double kHoldingReadbackS = 5.0;  // holding registers re-read this often, and after writes
constexpr int kInTimeToReturn = 3;         // answers in time in a row before a device goes home
// The shortest wait for an answer on a home connection: below it, a loaded
// machine's scheduling delays alone would send healthy devices apart.
constexpr double kHomeTimeoutFloorS = 0.005;

double ms_since(std::chrono::steady_clock::time_point t);

struct ModbusIo::Impl {
  struct Pending {
    const regs::Register* reg;
    double value;
    const char* what;  // for refusals: "start", "cap_mw" ...
  };
  // What the scan sees of a device: its last answer, under `share`.
  struct Shown {
    std::vector<std::uint16_t> input, holding;
    bool lost = true;     // not answering (or never has)
    bool fresh = false;   // an answer came in since the scan last looked
    double stamp_s = -1;  // the scan time of the request the answer came to
    double heartbeat_changed_s = 0;
  };
  struct Device {
    regs::DeviceAddress address;
    const regs::DeviceMap* map;
    int home = -1, apart = -1;  // connections: its own, and its endpoint's apart (-1: none)
    // Worker-owned (the lane that holds the device).
    std::vector<std::uint16_t> input, holding;
    int input_words = 0, holding_words = 0;
    bool ever_answered = false;
    double skip_until_s = 0, backoff_s = 0;
    bool comms_fault = false;  // reported
    bool late = false;         // reported: polled apart
    int in_time = 0;           // answers in time in a row, while apart
    std::uint16_t heartbeat = 0;
    double heartbeat_changed_s = 0;
    double next_holding_read_s = 0;  // the periodic read-back of the holding table
    bool verify = true;
    std::vector<Pending> pending;        // taken from `queued`, being written
    std::vector<std::uint8_t> refusing;  // per register: a refusal already reported
    std::uint16_t claimed = 0;           // the epoch this device's lane holds it with
    std::uint16_t epoch_seen = 0;        // the owner epoch its lane last acted on
    // Under `share`.
    Shown shown;
    std::vector<Pending> queued;   // from the scan's write(), one per register
    std::vector<double> accepted;  // per register of the map; NaN = not known
    // Scan-thread-owned.
    double next_heartbeat_s = 0;
    std::uint16_t heartbeat_out = 0;
    // The registers the controller writes, found once (nullptr: not on this map).
    const regs::Register* owner = nullptr;  // owner_epoch
    const regs::Register *command = nullptr, *setpoint = nullptr, *cap = nullptr, *floor = nullptr,
                         *safe_cap = nullptr, *heartbeat_timeout = nullptr,
                         *controller_heartbeat = nullptr;
  };
  // A TCP endpoint, or a serial line with its devices multidropped on it.
  struct Connection {
    regs::DeviceAddress endpoint;  // host and port, or serial and its settings
    std::string label;             // for messages
    bool rtu() const { return !endpoint.serial.empty(); }
    bool apart = false;    // polls its endpoint's late devices, apart from the scan
    double timeout_s = 0;  // response timeout: half the read deadline, or the full one
    modbus_t* ctx = nullptr;
    double retry_at_s = 0, backoff_s = 0;
    bool down_reported = false;
    int slot = 0;                // which of the endpoint's connections
    std::string endpoint_label;  // the endpoint, whichever slot
    std::vector<int> devices;    // its own devices (apart: every device of its endpoint)
    std::thread thread;
    // Under `mutex`: work asked of the worker, and its time.
    bool read_asked = false, write_asked = false, writing = false;
    bool read_again = false;  // a scan asked while this pass was under way: start over
    double read_now_s = 0, write_now_s = 0;
    // The last read pass on this connection, in wall time: for the slow-scan log.
    struct ReadTimes {
      double phase_ms = 0, slowest_request_ms = 0;
      int slowest_device = -1, requests = 0;
      void note_request(double ms, int device) {
        ++requests;
        if (ms > slowest_request_ms) {
          slowest_request_ms = ms;
          slowest_device = device;
        }
      }
    } read_times, last_read_times;  // the pass under way (worker); the last one (under mutex)
  };

  Impl(const site::Site& s, const ModbusIoOptions& o);
  ~Impl();

  // lanes.cpp
  void ask_reads(double now_s);   // every idle connection starts a read pass
  void wait_reads();              // until the home connections are done, or the deadline
  void ask_writes(double now_s);  // every connection writes what is queued for it
  void wait_writes();             // without a read deadline: until they all have
  void worker(std::size_t c);
  bool holds(const Connection& c, const Device& d) const;
  void go_apart(Connection& c, Device& d, double now_s);  // late on its home connection
  void note_in_time(Connection& c, Device& d, double request_ms);
  // connections.cpp
  bool ensure_connected(Connection& c, double now_s);
  void lose_connection(Connection& c, double now_s);
  bool reopen(Connection& c, double now_s);  // after a timeout; false: connection lost
  void device_failed(Device& d, double now_s, const char* why);
  void endpoint_down(Connection& c, const std::string& what);
  void endpoint_up(Connection& c);
  void fault(const std::string& line);
  // read_phase.cpp
  void do_read(Connection& c, Device& d, double now_s);
  void show_answer(Device& d, double now_s);
  void show_lost(Device& d);
  double value(const Device& d, const char* name) const;  // from `shown`
  // write_queue.cpp
  void do_writes(Connection& c, Device& d, double now_s);
  void refuse(Device& d, const Pending& p, const char* reason);
  void no_answer(Connection& c, Device& d, double now_s, const char* why);
  void queue(Device& d, const regs::Register* r, double v, const char* what, bool one_shot);
  int reg_index(const Device& d, const regs::Register* r) const {
    return static_cast<int>(r - d.map->registers.data());
  }
  // fencing.cpp
  void sync_epoch(Device& d);  // a new owner epoch: claim anew, verify, forget refusals
  void unclaim(Connection& c);
  bool claim(Connection& c, Device& d, double now_s);  // false: refused or no answer
  void check_owner(Device& d);                         // a read-back's owner_epoch
  void fence(const std::string& line, std::uint16_t epoch);

  ModbusIoOptions options;
  SignalLimits limits;
  std::vector<Device> devices;
  std::vector<Connection> connections;  // the home connections first, then those apart
  std::size_t home_connections = 0;
  double in_time_s = 0;                // apart, an answer this quick counts towards going home
  std::vector<std::atomic<int>> lane;  // per device: the connection that polls it
  int poi = -1, battery = -1;
  std::vector<int> turbines, pods;
  std::vector<double> pod_safe_cap_mw;  // per pod, configured on its gateway
  double pod_heartbeat_timeout_s = 0;

  std::mutex mutex;  // the workers' requests
  std::condition_variable start_cv, done_cv;
  bool quit = false;
  std::mutex share;  // what the scan and the workers both see of a device

  // Fencing: set by the scan thread; seen by the workers.
  std::atomic<std::uint16_t> owner_epoch{0};
  std::atomic<bool> fenced{false};
  std::atomic<std::uint16_t> highest_epoch{0};
  std::mutex endpoint_mutex;
  std::map<std::string, int> endpoint_down_count;  // connections down, by endpoint

  std::mutex log_mutex;
  std::vector<std::string> fault_lines;
  std::vector<WriteRefusal> refusals;
  // What the scan thread last took of them (faults(), refusal()).
  std::vector<std::string> fault_view;
  std::vector<WriteRefusal> refusal_view;
  struct AtomicCounters {  // workers count concurrently
    std::atomic<std::uint64_t> requests{0}, timeouts{0}, exceptions{0}, reconnects{0}, late{0};
  } counters;
};

}  // namespace hal
