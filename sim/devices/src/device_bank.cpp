#include "sim/device_bank.hpp"

#include <algorithm>

#include <cmath>
#include <cstring>
#include <optional>
#include <string>

namespace sim {

namespace {
using hal::regs::DeviceKind;
using hal::regs::Register;
using hal::regs::Table;

constexpr std::uint8_t kIllegalFunction =
    static_cast<std::uint8_t>(hal::regs::Exception::kIllegalFunction);
constexpr std::uint8_t kIllegalAddress =
    static_cast<std::uint8_t>(hal::regs::Exception::kIllegalDataAddress);
constexpr std::uint8_t kIllegalValue =
    static_cast<std::uint8_t>(hal::regs::Exception::kIllegalDataValue);
constexpr std::uint8_t kBusy = static_cast<std::uint8_t>(hal::regs::Exception::kServerDeviceBusy);

std::uint8_t exception_for(CommandResult r) {
  switch (r) {
    case CommandResult::kAccepted:
      return 0;
    case CommandResult::kOutOfRange:
      return kIllegalValue;
    case CommandResult::kNotPermitted:
      return kBusy;
    case CommandResult::kNoResponse:
      return kBusy;
  }
  return kBusy;
}

bool is(const Register& r, const char* name) {
  return std::strcmp(r.name, name) == 0;
}
}  // namespace

DeviceBank::DeviceBank(Plant& plant) : plant_(plant) {
  devices_.push_back({DeviceKind::kPoi, 0});
  if (plant.battery()) devices_.push_back({DeviceKind::kBattery, 0});
  for (int u = 0; u < plant.turbine_count(); ++u)
    devices_.push_back({DeviceKind::kTurbine, u});
  for (int p = 0; p < plant.pods().size(); ++p)
    devices_.push_back({DeviceKind::kPodGateway, p});
  controller_heartbeat_.assign(devices_.size(), 0);
  owners_.assign(devices_.size(), Owner{});
  // Point names to indices once: a request must not search thousands of points.
  const std::vector<Point>& points = plant.measurements().points();
  for (size_t i = 0; i < points.size(); ++i)
    point_index_[points[i].name] = static_cast<int>(i);
  gateways_.assign(static_cast<size_t>(plant.pods().size()), PodGatewayState{});
}

int DeviceBank::find(DeviceKind kind, int index) const {
  for (size_t i = 0; i < devices_.size(); ++i)
    if (devices_[i].kind == kind && devices_[i].index == index) return static_cast<int>(i);
  return -1;
}

int DeviceBank::device_number(const DeviceId& d) const {
  const Measurements& m = plant_.measurements();
  switch (d.kind) {
    case DeviceKind::kPoi:
      return m.poi_device();
    case DeviceKind::kBattery:
      return m.battery_device();
    case DeviceKind::kTurbine:
      return m.turbine_device(d.index);
    case DeviceKind::kPodGateway:
      return m.pod_device(d.index);
    case DeviceKind::kPlantController:
      break;  // not a plant device
  }
  return 0;
}

// The engineering value behind a register. Measured quantities come through the
// plant's measurement layer, so a frozen or stuck sensor shows on the wire too.
double DeviceBank::value_of(int device, const Register& r) const {
  const DeviceId& d = devices_[static_cast<size_t>(device)];
  Plant& plant = plant_;
  const std::string i = std::to_string(d.index);
  auto measured = [&](const std::string& point) {
    return plant.measure(point_index_.at(point)).value;
  };
  if (is(r, "device_heartbeat")) return std::fmod(std::floor(plant.time_s()), 65536.0);
  if (is(r, "controller_heartbeat")) return controller_heartbeat_[static_cast<size_t>(device)];
  if (is(r, "command")) return 0;
  if (is(r, "owner_epoch")) return owners_[static_cast<size_t>(device)].epoch;
  switch (d.kind) {
    case DeviceKind::kPoi:
      if (is(r, "status"))
        return (measured("poi.breaker_closed") > 0.5 ? 1 : 0) +
               (measured("poi.grid_available") > 0.5 ? 2 : 0) + (plant.grid().closing() ? 4 : 0);
      if (is(r, "import_mw")) return measured("poi.import_mw");
      if (is(r, "grid_frequency_hz")) return measured("poi.grid_frequency_hz");
      if (is(r, "bus_frequency_hz")) return measured("poi.bus_frequency_hz");
      if (is(r, "rocof_hz_per_s")) return measured("poi.rocof_hz_per_s");
      if (is(r, "voltage_pu")) return measured("poi.voltage_pu");
      if (is(r, "facility_load_mw")) return measured("poi.facility_load_mw");
      break;
    case DeviceKind::kTurbine: {
      const Turbine& t = plant.turbine(d.index);
      if (is(r, "status"))
        return status_code(static_cast<TurbineState>(measured("turbine." + i + ".state")));
      if (is(r, "power_mw")) return measured("turbine." + i + ".power_mw");
      if (is(r, "mechanical_power_mw")) return measured("turbine." + i + ".mechanical_power_mw");
      if (is(r, "setpoint_readback_mw") || is(r, "setpoint_mw"))
        return measured("turbine." + i + ".setpoint_mw");
      if (is(r, "run_hours")) return measured("turbine." + i + ".run_hours");
      if (is(r, "starts")) return t.counters().starts;
      if (is(r, "stops")) return t.counters().stops;
      if (is(r, "trip_cause")) return static_cast<double>(t.trip_cause());
      break;
    }
    case DeviceKind::kPodGateway: {
      const PodFleet& pods = plant.pods();
      const PodGatewayState& g = gateways_[static_cast<size_t>(d.index)];
      if (is(r, "status")) return plant.pod_status_bits(d.index) + (g.safe_cap_active ? 4 : 0);
      if (is(r, "power_mw")) return measured("pod." + i + ".power_mw");
      if (is(r, "cap_in_effect_mw")) return measured("pod." + i + ".cap_mw");
      if (is(r, "floor_in_effect_mw")) return measured("pod." + i + ".floor_mw");
      if (is(r, "iteration_phase_s")) return measured("pod." + i + ".iteration_phase_s");
      if (is(r, "compute_mw")) return pods.compute_mw(d.index);
      if (is(r, "min_cap_mw")) return pods.min_cap_mw(d.index);
      if (is(r, "cap_mw")) return pods.cap_command_mw(d.index);
      if (is(r, "floor_mw")) return pods.floor_command_mw(d.index);
      if (is(r, "safe_cap_mw")) return g.safe_cap_mw;
      if (is(r, "heartbeat_timeout_s")) return g.timeout_s;
      break;
    }
    case DeviceKind::kBattery: {
      const Battery& b = *plant.battery();
      if (is(r, "status"))
        return (b.limited() ? 1 : 0) + (b.params().grid_forming ? 2 : 0) + (b.tripped() ? 4 : 0);
      if (is(r, "power_mw")) return measured("battery.power_mw");
      if (is(r, "soc_pu")) return measured("battery.soc_pu");
      if (is(r, "setpoint_readback_mw") || is(r, "setpoint_mw")) return b.setpoint_mw();
      break;
    }
    case DeviceKind::kPlantController:
      break;  // not a plant device
  }
  return 0;
}

Reply DeviceBank::read(int device, Table table, std::uint16_t address, std::uint16_t count,
                       std::uint16_t* out) {
  const DeviceId& d = devices_[static_cast<size_t>(device)];
  if (plant_.measurements().silent(device_number(d), plant_.time_s())) return {Answer::kSilent, 0};
  const hal::regs::DeviceMap& map = hal::regs::device_map(d.kind);
  const int first = address, last = address + count - 1;
  // Every address asked for must belong to a register (exception 2 otherwise).
  for (int a = first; a <= last; ++a) {
    bool known = false;
    for (const Register& r : map.registers)
      if (r.table == table && a >= r.address && a < r.address + hal::regs::words(r.type))
        known = true;
    if (!known) return {Answer::kException, kIllegalAddress};
  }
  for (const Register& r : map.registers) {
    const int n = hal::regs::words(r.type);
    if (r.table != table || r.address + n - 1 < first || r.address > last) continue;
    std::uint16_t words[2] = {0, 0};
    // A value the register cannot hold (a stuck sensor at -1 on an unsigned
    // register, say) reads as all ones: visibly wrong, never quietly clamped.
    if (!hal::regs::encode(r, value_of(device, r), words)) words[0] = words[1] = 0xFFFF;
    for (int w = 0; w < n; ++w) {
      const int a = r.address + w;
      if (a >= first && a <= last) out[a - first] = words[w];
    }
  }
  return {};
}

// Whether a value would be taken, changing nothing. Every register but `command`
// is fully checked here; a command's code is checked here and whether the device's
// state allows it when it is applied (first, so a refusal still changes nothing).
std::uint8_t DeviceBank::check(int device, const Register& r, double v) const {
  const DeviceId& d = devices_[static_cast<size_t>(device)];
  const Plant& plant = plant_;
  if (is(r, "controller_heartbeat")) return 0;
  switch (d.kind) {
    case DeviceKind::kPoi:
      if (is(r, "command")) return v == 1 || v == 2 ? 0 : kIllegalValue;
      break;
    case DeviceKind::kTurbine:
      if (is(r, "command")) return v == 1 || v == 2 || v == 3 ? 0 : kIllegalValue;
      if (is(r, "setpoint_mw")) return exception_for(plant.turbine_setpoint_allowed(d.index, v));
      break;
    case DeviceKind::kPodGateway: {
      if (is(r, "cap_mw")) return exception_for(plant.pod_cap_allowed(d.index, v));
      if (is(r, "floor_mw")) return exception_for(plant.pod_floor_allowed(d.index, v));
      if (is(r, "safe_cap_mw")) {
        // The cap register's range (min_cap_mw to compute_mw), without its actuation.
        const PodFleet& pods = plant.pods();
        return v >= pods.min_cap_mw(d.index) && v <= pods.compute_mw(d.index) ? 0 : kIllegalValue;
      }
      if (is(r, "heartbeat_timeout_s")) return 0;
      break;
    }
    case DeviceKind::kBattery:
      if (is(r, "setpoint_mw")) return exception_for(plant.battery_setpoint_allowed(v));
      break;
    case DeviceKind::kPlantController:
      break;  // not a plant device
  }
  return kIllegalAddress;
}

// Takes a value check() accepted.
std::uint8_t DeviceBank::apply(int device, const Register& r, double v) {
  const DeviceId& d = devices_[static_cast<size_t>(device)];
  Plant& plant = plant_;
  if (is(r, "controller_heartbeat")) {
    controller_heartbeat_[static_cast<size_t>(device)] = static_cast<std::uint16_t>(v);
    if (d.kind == DeviceKind::kPodGateway) {
      PodGatewayState& g = gateways_[static_cast<size_t>(d.index)];
      g.last_heartbeat_s = plant.time_s();
      g.safe_cap_active = false;
    }
    return 0;
  }
  switch (d.kind) {
    case DeviceKind::kPoi:
      if (is(r, "command"))
        return exception_for(v == 1 ? plant.breaker_close() : plant.breaker_open());
      break;
    case DeviceKind::kTurbine:
      if (is(r, "command")) {
        if (v == 1) return exception_for(plant.turbine_start(d.index));
        if (v == 2) return exception_for(plant.turbine_stop(d.index));
        return exception_for(plant.turbine_reset(d.index));
      }
      if (is(r, "setpoint_mw")) return exception_for(plant.turbine_setpoint(d.index, v));
      break;
    case DeviceKind::kPodGateway: {
      PodGatewayState& g = gateways_[static_cast<size_t>(d.index)];
      if (is(r, "cap_mw")) return exception_for(plant.pod_cap(d.index, v));
      if (is(r, "floor_mw")) return exception_for(plant.pod_floor(d.index, v));
      if (is(r, "safe_cap_mw")) {
        g.safe_cap_mw = v;
        return 0;
      }
      if (is(r, "heartbeat_timeout_s")) {
        g.timeout_s = static_cast<std::uint16_t>(v);
        g.last_heartbeat_s = plant.time_s();  // the watch starts now
        return 0;
      }
      break;
    }
    case DeviceKind::kBattery:
      if (is(r, "setpoint_mw")) return exception_for(plant.battery_setpoint(v));
      break;
    case DeviceKind::kPlantController:
      break;  // not a plant device
  }
  return kIllegalAddress;
}

Reply DeviceBank::write(int device, std::uint16_t address, std::uint16_t count,
                        const std::uint16_t* values, ClientId client) {
  const DeviceId& d = devices_[static_cast<size_t>(device)];
  if (plant_.measurements().silent(device_number(d), plant_.time_s())) return {Answer::kSilent, 0};
  const hal::regs::DeviceMap& map = hal::regs::device_map(d.kind);
  // The request must cover whole writable registers, and only those. A device map
  // has at most 9 holding registers.
  constexpr size_t kMaxTargets = 16;
  const Register* targets[kMaxTargets];
  double decoded[kMaxTargets];
  size_t n = 0;
  int a = address;
  while (a < address + count) {
    const Register* hit = nullptr;
    for (const Register& r : map.registers)
      if (r.table == Table::kHolding && r.address == a && r.access != hal::regs::Access::kRead)
        hit = &r;
    if (!hit || a + hal::regs::words(hit->type) > address + count || n == kMaxTargets)
      return {Answer::kException, kIllegalAddress};
    decoded[n] = hal::regs::decode(*hit, values + (a - address));
    targets[n++] = hit;
    a += hal::regs::words(hit->type);
  }
  // All or nothing (Modbus has no partial write): the owner rule and every value
  // are checked against the device as the request finds it before anything applies.
  Owner& owner = owners_[static_cast<size_t>(device)];
  const bool fenced = owner.epoch != 0 && owner.client != client;
  std::optional<Owner> next_owner;
  const Register* command = nullptr;
  double command_value = 0;
  for (size_t i = 0; i < n; ++i) {
    const Register& r = *targets[i];
    if (is(r, "owner_epoch")) {
      const auto epoch = static_cast<std::uint16_t>(decoded[i]);
      // A claim with the epoch held or one after it (serial-number arithmetic:
      // 1 follows 65535); a release only by the owner.
      const bool claim =
          epoch != 0 && (epoch == owner.epoch || hal::regs::epoch_after(epoch, owner.epoch));
      const bool release = epoch == 0 && (owner.epoch == 0 || owner.client == client);
      if (!claim && !release) {
        ++fenced_writes_;
        return {Answer::kException, kIllegalFunction};
      }
      next_owner = Owner{epoch, epoch == 0 ? 0 : client};
      continue;
    }
    if (fenced) {
      ++fenced_writes_;
      return {Answer::kException, kIllegalFunction};
    }
    if (const std::uint8_t e = check(device, r, decoded[i])) return {Answer::kException, e};
    if (is(r, "command")) command = &r, command_value = decoded[i];
  }
  // The one value whose acceptance depends on the device's state goes first.
  if (command)
    if (const std::uint8_t e = apply(device, *command, command_value))
      return {Answer::kException, e};
  for (size_t i = 0; i < n; ++i) {
    if (targets[i] == command || is(*targets[i], "owner_epoch")) continue;
    if (const std::uint8_t e = apply(device, *targets[i], decoded[i]))
      return {Answer::kException, e};  // not reached: check() accepted it
  }
  if (next_owner && (next_owner->epoch != owner.epoch || next_owner->client != owner.client)) {
    owner_changes_.push_back(
        {device, owner.epoch, next_owner->epoch, owner.client, next_owner->client});
    owner = *next_owner;
  }
  return {};
}

double DeviceBank::delay_s(int device) const {
  return plant_.measurements().delay_s(device_number(devices_[static_cast<size_t>(device)]),
                                       plant_.time_s());
}

void DeviceBank::tick() {
  const double now = plant_.time_s();
  if (now < next_watch_s_) return;
  next_watch_s_ = now + 1.0;  // the gateways check their heartbeat once a second
  for (size_t p = 0; p < gateways_.size(); ++p) {
    PodGatewayState& g = gateways_[p];
    if (g.timeout_s == 0 || g.safe_cap_active || g.safe_cap_mw <= 0) continue;
    if (now - g.last_heartbeat_s < g.timeout_s) continue;
    // A lost controller never releases load: the safe cap only ever lowers the cap.
    const int pod = static_cast<int>(p);
    const double cap_mw = std::min(g.safe_cap_mw, plant_.pods().cap_command_mw(pod));
    if (plant_.pod_cap(pod, cap_mw) == CommandResult::kAccepted) g.safe_cap_active = true;
  }
}

}  // namespace sim
