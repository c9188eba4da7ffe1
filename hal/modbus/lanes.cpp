// The workers, one per connection, and the scan's read deadline. The scan asks
// every idle connection for a read pass and takes what has come in when the home
// connections are done or the deadline has passed, whichever is first; a pass
// still under way goes on, and its answers are shown to the next scan. A TCP
// device that does not answer within the deadline goes to its endpoint's
// connection apart, where a silent or slow device delays nobody else.
#include <algorithm>
#include <cstdio>

#include "backend.hpp"

namespace hal {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

void ModbusIo::Impl::ask_reads(double now_s) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (Connection& c : connections) {
      if (c.apart) c.read_now_s = now_s;  // a long pass apart stamps with the latest scan
      if (c.read_asked) {                 // still on its last pass: it starts over, from the POI on
        c.read_again = !c.apart;
        continue;
      }
      c.read_asked = true;
      c.read_now_s = now_s;
    }
  }
  start_cv.notify_all();
}

void ModbusIo::Impl::wait_reads() {
  const auto began = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex);
  auto done = [this] {
    for (std::size_t i = 0; i < home_connections; ++i)
      if (connections[i].read_asked) return false;
    return true;
  };
  if (options.read_deadline_s <= 0) {
    done_cv.wait(lock, done);
    return;
  }
  done_cv.wait_until(lock,
                     began + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(options.read_deadline_s)),
                     done);
}

void ModbusIo::Impl::ask_writes(double now_s) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (Connection& c : connections) {
      c.write_asked = true;
      c.write_now_s = now_s;
    }
  }
  start_cv.notify_all();
}

void ModbusIo::Impl::wait_writes() {
  std::unique_lock<std::mutex> lock(mutex);
  done_cv.wait(lock, [this] {
    for (const Connection& c : connections)
      if (c.write_asked || c.writing) return false;
    return true;
  });
}

bool ModbusIo::Impl::holds(const Connection& c, const Device& d) const {
  return lane[static_cast<size_t>(&d - devices.data())].load(std::memory_order_acquire) ==
         static_cast<int>(&c - connections.data());
}

void ModbusIo::Impl::worker(std::size_t index) {
  Connection& c = connections[index];
  for (;;) {
    bool reads, writes;
    double read_now, write_now;
    {
      std::unique_lock<std::mutex> lock(mutex);
      start_cv.wait(lock, [&] { return quit || c.read_asked || c.write_asked; });
      if (quit) return;
      writes = c.write_asked;
      c.write_asked = false;
      c.writing = writes;
      reads = c.read_asked;
      if (reads) c.read_again = false;  // this pass is the one asked for
      read_now = c.read_now_s;
      write_now = c.write_now_s;
    }
    // Commands go out first; then this scan's (or, apart, the latest) reads.
    bool cut = false;
    for (int pass = writes ? 0 : 1; pass < (reads ? 2 : 1); ++pass) {
      const bool read = pass == 1;
      const double now = read ? read_now : write_now;
      const auto began = std::chrono::steady_clock::now();
      if (read) c.read_times = Connection::ReadTimes{};
      bool any = false;
      for (int i : c.devices)
        any |= holds(c, devices[static_cast<size_t>(i)]);
      if (!any && c.apart && c.ctx) {
        // Every late device is home again: the connection apart is not needed.
        modbus_close(c.ctx);
        modbus_free(c.ctx);
        c.ctx = nullptr;
      }
      if (any && ensure_connected(c, now)) {
        double at = now;
        for (std::size_t n = 0; n < c.devices.size(); ++n) {
          Device& d = devices[static_cast<size_t>(c.devices[n])];
          if (!c.ctx) break;  // lost during this pass
          {
            std::lock_guard<std::mutex> lock(mutex);
            if (quit) break;
            // A pass that outlasted its scan starts over for the next, so the
            // devices first on the connection (POI, battery, turbines) stay fresh.
            // A pass apart can be long: each request has the latest scan time.
            if (read && (c.read_again || c.apart)) at = c.read_now_s;
            if (read && c.read_again && c.write_asked) {
              cut = true;  // the commands go first; then the reads start over
              break;
            }
            if (read && c.read_again) {
              c.read_again = false;
              n = static_cast<std::size_t>(-1);
              continue;
            }
          }
          if (!holds(c, d)) continue;
          sync_epoch(d);
          if (read)
            do_read(c, d, at);
          else
            do_writes(c, d, now);
        }
      }
      if (read && !c.ctx)
        for (int i : c.devices)
          if (holds(c, devices[static_cast<size_t>(i)])) show_lost(devices[static_cast<size_t>(i)]);
      if (read) c.read_times.phase_ms = ms_since(began);
      if (!read) {
        std::lock_guard<std::mutex> lock(mutex);
        c.writing = false;
        done_cv.notify_all();
      }
    }
    if (reads && !cut) {
      std::lock_guard<std::mutex> lock(mutex);
      c.read_asked = c.read_again = false;
      c.last_read_times = c.read_times;
      done_cv.notify_all();
    }
  }
}

void ModbusIo::Impl::go_apart(Connection& c, Device& d, double /*now_s*/) {
  ++counters.late;
  d.claimed = 0;  // claimed again on the connection apart before it is written
  d.in_time = 0;
  const bool first = !d.late;
  d.late = true;
  if (first) {
    char line[160];
    std::snprintf(line, sizeof line,
                  ": late (nothing in %.0f ms, of a %.0f ms read deadline): stale; polled "
                  "apart from the scan",
                  c.timeout_s * 1000, options.read_deadline_s * 1000);
    fault(d.address.name + line);
  }
  // Last: from here the connection apart holds the device.
  lane[static_cast<size_t>(&d - devices.data())].store(d.apart, std::memory_order_release);
}

void ModbusIo::Impl::note_in_time(Connection& c, Device& d, double request_ms) {
  if (!c.apart) return;
  // Well in time, a few times in a row: home again.
  if (request_ms > in_time_s * 1000) {
    d.in_time = 0;
    return;
  }
  if (++d.in_time < kInTimeToReturn) return;
  d.in_time = 0;
  d.claimed = 0;
  if (d.late) {
    d.late = false;
    fault(d.address.name + ": answering in time again; polled with the scan");
  }
  lane[static_cast<size_t>(&d - devices.data())].store(d.home, std::memory_order_release);
}

}  // namespace hal
