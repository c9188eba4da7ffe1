#include "modbus_io.hpp"

#include <modbus/modbus.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "hal/device_addresses.hpp"
#include "hal/quality.hpp"
#include "hal/registers.hpp"
#include "register_access.hpp"

namespace hal {

namespace {

std::string fmt_ms(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", ms);
  return text;
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

using regs::DeviceKind;
using regs::Register;
using regs::Table;

constexpr std::size_t kMaxRefusals = 256;
constexpr double kHoldingReadbackS = 5.0;  // holding registers re-read this often, and after writes

int block_words(const regs::DeviceMap& map, Table table) {
  int n = 0;
  for (const Register& r : map.registers)
    if (r.table == table) n = std::max(n, r.address + regs::words(r.type));
  return n;
}

const char* exception_text(int code) {
  switch (code) {
    case 1:
      return "exception 1 (illegal function)";
    case 2:
      return "exception 2 (illegal data address)";
    case 3:
      return "exception 3 (illegal data value: out of range)";
    case 4:
      return "exception 4 (server device failure)";
    case 6:
      return "exception 6 (busy: not possible in the device's state)";
    case 11:
      return "exception 11 (gateway target failed to respond)";
    default:
      return "exception";
  }
}

// A Modbus exception answered by the device (codes 1..11); framing errors such
// as EMBBADDATA are not exceptions but a stream out of step.
bool is_exception(int err) {
  return err > MODBUS_ENOBASE && err <= MODBUS_ENOBASE + MODBUS_EXCEPTION_GATEWAY_TARGET;
}

// A request that failed this way is tried again on the same connection (after
// reopen()): no answer in time, or on a serial line, a garbled or misaddressed
// answer (noise, a late answer of another slave). Anything else on TCP means
// the stream is out of step or gone; on a serial line, the port itself is gone.
bool retryable(bool rtu, int err) {
  if (err == ETIMEDOUT) return true;
  return rtu && err != EIO && err != EBADF && err != ENXIO && err != ENODEV;
}

}  // namespace

struct ModbusIo::Impl {
  struct Pending {
    const Register* reg;
    double value;
    const char* what;  // for refusals: "start", "cap_mw" ...
  };
  struct Device {
    regs::DeviceAddress address;
    const regs::DeviceMap* map;
    std::vector<std::uint16_t> input, holding;
    int input_words = 0, holding_words = 0;
    bool answered = false;  // this cycle
    bool ever_answered = false;
    double skip_until_s = 0, backoff_s = 0;
    bool comms_fault = false;  // reported
    std::uint16_t heartbeat = 0;
    double heartbeat_changed_s = 0;
    double next_holding_read_s = 0;  // the periodic read-back of the holding table
    bool verify = true;
    std::vector<Pending> pending;
    std::vector<double> accepted;        // per register of the map; NaN = not known
    std::vector<std::uint8_t> refusing;  // per register: a refusal already reported
    double next_heartbeat_s = 0;
    std::uint16_t heartbeat_out = 0;
    // The registers the controller writes, found once (nullptr: not on this map).
    const Register* owner = nullptr;  // owner_epoch
    std::uint16_t claimed = 0;        // the epoch this connection holds the device with
    const Register *command = nullptr, *setpoint = nullptr, *cap = nullptr, *floor = nullptr,
                   *safe_cap = nullptr, *heartbeat_timeout = nullptr,
                   *controller_heartbeat = nullptr;
  };
  // A TCP endpoint, or a serial line with its devices multidropped on it.
  struct Connection {
    regs::DeviceAddress endpoint;  // host and port, or serial and its settings
    std::string label;             // for messages
    bool rtu() const { return !endpoint.serial.empty(); }
    modbus_t* ctx = nullptr;
    double retry_at_s = 0, backoff_s = 0;
    bool down_reported = false;
    int slot = 0;                // which of the endpoint's connections
    std::string endpoint_label;  // the endpoint, whichever slot
    std::vector<int> devices;
    std::thread thread;
    // The last read phase on this connection, in wall time: for the slow-scan log.
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
    } read_times;
  };

