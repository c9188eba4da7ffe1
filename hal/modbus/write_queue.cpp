// Commands: the scan queues what it wants (one entry per register, the latest
// wins) and returns; the worker that holds the device writes it, and the read
// phase reads it back. Setpoints, caps and floors are written only when they
// differ from what the device last accepted.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "backend.hpp"
#include "modbus_errors.hpp"

namespace hal {

using regs::Register;

void ModbusIo::Impl::refuse(Device& d, const Pending& p, const char* reason) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (refusals.size() < kMaxRefusals)
    refusals.push_back(WriteRefusal{d.map->name, d.address.index, p.what, p.value, reason});
}

// Under `share`.
void ModbusIo::Impl::queue(Device& d, const Register* r, double v, const char* what,
                           bool one_shot) {
  const std::size_t k = static_cast<std::size_t>(reg_index(d, r));
  auto same =
      std::find_if(d.queued.begin(), d.queued.end(), [r](const Pending& p) { return p.reg == r; });
  if (!one_shot && d.accepted[k] == v) {  // the device holds it already
    if (same != d.queued.end()) d.queued.erase(same);
    return;
  }
  if (same != d.queued.end())
    *same = Pending{r, v, what};
  else
    d.queued.push_back(Pending{r, v, what});
}

void ModbusIo::Impl::do_writes(Connection& c, Device& d, double now_s) {
  {
    std::lock_guard<std::mutex> lock(share);
    d.pending.swap(d.queued);
    d.queued.clear();
  }
  const std::uint16_t epoch = d.epoch_seen;
  const bool unclaimed = epoch != 0 && d.owner && d.claimed != epoch;
  if (d.pending.empty() && !unclaimed) return;
  if (now_s < d.skip_until_s || !d.ever_answered || fenced) {
    d.pending.clear();  // not reachable now; desired values are queued again next scan
    return;
  }
  modbus_set_slave(c.ctx, d.address.unit_id);
  // Nothing reaches a device before it is ours: the claim goes first.
  if (unclaimed && !claim(c, d, now_s)) return;
  for (std::size_t n = 0; n < d.pending.size(); ++n) {
    const Pending& p = d.pending[n];
    std::uint16_t w[2];
    const std::size_t k = static_cast<std::size_t>(reg_index(d, p.reg));
    if (!regs::encode(*p.reg, p.value, w)) {
      if (!d.refusing[k]) refuse(d, p, "value does not fit the register");
      d.refusing[k] = 1;
      continue;
    }
    ++counters.requests;
    const int words = regs::words(p.reg->type);
    const int rc = words == 1 ? modbus_write_register(c.ctx, p.reg->address, w[0])
                              : modbus_write_registers(c.ctx, p.reg->address, words, w);
    if (rc >= 0) {
      {
        std::lock_guard<std::mutex> lock(share);
        d.accepted[k] = p.value;
      }
      if (d.refusing[k]) fault(d.address.name + " " + p.reg->name + ": accepted again");
      d.refusing[k] = 0;
      d.verify = true;
      continue;
    }
    const int err = errno;
    if (epoch != 0 && err == MODBUS_ENOBASE + MODBUS_EXCEPTION_ILLEGAL_FUNCTION) {
      ++counters.exceptions;  // another controller claimed the device: write nothing more
      fence(d.address.name + " " + p.reg->name + ": refused, another controller owns it (fenced)",
            epoch);
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
      std::lock_guard<std::mutex> lock(share);
      d.accepted[k] = p.value;
      continue;
    }
    d.pending.clear();
    if (retryable(c.rtu(), err)) {
      no_answer(c, d, now_s, "no answer to a write");
      return;
    }
    lose_connection(c, now_s);
    return;
  }
  d.pending.clear();
}

// A request that got no answer: on a home TCP connection with a read deadline
// the device goes apart; elsewhere it is backed off. Either way a fresh
// connection leaves a late answer behind. The device may no longer be this
// connection's when it returns.
void ModbusIo::Impl::no_answer(Connection& c, Device& d, double now_s, const char* why) {
  if (!c.apart && d.apart >= 0) {
    go_apart(c, d, now_s);
  } else {
    ++counters.timeouts;
    device_failed(d, now_s, why);
  }
  reopen(c, now_s);
}

void ModbusIo::write(const Commands& c, double now_s) {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.share);
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
  }
  m.ask_writes(now_s);
  // Without a read deadline the scan waits for its writes, as for its reads.
  if (m.options.read_deadline_s <= 0) m.wait_writes();
}

}  // namespace hal
