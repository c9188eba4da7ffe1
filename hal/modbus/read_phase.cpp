// Reading a device's tables, and the process image from what the devices last
// answered: a device that answered since the last scan is graded as usual; one
// that has not (late, or polled apart) keeps its last value and time stamp and
// is stale; one that does not answer is comms lost.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "backend.hpp"
#include "modbus_errors.hpp"

namespace hal {

namespace {

using regs::Register;
using regs::Table;

std::string fmt_ms(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", ms);
  return text;
}

}  // namespace

void ModbusIo::Impl::do_read(Connection& c, Device& d, double now_s) {
  if (now_s < d.skip_until_s) return;
  modbus_set_slave(c.ctx, d.address.unit_id);
  // With a read deadline, a home TCP connection does not wait for a late device:
  // it goes apart, where the full timeout, the retries and the back-off apply.
  const bool hand_over = !c.apart && d.apart >= 0;
  double longest_ms = 0;
  bool gone = false;  // handed over or connection lost: the device is not ours now
  auto attempt = [&](auto&& request) {
    for (int a = 0; a <= options.retries; ++a) {
      ++counters.requests;
      const auto sent = std::chrono::steady_clock::now();
      const int rc = request();
      const double ms = ms_since(sent);
      longest_ms = std::max(longest_ms, ms);
      c.read_times.note_request(ms, static_cast<int>(&d - devices.data()));
      if (rc >= 0) return 0;
      const int err = errno;
      if (is_exception(err)) return err;
      if (retryable(c.rtu(), err)) {
        if (hand_over) {
          go_apart(c, d, now_s);
          gone = true;
          reopen(c, now_s);  // leaves the late answer behind
          return -1;
        }
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
  // True when answered; otherwise the device is lost, backed off, or apart.
  auto answered = [&](int rc) {
    if (rc == -1 && !gone) show_lost(d);
    if (rc > 0) device_failed(d, now_s, rc == ETIMEDOUT ? "no answer" : modbus_strerror(rc));
    return rc == 0;
  };
  if (!answered(attempt(
          [&] { return modbus_read_input_registers(c.ctx, 0, d.input_words, d.input.data()); })))
    return;
  const bool periodic = now_s >= d.next_holding_read_s;
  if (d.verify || periodic) {
    if (!answered(attempt(
            [&] { return modbus_read_registers(c.ctx, 0, d.holding_words, d.holding.data()); })))
      return;
    if (periodic) d.next_holding_read_s = now_s + kHoldingReadbackS;
    d.verify = false;
    check_owner(d);
    // The device must still hold what it accepted; if not, it is written again.
    std::lock_guard<std::mutex> lock(share);
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
  show_answer(d, now_s);
  note_in_time(c, d, longest_ms);  // last: it may hand the device home
}

void ModbusIo::Impl::show_answer(Device& d, double now_s) {
  std::lock_guard<std::mutex> lock(share);
  std::copy(d.input.begin(), d.input.end(), d.shown.input.begin());
  std::copy(d.holding.begin(), d.holding.end(), d.shown.holding.begin());
  d.shown.lost = false;
  d.shown.fresh = true;
  d.shown.stamp_s = now_s;
  d.shown.heartbeat_changed_s = d.heartbeat_changed_s;
}

void ModbusIo::Impl::show_lost(Device& d) {
  std::lock_guard<std::mutex> lock(share);
  d.shown.lost = true;
}

double ModbusIo::Impl::value(const Device& d, const char* name) const {
  const Register* r = d.map->find(name);
  if (!r) return 0;
  const std::vector<std::uint16_t>& block =
      r->table == Table::kInput ? d.shown.input : d.shown.holding;
  return regs::decode(*r, &block[r->address]);
}

void ModbusIo::read(ProcessImage& image, double now_s) {
  Impl& m = *impl_;
  m.ask_reads(now_s);
  m.wait_reads();
  image.scan_time_s = now_s;
  std::lock_guard<std::mutex> lock(m.share);
  auto put = [&](Signal& s, const Impl::Device& d, const char* name, double lo, double hi) {
    const Impl::Shown& w = d.shown;
    const double v = m.value(d, name);
    if (w.lost) {
      set_signal(s, v, w.stamp_s, Quality::kCommsLost);
    } else if (!w.fresh) {
      set_signal(s, v, w.stamp_s, Quality::kStale);  // no answer since the last scan
    } else {
      Quality q = grade(true, w.stamp_s, now_s, m.options.stale_after_s, v, lo, hi);
      const bool stuck = now_s - w.heartbeat_changed_s > m.options.stale_after_s;
      if (q == Quality::kGood && stuck) q = Quality::kStale;
      set_signal(s, v, w.stamp_s, q);
    }
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
    put(t.mechanical_power_mw, d, "mechanical_power_mw", -0.1 * l.turbine_mw_max, l.turbine_mw_max);
    put(t.setpoint_mw, d, "setpoint_readback_mw", 0, l.turbine_mw_max);
    put(t.status, d, "status", 0, 6);
    put(t.run_hours, d, "run_hours", 0, 1e6);
    put(t.trip_cause, d, "trip_cause", 0, 7);
  }
  for (std::size_t i = 0; i < m.pods.size(); ++i) {
    const Impl::Device& d = m.devices[static_cast<size_t>(m.pods[i])];
    PodInputs& pod = image.pods[i];
    put(pod.power_mw, d, "power_mw", 0, l.pod_mw_max);
    put(pod.cap_mw, d, "cap_in_effect_mw", 0, l.pod_mw_max);
    put(pod.floor_mw, d, "floor_in_effect_mw", 0, l.pod_mw_max);
    put(pod.status, d, "status", 0, 63);
    put(pod.iteration_phase_s, d, "iteration_phase_s", 0, kNoIteration);
  }
  if (m.battery >= 0) {
    const Impl::Device& d = m.devices[static_cast<size_t>(m.battery)];
    put(image.battery.power_mw, d, "power_mw", -l.battery_mw_max, l.battery_mw_max);
    put(image.battery.soc_pu, d, "soc_pu", 0, 1);
  }
  for (Impl::Device& d : m.devices)
    d.shown.fresh = false;  // the next scan sees only what comes in after this one
}

std::string ModbusIo::describe_last_read() const {
  Impl& m = *impl_;
  if (m.connections.empty()) return "no connection";
  std::lock_guard<std::mutex> lock(m.mutex);
  // Every connection's pass (all slow: the server; one: that connection), then
  // the slowest connection's longest request.
  const Impl::Connection* slowest = &m.connections.front();
  std::string text = "connections read for";
  for (const Impl::Connection& c : m.connections) {
    text += (&c == &m.connections.front() ? " " : ", ") + fmt_ms(c.last_read_times.phase_ms);
    if (c.read_asked) text += " (under way)";
    if (c.last_read_times.phase_ms > slowest->last_read_times.phase_ms) slowest = &c;
  }
  const Impl::Connection::ReadTimes& t = slowest->last_read_times;
  text += " ms; " + slowest->label + ": " + std::to_string(t.requests) + " requests";
  if (t.slowest_device >= 0)
    text += ", the longest " + fmt_ms(t.slowest_request_ms) + " ms (" +
            m.devices[static_cast<size_t>(t.slowest_device)].address.name + ")";
  return text;
}

}  // namespace hal