  Impl(const site::Site& s, const ModbusIoOptions& o);
  ~Impl();
  void run_phase(int phase, double now_s);  // 1 read, 2 write: every connection at once
  void worker(std::size_t c);
  void do_read(Connection& c, Device& d, double now_s);
  void do_writes(Connection& c, Device& d, double now_s);
  bool ensure_connected(Connection& c, double now_s);
  void lose_connection(Connection& c, double now_s);
  bool reopen(Connection& c, double now_s);  // after a timeout; false: connection lost
  void device_failed(Device& d, double now_s, const char* why);
  void fault(const std::string& line);
  void refuse(Device& d, const Pending& p, const char* reason);
  double value(const Device& d, const char* name, bool* ok = nullptr) const;
  int reg_index(const Device& d, const Register* r) const {
    return static_cast<int>(r - d.map->registers.data());
  }
  void queue(Device& d, const Register* r, double v, const char* what, bool one_shot);

  ModbusIoOptions options;
  SignalLimits limits;
  std::vector<Device> devices;
  std::vector<Connection> connections;
  int poi = -1, battery = -1;
  std::vector<int> turbines, pods;
  std::vector<double> pod_safe_cap_mw;  // per pod, configured on its gateway
  double pod_heartbeat_timeout_s = 0;

  std::mutex mutex;
  std::condition_variable start_cv, done_cv;
  int phase = 0;
  std::uint64_t generation = 0;
  std::size_t busy = 0;
  bool quit = false;
  double phase_now_s = 0;

  // Fencing: set by the scan thread between phases; seen by the workers.
  std::uint16_t owner_epoch = 0;
  std::atomic<bool> fenced{false};
  std::atomic<std::uint16_t> highest_epoch{0};
  void unclaim(Connection& c) {
    for (int i : c.devices)
      devices[static_cast<size_t>(i)].claimed = 0;
  }
  bool claim(Connection& c, Device& d, double now_s);  // false: refused or no answer
  void endpoint_down(Connection& c, const std::string& what);
  void endpoint_up(Connection& c);
  std::mutex endpoint_mutex;
  std::map<std::string, int> endpoint_down_count;  // connections down, by endpoint

