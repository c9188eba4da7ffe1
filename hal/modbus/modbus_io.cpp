// ModbusIo's public face: its parts are listed in backend.hpp.
#include "modbus_io.hpp"

#include "backend.hpp"

namespace hal {

ModbusIo::ModbusIo(const site::Site& site, const ModbusIoOptions& options)
    : impl_(std::make_unique<Impl>(site, options)) {}
ModbusIo::~ModbusIo() = default;

// The workers report at any time; the scan thread takes what they reported so
// far and reads it at leisure.
int ModbusIo::refusal_count() const {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.log_mutex);
  m.refusal_view.insert(m.refusal_view.end(), m.refusals.begin(), m.refusals.end());
  m.refusals.clear();
  return static_cast<int>(m.refusal_view.size());
}
const WriteRefusal& ModbusIo::refusal(int i) const {
  return impl_->refusal_view[static_cast<size_t>(i)];
}
void ModbusIo::clear_refusals() {
  impl_->refusal_view.clear();
}
const std::vector<std::string>& ModbusIo::faults() const {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.log_mutex);
  for (std::string& line : m.fault_lines)
    m.fault_view.push_back(std::move(line));
  m.fault_lines.clear();
  return m.fault_view;
}
void ModbusIo::clear_faults() {
  impl_->fault_view.clear();
}
std::size_t ModbusIo::connection_count() const {
  return impl_->home_connections;
}
ModbusIo::Counters ModbusIo::counters() const {
  const Impl::AtomicCounters& c = impl_->counters;
  return Counters{c.requests.load(), c.timeouts.load(), c.exceptions.load(), c.reconnects.load(),
                  c.late.load()};
}

}  // namespace hal
