// Fencing, for a hot-standby pair: every device is claimed with the owner epoch
// (its owner_epoch register) before anything else is written to it, and again
// on every new connection (the device binds its owner to the connection). A
// claim or write refused with exception 1, or a read-back showing another
// epoch, fences this backend: it writes nothing more.
#include <algorithm>
#include <cmath>

#include "backend.hpp"
#include "modbus_errors.hpp"

namespace hal {

// A new epoch forgets the claims and what the devices were last told; the
// scan thread clears `accepted` when it sets the epoch, the device's lane the rest.
void ModbusIo::Impl::sync_epoch(Device& d) {
  const std::uint16_t epoch = owner_epoch.load();
  if (d.epoch_seen == epoch) return;
  d.epoch_seen = epoch;
  d.claimed = 0;
  std::fill(d.refusing.begin(), d.refusing.end(), 0);
  d.verify = true;
}

void ModbusIo::Impl::unclaim(Connection& c) {
  for (int i : c.devices) {
    Device& d = devices[static_cast<size_t>(i)];
    if (holds(c, d)) d.claimed = 0;
  }
}

// Fenced, once, by a refusal or read-back under the current epoch (not one that
// was overtaken while the request was on its way).
void ModbusIo::Impl::fence(const std::string& line, std::uint16_t epoch) {
  if (epoch != owner_epoch.load()) return;
  if (!fenced.exchange(true)) fault(line);
}

bool ModbusIo::Impl::claim(Connection& c, Device& d, double now_s) {
  const std::uint16_t epoch = d.epoch_seen;
  ++counters.requests;
  if (modbus_write_register(c.ctx, d.owner->address, epoch) >= 0) {
    d.claimed = epoch;
    return true;
  }
  const int err = errno;
  d.pending.clear();
  if (err == MODBUS_ENOBASE + MODBUS_EXCEPTION_ILLEGAL_FUNCTION) {
    ++counters.exceptions;
    fence(d.address.name + ": claim with epoch " + std::to_string(epoch) +
              " refused: another controller owns it (fenced)",
          epoch);
  } else if (is_exception(err)) {
    ++counters.exceptions;
  } else if (retryable(c.rtu(), err)) {
    // As for any write: the device is backed off (or goes apart), and a fresh
    // connection leaves a late answer behind; the claim is made again when it answers.
    no_answer(c, d, now_s, "no answer to its claim");
  } else {
    lose_connection(c, now_s);
  }
  return false;
}

void ModbusIo::Impl::check_owner(Device& d) {
  if (!d.owner) return;
  const auto held =
      static_cast<std::uint16_t>(regs::decode(*d.owner, &d.holding[d.owner->address]));
  std::uint16_t seen = highest_epoch.load();
  while (regs::epoch_after(held, seen) && !highest_epoch.compare_exchange_weak(seen, held)) {
  }
  const std::uint16_t epoch = d.epoch_seen;
  if (epoch != 0 && d.claimed == epoch && held != epoch)
    fence(d.address.name + ": now owned by epoch " + std::to_string(held) + ", not " +
              std::to_string(epoch) + " (fenced)",
          epoch);
}

void ModbusIo::set_owner_epoch(std::uint16_t epoch) {
  Impl& m = *impl_;
  if (epoch == m.owner_epoch.load()) return;
  m.owner_epoch = epoch;
  m.fenced = false;
  std::lock_guard<std::mutex> lock(m.share);
  for (Impl::Device& d : m.devices)
    std::fill(d.accepted.begin(), d.accepted.end(), std::nan(""));
}
bool ModbusIo::fenced() const {
  return impl_->fenced;
}
std::uint16_t ModbusIo::highest_owner_epoch() const {
  return impl_->highest_epoch;
}

}  // namespace hal