  std::mutex log_mutex;
  std::vector<std::string> fault_lines;
  std::vector<WriteRefusal> refusals;
  struct AtomicCounters {  // workers count concurrently
    std::atomic<std::uint64_t> requests{0}, timeouts{0}, exceptions{0}, reconnects{0};
  } counters;
};

ModbusIo::Impl::Impl(const site::Site& s, const ModbusIoOptions& o) : options(o), limits(s) {
  const std::vector<regs::DeviceAddress> addresses = regs::device_addresses(s);
  const int shift = o.base_port - s.modbus.base_port;
  std::map<std::string, int> endpoint_devices;  // devices so far, by endpoint
  for (const regs::DeviceAddress& a : addresses) {
    Device d;
    d.address = a;
    if (!a.elsewhere) {
      d.address.port += shift;
      d.address.host = o.host;
    }
    d.map = &regs::device_map(a.kind);
    d.input_words = block_words(*d.map, Table::kInput);
    d.holding_words = block_words(*d.map, Table::kHolding);
    d.input.assign(static_cast<size_t>(d.input_words), 0);
    d.holding.assign(static_cast<size_t>(d.holding_words), 0);
    d.accepted.assign(d.map->registers.size(), std::nan(""));
    d.refusing.assign(d.map->registers.size(), 0);
    d.pending.reserve(8);
    d.command = d.map->find("command");
    d.setpoint = d.map->find("setpoint_mw");
    d.cap = d.map->find("cap_mw");
    d.floor = d.map->find("floor_mw");
    d.safe_cap = d.map->find("safe_cap_mw");
    d.heartbeat_timeout = d.map->find("heartbeat_timeout_s");
    d.controller_heartbeat = d.map->find("controller_heartbeat");
    d.owner = d.map->find("owner_epoch");
    const int i = static_cast<int>(devices.size());
    // Read-backs of the holding tables and heartbeat writes are spread over their
    // periods, so no one cycle carries them all (but the first, which verifies).
    const double spread = static_cast<double>(i % 64) / 64.0;
    d.next_holding_read_s = kHoldingReadbackS * spread;
    d.next_heartbeat_s = o.heartbeat_period_s * spread;
    switch (a.kind) {
      case DeviceKind::kPoi:
        poi = i;
        break;
      case DeviceKind::kBattery:
        battery = i;
        break;
      case DeviceKind::kTurbine:
        turbines.push_back(i);
        break;
      case DeviceKind::kPodGateway:
        pods.push_back(i);
        break;
      case DeviceKind::kPlantController:
        break;  // not a plant device
    }
    devices.push_back(std::move(d));
    // One connection per endpoint (the gateway ports, each device served
    // elsewhere over TCP, each serial line), and up to connections_per_endpoint
    // to a TCP endpoint with several devices: the n-th device of an endpoint
    // goes to its (n mod k)-th connection.
    const regs::DeviceAddress& da = devices.back().address;
    const int share = da.serial.empty() ? o.connections_per_endpoint : 1;
    const int nth = endpoint_devices[endpoint_text(da)]++;
    const int slot = nth % std::max(1, share);
    auto same = [&](const Connection& c) {
      return da.serial.empty() ? !c.rtu() && c.endpoint.port == da.port &&
                                     c.endpoint.host == da.host && c.slot == slot
                               : c.endpoint.serial == da.serial;
    };
    auto it = std::find_if(connections.begin(), connections.end(), same);
    if (it == connections.end()) {
      connections.emplace_back();
      connections.back().endpoint = da;
      connections.back().slot = slot;
      connections.back().endpoint_label = endpoint_text(da);
      endpoint_down_count[endpoint_text(da)] = 0;
      connections.back().label =
          endpoint_text(da) + (slot > 0 ? " #" + std::to_string(slot + 1) : "");
      it = connections.end() - 1;
    }
    it->devices.push_back(i);
  }
  // Each gateway's safe cap: a share of its pod's compute power, never below the
  // lowest cap the gateway accepts.
  for (const site::PodGroup& g : s.pod_groups)
    for (int k = 0; k < g.count; ++k) {
      const double compute_mw = g.gpus_per_pod * g.compute_w_per_gpu * 1e-6;
      const double min_cap_mw = g.gpus_per_pod * g.min_cap_w_per_gpu * 1e-6;
      pod_safe_cap_mw.push_back(std::max(s.pod_safe_cap_pu() * compute_mw, min_cap_mw));
    }
  pod_heartbeat_timeout_s = s.modbus.pod_heartbeat_timeout_s;
  refusals.reserve(kMaxRefusals);
  for (std::size_t c = 0; c < connections.size(); ++c)
    connections[c].thread = std::thread([this, c] { worker(c); });
}

ModbusIo::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    quit = true;
  }
  start_cv.notify_all();
  for (Connection& c : connections) {
    if (c.thread.joinable()) c.thread.join();
    if (c.ctx) {
      modbus_close(c.ctx);
      modbus_free(c.ctx);
    }
  }
}

void ModbusIo::Impl::fault(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mutex);
  fault_lines.push_back(line);
}

void ModbusIo::Impl::run_phase(int p, double now_s) {
  std::unique_lock<std::mutex> lock(mutex);
  phase = p;
  phase_now_s = now_s;
  busy = connections.size();
  ++generation;
  start_cv.notify_all();
  done_cv.wait(lock, [this] { return busy == 0; });
}

void ModbusIo::Impl::worker(std::size_t index) {
  std::uint64_t seen = 0;
  for (;;) {
    int p;
    double now;
    {
      std::unique_lock<std::mutex> lock(mutex);
      start_cv.wait(lock, [&] { return quit || generation != seen; });
      if (quit) return;
      seen = generation;
      p = phase;
      now = phase_now_s;
    }
    Connection& c = connections[index];
    const auto began = std::chrono::steady_clock::now();
    if (p == 1) c.read_times = Connection::ReadTimes{};
    if (ensure_connected(c, now)) {
      for (int i : c.devices) {
        if (!c.ctx) break;  // lost during this cycle
        if (p == 1)
          do_read(c, devices[static_cast<size_t>(i)], now);
        else
          do_writes(c, devices[static_cast<size_t>(i)], now);
      }
    }
    if (!c.ctx)
      for (int i : c.devices)
        devices[static_cast<size_t>(i)].answered = false;
    if (p == 1) c.read_times.phase_ms = ms_since(began);
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (--busy == 0) done_cv.notify_one();
    }
  }
}

