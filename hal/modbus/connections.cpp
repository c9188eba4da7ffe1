// The devices and connections of a site, connecting, reconnecting, and back-off.
#include <algorithm>
#include <cmath>

#include "backend.hpp"
#include "register_access.hpp"

namespace hal {

namespace {

using regs::DeviceKind;
using regs::Register;
using regs::Table;

int block_words(const regs::DeviceMap& map, Table table) {
  int n = 0;
  for (const Register& r : map.registers)
    if (r.table == table) n = std::max(n, r.address + regs::words(r.type));
  return n;
}

}  // namespace

ModbusIo::Impl::Impl(const site::Site& s, const ModbusIoOptions& o) : options(o), limits(s) {
  const std::vector<regs::DeviceAddress> addresses = regs::device_addresses(s);
  const int shift = o.base_port - s.modbus.base_port;
  std::map<std::string, int> endpoint_devices;  // devices so far, by endpoint
  // With a read deadline, a home TCP connection waits for an answer half of it,
  // so that a pass cut short by a late device starts over for the next scan and
  // still reads the devices first on it in time; without one, the scan waits for
  // every answer as long as it takes.
  const double home_timeout_s =
      o.read_deadline_s > 0
          ? std::min(std::max(o.read_deadline_s / 2, kHomeTimeoutFloorS), o.response_timeout_s)
          : o.response_timeout_s;
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
    d.shown.input = d.input;
    d.shown.holding = d.holding;
    d.accepted.assign(d.map->registers.size(), std::nan(""));
    d.refusing.assign(d.map->registers.size(), 0);
    d.pending.reserve(d.map->registers.size());
    d.queued.reserve(d.map->registers.size());
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
    const int share_count = da.serial.empty() ? o.connections_per_endpoint : 1;
    const int nth = endpoint_devices[endpoint_text(da)]++;
    const int slot = nth % std::max(1, share_count);
    auto same = [&](const Connection& c) {
      return da.serial.empty() ? !c.rtu() && c.endpoint.port == da.port &&
                                     c.endpoint.host == da.host && c.slot == slot
                               : c.endpoint.serial == da.serial;
    };
    auto it = std::find_if(connections.begin(), connections.end(), same);
    if (it == connections.end()) {
      connections.emplace_back();
      Connection& c = connections.back();
      c.endpoint = da;
      c.slot = slot;
      c.endpoint_label = endpoint_text(da);
      c.timeout_s = da.serial.empty() ? home_timeout_s : o.response_timeout_s;
      endpoint_down_count[endpoint_text(da)] = 0;
      c.label = endpoint_text(da) + (slot > 0 ? " #" + std::to_string(slot + 1) : "");
      it = connections.end() - 1;
    }
    it->devices.push_back(i);
    devices.back().home = static_cast<int>(it - connections.begin());
  }
  home_connections = connections.size();
  in_time_s = home_timeout_s / 2;
  // With a read deadline, each TCP endpoint has one more connection, for its
  // devices that did not answer in time: polled there, apart from the scan, with
  // the full response timeout, until they answer in time again. A serial line
  // has one master: its late devices stay on it, and the scan does not wait.
  if (o.read_deadline_s > 0) {
    for (Device& d : devices) {
      if (!d.address.serial.empty()) continue;
      const std::string label = endpoint_text(d.address);
      auto it = std::find_if(connections.begin() + static_cast<std::ptrdiff_t>(home_connections),
                             connections.end(),
                             [&](const Connection& c) { return c.endpoint_label == label; });
      if (it == connections.end()) {
        connections.emplace_back();
        Connection& c = connections.back();
        c.endpoint = d.address;
        c.apart = true;
        c.slot = -1;
        c.endpoint_label = label;
        c.timeout_s = o.response_timeout_s;
        c.label = label + " (apart)";
        it = connections.end() - 1;
      }
      it->devices.push_back(static_cast<int>(&d - devices.data()));
      d.apart = static_cast<int>(it - connections.begin());
    }
  }
  lane = std::vector<std::atomic<int>>(devices.size());
  for (std::size_t i = 0; i < devices.size(); ++i)
    lane[i].store(devices[i].home);
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

bool ModbusIo::Impl::ensure_connected(Connection& c, double now_s) {
  if (c.ctx) return true;
  if (now_s < c.retry_at_s) return false;
  c.ctx = new_context(c.endpoint, c.timeout_s);
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
  d.backoff_s =
      d.backoff_s <= 0 ? options.backoff_first_s : std::min(2 * d.backoff_s, options.backoff_max_s);
  d.skip_until_s = now_s + d.backoff_s;
  show_lost(d);
  if (!d.comms_fault) {
    d.comms_fault = true;
    fault(d.address.name + ": " + why + "; polled again after back-off");
  }
}

}  // namespace hal