bool ModbusIo::Impl::ensure_connected(Connection& c, double now_s) {
  if (c.ctx) return true;
  if (now_s < c.retry_at_s) return false;
  c.ctx = new_context(c.endpoint, options.response_timeout_s);
  if (!c.ctx || modbus_connect(c.ctx) != 0) {
    const int err = errno;
    if (c.ctx) modbus_free(c.ctx);
    c.ctx = nullptr;
    errno = err;
    c.backoff_s = c.backoff_s <= 0 ? options.backoff_first_s
                                   : std::min(2 * c.backoff_s, options.backoff_max_s);
    c.retry_at_s = now_s + c.backoff_s;
    if (!c.down_reported) {
      c.down_reported = true;
      endpoint_down(c, std::string(": cannot connect (") + modbus_strerror(errno) +
                           "); retrying with back-off");
    }
    return false;
  }
  if (c.down_reported) {
    c.down_reported = false;
    endpoint_up(c);
  }
  c.backoff_s = 0;
  ++counters.reconnects;
  return true;
}

bool ModbusIo::Impl::reopen(Connection& c, double now_s) {
  if (c.rtu()) {
    // A serial line has no connection to renew: what is left of a late answer is
    // dropped, and libmodbus checks the slave id and CRC of every answer.
    modbus_flush(c.ctx);
    return true;
  }
  modbus_close(c.ctx);
  unclaim(c);  // the device binds its owner to the connection
  if (modbus_connect(c.ctx) == 0) return true;
  lose_connection(c, now_s);
  return false;
}

void ModbusIo::Impl::lose_connection(Connection& c, double now_s) {
  unclaim(c);
  modbus_close(c.ctx);
  modbus_free(c.ctx);
  c.ctx = nullptr;
  c.backoff_s = options.backoff_first_s;
  c.retry_at_s = now_s + c.backoff_s;
  if (!c.down_reported) {
    c.down_reported = true;
    endpoint_down(c, ": connection lost; reconnecting");
  }
}

// An endpoint's connections go down and up together when its server does: the
// fault is reported when the first goes and when the last is back, once each.
void ModbusIo::Impl::endpoint_down(Connection& c, const std::string& what) {
  bool first;
  {
    std::lock_guard<std::mutex> lock(endpoint_mutex);
    first = endpoint_down_count[c.endpoint_label]++ == 0;
  }
  if (first) fault(c.endpoint_label + what);
}

void ModbusIo::Impl::endpoint_up(Connection& c) {
  bool last;
  {
    std::lock_guard<std::mutex> lock(endpoint_mutex);
    last = --endpoint_down_count[c.endpoint_label] == 0;
  }
  if (last) fault(c.endpoint_label + ": connected again");
}

void ModbusIo::Impl::device_failed(Device& d, double now_s, const char* why) {
  d.answered = false;
  d.backoff_s =
      d.backoff_s <= 0 ? options.backoff_first_s : std::min(2 * d.backoff_s, options.backoff_max_s);
  d.skip_until_s = now_s + d.backoff_s;
  if (!d.comms_fault) {
    d.comms_fault = true;
    fault(d.address.name + ": " + why + "; polled again after back-off");
  }
}

void ModbusIo::Impl::do_read(Connection& c, Device& d, double now_s) {
  d.answered = false;
  if (now_s < d.skip_until_s) return;
  modbus_set_slave(c.ctx, d.address.unit_id);
  auto attempt = [&](auto&& request) {
    for (int a = 0; a <= options.retries; ++a) {
      ++counters.requests;
      const auto sent = std::chrono::steady_clock::now();
      const int rc = request();
      c.read_times.note_request(ms_since(sent), static_cast<int>(&d - devices.data()));
      if (rc >= 0) return 0;
      const int err = errno;
      if (is_exception(err)) return err;
      if (retryable(c.rtu(), err)) {
        ++counters.timeouts;
        // A late answer must never be taken for the next request's: a fresh
        // connection (on loopback or a LAN, a millisecond) leaves it behind.
        if (!reopen(c, now_s)) return -1;
        continue;
      }
      lose_connection(c, now_s);
      return -1;
    }
    return ETIMEDOUT;
  };
  int rc =
      attempt([&] { return modbus_read_input_registers(c.ctx, 0, d.input_words, d.input.data()); });
  if (rc == -1) return;
  if (rc != 0) {
    device_failed(d, now_s, rc == ETIMEDOUT ? "no answer" : modbus_strerror(rc));
    return;
  }
  const bool periodic = now_s >= d.next_holding_read_s;
  if (d.verify || periodic) {
    rc =
        attempt([&] { return modbus_read_registers(c.ctx, 0, d.holding_words, d.holding.data()); });
    if (rc == -1) return;
    if (rc != 0) {
      device_failed(d, now_s, rc == ETIMEDOUT ? "no answer" : modbus_strerror(rc));
      return;
    }
    if (periodic) d.next_holding_read_s = now_s + kHoldingReadbackS;
    d.verify = false;
    if (d.owner) {
      const auto held =
          static_cast<std::uint16_t>(regs::decode(*d.owner, &d.holding[d.owner->address]));
      std::uint16_t seen = highest_epoch.load();
      while (regs::epoch_after(held, seen) && !highest_epoch.compare_exchange_weak(seen, held)) {
      }
      if (owner_epoch != 0 && d.claimed == owner_epoch && held != owner_epoch &&
          !fenced.exchange(true)) {
        fault(d.address.name + ": now owned by epoch " + std::to_string(held) + ", not " +
              std::to_string(owner_epoch) + " (fenced)");
      }
    }
    // The device must still hold what it accepted; if not, it is written again.
    for (std::size_t k = 0; k < d.map->registers.size(); ++k) {
      const Register& r = d.map->registers[k];
      if (r.table != Table::kHolding || r.access != regs::Access::kReadWrite ||
          std::isnan(d.accepted[k]))
        continue;
      if (std::strcmp(r.name, "controller_heartbeat") == 0) continue;
      const double held = regs::decode(r, &d.holding[r.address]);
      if (std::fabs(held - d.accepted[k]) > r.scale * 0.5) {
        fault(d.address.name + " " + r.name + ": the device holds " + std::to_string(held) +
              ", not the " + std::to_string(d.accepted[k]) + " it accepted; writing it again");
        d.accepted[k] = std::nan("");
      }
    }
  }
  d.answered = true;
  d.ever_answered = true;
  d.backoff_s = 0;
  if (d.comms_fault) {
    d.comms_fault = false;
    fault(d.address.name + ": answering again");
  }
  const std::uint16_t hb = d.input[0];
  if (hb != d.heartbeat || d.heartbeat_changed_s == 0) {
    d.heartbeat = hb;
    d.heartbeat_changed_s = now_s;
  }
}

void ModbusIo::Impl::refuse(Device& d, const Pending& p, const char* reason) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (refusals.size() < kMaxRefusals)
    refusals.push_back(WriteRefusal{d.map->name, d.address.index, p.what, p.value, reason});
}

bool ModbusIo::Impl::claim(Connection& c, Device& d, double now_s) {
  ++counters.requests;
  if (modbus_write_register(c.ctx, d.owner->address, owner_epoch) >= 0) {
    d.claimed = owner_epoch;
    return true;
  }
  const int err = errno;
  if (err == MODBUS_ENOBASE + MODBUS_EXCEPTION_ILLEGAL_FUNCTION) {
    ++counters.exceptions;
    if (!fenced.exchange(true))
      fault(d.address.name + ": claim with epoch " + std::to_string(owner_epoch) +
            " refused: another controller owns it (fenced)");
  } else if (is_exception(err)) {
    ++counters.exceptions;
  } else if (retryable(c.rtu(), err)) {
    // As for any write: the device is backed off, and a fresh connection leaves
    // a late answer behind; the claim is made again when it answers.
    ++counters.timeouts;
    device_failed(d, now_s, "no answer to its claim");
    reopen(c, now_s);
  } else {
    lose_connection(c, now_s);
  }
  return false;
}

void ModbusIo::Impl::do_writes(Connection& c, Device& d, double now_s) {
  const bool unclaimed = owner_epoch != 0 && d.owner && d.claimed != owner_epoch;
  if (d.pending.empty() && !unclaimed) return;
  if (now_s < d.skip_until_s || !d.ever_answered || fenced) {
    d.pending.clear();  // not reachable now; desired values are queued again next scan
    return;
  }
  modbus_set_slave(c.ctx, d.address.unit_id);
  // Nothing reaches a device before it is ours: the claim goes first.
  if (unclaimed && !claim(c, d, now_s)) {
    d.pending.clear();
    return;
  }
  for (const Pending& p : d.pending) {
    std::uint16_t w[2];
    const std::size_t k = static_cast<std::size_t>(reg_index(d, p.reg));
    if (!regs::encode(*p.reg, p.value, w)) {
      if (!d.refusing[k]) refuse(d, p, "value does not fit the register");
      d.refusing[k] = 1;
      continue;
    }
    ++counters.requests;
    const int n = regs::words(p.reg->type);
    const int rc = n == 1 ? modbus_write_register(c.ctx, p.reg->address, w[0])
                          : modbus_write_registers(c.ctx, p.reg->address, n, w);
    if (rc >= 0) {
      d.accepted[k] = p.value;
      if (d.refusing[k]) fault(d.address.name + " " + p.reg->name + ": accepted again");
      d.refusing[k] = 0;
      d.verify = true;
      continue;
    }
    const int err = errno;
    if (owner_epoch != 0 && err == MODBUS_ENOBASE + MODBUS_EXCEPTION_ILLEGAL_FUNCTION) {
      ++counters.exceptions;  // another controller claimed the device: write nothing more
      if (!fenced.exchange(true))
        fault(d.address.name + " " + p.reg->name +
              ": refused, another controller owns it (fenced)");
      break;
    }
    if (is_exception(err)) {
      ++counters.exceptions;
      if (!d.refusing[k]) {
        char line[200];
        std::snprintf(line, sizeof line, "%s %s: refused %.3f %s: %s", d.address.name.c_str(),
                      p.reg->name, p.value, p.reg->unit, exception_text(err - MODBUS_ENOBASE));
        fault(line);
        refuse(d, p, exception_text(err - MODBUS_ENOBASE));
      }
      d.refusing[k] = 1;
      // A refused one-shot or value is not retried until the controller asks anew.
      d.accepted[k] = p.value;
      continue;
    }
    if (retryable(c.rtu(), err)) {
      ++counters.timeouts;
      device_failed(d, now_s, "no answer to a write");
      reopen(c, now_s);
      break;
    }
    lose_connection(c, now_s);
    break;
  }
  d.pending.clear();
}

void ModbusIo::Impl::queue(Device& d, const Register* r, double v, const char* what,
                           bool one_shot) {
  const std::size_t k = static_cast<std::size_t>(reg_index(d, r));
  if (!one_shot && d.accepted[k] == v) return;  // the device holds it already
  d.pending.push_back(Pending{r, v, what});
}

double ModbusIo::Impl::value(const Device& d, const char* name, bool* ok) const {
  const Register* r = d.map->find(name);
  if (ok) *ok = r != nullptr;
  if (!r) return 0;
  const std::vector<std::uint16_t>& block = r->table == Table::kInput ? d.input : d.holding;
  return regs::decode(*r, &block[r->address]);
}

ModbusIo::ModbusIo(const site::Site& site, const ModbusIoOptions& options)
    : impl_(std::make_unique<Impl>(site, options)) {}
ModbusIo::~ModbusIo() = default;

void ModbusIo::read(ProcessImage& image, double now_s) {
  Impl& m = *impl_;
  m.run_phase(1, now_s);
  image.scan_time_s = now_s;
  auto put = [&](Signal& s, const Impl::Device& d, const char* name, double lo, double hi) {
    const double v = m.value(d, name);
    const bool stuck = d.answered && now_s - d.heartbeat_changed_s > m.options.stale_after_s;
    Quality q = grade(d.answered, now_s, now_s, m.options.stale_after_s, v, lo, hi);
    if (q == Quality::kGood && stuck) q = Quality::kStale;
    set_signal(s, v, now_s, q);
  };
  const SignalLimits& l = m.limits;
  const Impl::Device& poi = m.devices[static_cast<size_t>(m.poi)];
  PoiInputs& p = image.poi;
  put(p.import_mw, poi, "import_mw", -l.site_mw, l.site_mw);
  put(p.grid_frequency_hz, poi, "grid_frequency_hz", 0, l.frequency_max_hz);
  put(p.bus_frequency_hz, poi, "bus_frequency_hz", 0, l.frequency_max_hz);
  put(p.rocof_hz_per_s, poi, "rocof_hz_per_s", -1e4, 1e4);
  put(p.voltage_pu, poi, "voltage_pu", 0, 2);
  put(p.facility_load_mw, poi, "facility_load_mw", 0, l.site_mw);
  put(p.breaker_closed, poi, "status", 0, 7);
  put(p.grid_available, poi, "status", 0, 7);
  const auto status = static_cast<int>(m.value(poi, "status"));
  p.breaker_closed.value = status & 1;
  p.grid_available.value = (status >> 1) & 1;
  for (std::size_t u = 0; u < m.turbines.size(); ++u) {
    const Impl::Device& d = m.devices[static_cast<size_t>(m.turbines[u])];
    TurbineInputs& t = image.turbines[u];
    put(t.power_mw, d, "power_mw", -0.1 * l.turbine_mw_max, l.turbine_mw_max);
    put(t.setpoint_mw, d, "setpoint_readback_mw", 0, l.turbine_mw_max);
    put(t.status, d, "status", 0, 6);
    put(t.run_hours, d, "run_hours", 0, 1e6);
  }
  for (std::size_t i = 0; i < m.pods.size(); ++i) {
    const Impl::Device& d = m.devices[static_cast<size_t>(m.pods[i])];
    PodInputs& pod = image.pods[i];
    put(pod.power_mw, d, "power_mw", 0, l.pod_mw_max);
    put(pod.cap_mw, d, "cap_in_effect_mw", 0, l.pod_mw_max);
    put(pod.floor_mw, d, "floor_in_effect_mw", 0, l.pod_mw_max);
  }
  if (m.battery >= 0) {
    const Impl::Device& d = m.devices[static_cast<size_t>(m.battery)];
    put(image.battery.power_mw, d, "power_mw", -l.battery_mw_max, l.battery_mw_max);
    put(image.battery.soc_pu, d, "soc_pu", 0, 1);
  }
}

void ModbusIo::write(const Commands& c, double now_s) {
  Impl& m = *impl_;
  if (c.breaker != BreakerCommand::kNone) {
    const bool close = c.breaker == BreakerCommand::kClose;
    Impl::Device& poi = m.devices[static_cast<size_t>(m.poi)];
    m.queue(poi, poi.command, close ? 1 : 2, close ? "close" : "open", true);
  }
  for (std::size_t u = 0; u < m.turbines.size(); ++u) {
    Impl::Device& d = m.devices[static_cast<size_t>(m.turbines[u])];
    const TurbineOutputs& t = c.turbines[u];
    if (t.command == TurbineCommand::kStart) m.queue(d, d.command, 1, "start", true);
    if (t.command == TurbineCommand::kStop) m.queue(d, d.command, 2, "stop", true);
    if (t.command == TurbineCommand::kReset) m.queue(d, d.command, 3, "reset", true);
    if (t.setpoint_mw > 0) m.queue(d, d.setpoint, t.setpoint_mw, "setpoint_mw", false);
  }
  for (std::size_t i = 0; i < m.pods.size(); ++i) {
    Impl::Device& d = m.devices[static_cast<size_t>(m.pods[i])];
    // The gateway's own fallback, set on first contact and again whenever a
    // read-back finds it lost (a restarted gateway): written only when it differs.
    m.queue(d, d.safe_cap, m.pod_safe_cap_mw[i], "safe_cap_mw", false);
    m.queue(d, d.heartbeat_timeout, m.pod_heartbeat_timeout_s, "heartbeat_timeout_s", false);
    if (c.pods[i].cap_mw > 0) m.queue(d, d.cap, c.pods[i].cap_mw, "cap_mw", false);
    if (c.pods[i].floor_mw >= 0) m.queue(d, d.floor, c.pods[i].floor_mw, "floor_mw", false);
  }
  if (m.battery >= 0 && c.battery_enabled) {
    Impl::Device& battery = m.devices[static_cast<size_t>(m.battery)];
    m.queue(battery, battery.setpoint, c.battery_setpoint_mw, "setpoint_mw", false);
  }
  // Heartbeats: each device once per period, not every scan.
  for (Impl::Device& d : m.devices) {
    if (now_s < d.next_heartbeat_s) continue;
    d.next_heartbeat_s = now_s + m.options.heartbeat_period_s;
    m.queue(d, d.controller_heartbeat, ++d.heartbeat_out, "controller_heartbeat", true);
  }
  m.run_phase(2, now_s);
}

void ModbusIo::set_owner_epoch(std::uint16_t epoch) {
  Impl& m = *impl_;  // between phases: no worker runs
  if (epoch == m.owner_epoch) return;
  m.owner_epoch = epoch;
  m.fenced = false;
  for (Impl::Device& d : m.devices) {
    d.claimed = 0;
    std::fill(d.accepted.begin(), d.accepted.end(), std::nan(""));
    std::fill(d.refusing.begin(), d.refusing.end(), 0);
    d.verify = true;
  }
}
bool ModbusIo::fenced() const {
  return impl_->fenced;
}
std::uint16_t ModbusIo::highest_owner_epoch() const {
  return impl_->highest_epoch;
}

int ModbusIo::refusal_count() const {
  return static_cast<int>(impl_->refusals.size());
}
const WriteRefusal& ModbusIo::refusal(int i) const {
  return impl_->refusals[static_cast<size_t>(i)];
}
std::string ModbusIo::describe_last_read() const {
  const Impl& m = *impl_;
  if (m.connections.empty()) return "no connection";
  // Every connection's phase (all slow: the server; one: that connection), then
  // the slowest connection's longest request.
  const Impl::Connection* slowest = &m.connections.front();
  std::string text = "connections read for";
  for (const Impl::Connection& c : m.connections) {
    text += (&c == &m.connections.front() ? " " : ", ") + fmt_ms(c.read_times.phase_ms);
    if (c.read_times.phase_ms > slowest->read_times.phase_ms) slowest = &c;
  }
  const Impl::Connection::ReadTimes& t = slowest->read_times;
  text += " ms; " + slowest->label + ": " + std::to_string(t.requests) + " requests";
  if (t.slowest_device >= 0)
    text += ", the longest " + fmt_ms(t.slowest_request_ms) + " ms (" +
            m.devices[static_cast<size_t>(t.slowest_device)].address.name + ")";
  return text;
}

void ModbusIo::clear_refusals() {
  impl_->refusals.clear();
}
const std::vector<std::string>& ModbusIo::faults() const {
  return impl_->fault_lines;
}
void ModbusIo::clear_faults() {
  impl_->fault_lines.clear();
}
std::size_t ModbusIo::connection_count() const {
  return impl_->connections.size();
}
ModbusIo::Counters ModbusIo::counters() const {
  const Impl::AtomicCounters& c = impl_->counters;
  return Counters{c.requests.load(), c.timeouts.load(), c.exceptions.load(), c.reconnects.load()};
}

}  // namespace hal
