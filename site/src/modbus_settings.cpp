// The [modbus] section: where the devices are served, TCP or RTU, and what the
// controller configures on the pod gateways. docs/configuration.md documents it.
#include <algorithm>
#include <array>

#include "sections.hpp"

namespace site {
namespace {

constexpr Need kRequired = Need::kRequired;

const Choices<ModbusLayout> kLayouts = {{"gateway", ModbusLayout::kGateway},
                                        {"port_per_device", ModbusLayout::kPortPerDevice}};
const Choices<SerialParity> kParities = {
    {"none", SerialParity::kNone}, {"even", SerialParity::kEven}, {"odd", SerialParity::kOdd}};
constexpr std::array<int, 9> kBauds = {1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400};

std::string quote(const std::string& s) {
  return "\"" + s + "\"";
}

}  // namespace

bool is_ipv4(const std::string& s) {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t digits = 0;
    int value = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
      value = value * 10 + (s[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3 || value > 255) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

namespace {

bool is_device(const Site& s, const std::string& name) {
  if (name == "poi" || (name == "battery" && s.has_battery)) return true;
  for (int u = 0; u < s.turbine_count(); ++u)
    if (name == "turbine." + std::to_string(u)) return true;
  for (int p = 0; p < s.pod_count(); ++p)
    if (name == "pod." + std::to_string(p)) return true;
  return false;
}

// One [[modbus.device]]: a TCP endpoint (host, port) or a serial line (serial,
// baud, parity, stop_bits), never both.
void read_device(TomlReader& d, const Site& s, const Modbus& m, ModbusDevice& dev) {
  dev.host = m.host;
  if (d.string("name", dev.name, kRequired) && !is_device(s, dev.name))
    d.error("name", quote(dev.name) +
                        " is not a device of this site: devices are poi, battery (with a "
                        "[battery]), turbine.0..turbine." +
                        std::to_string(s.turbine_count() - 1) + ", pod.0..pod." +
                        std::to_string(s.pod_count() - 1));
  for (const ModbusDevice& other : m.devices)
    if (other.name == dev.name) d.error("name", quote(dev.name) + " is listed twice");
  d.integer("unit_id", dev.unit_id, Range::closed(1, 247));
  if (d.has("serial")) {
    if (d.string("serial", dev.serial) && dev.serial.rfind('/', 0) != 0)
      d.error("serial",
              "must be the absolute path of a serial device such as \"/dev/ttyUSB0\"; "
              "found " +
                  quote(dev.serial));
    if (d.has("host") || d.has("port"))
      d.error(d.has("host") ? "host" : "port",
              "a device is reached either over TCP (host, port) or over RTU (serial), not both");
    if (d.integer("baud", dev.baud, Range::closed(1200, 230400)) &&
        std::find(kBauds.begin(), kBauds.end(), dev.baud) == kBauds.end())
      d.error("baud", std::to_string(dev.baud) +
                          " is not a standard rate: 1200, 2400, 4800, 9600, 19200, 38400, 57600, "
                          "115200 or 230400");
    d.choice("parity", dev.parity, kParities);
    d.integer("stop_bits", dev.stop_bits, Range::closed(1, 2));
  } else {
    if (d.string("host", dev.host) && !is_ipv4(dev.host))
      d.error("host", "must be an IPv4 address such as \"127.0.0.1\"; found " + quote(dev.host));
    d.integer("port", dev.port, Range::closed(1, 65535), kRequired);
    for (const char* key : {"baud", "parity", "stop_bits"})
      if (d.has(key)) d.error(key, "applies to a serial device only (give serial = \"/dev/...\")");
  }
  // Devices that share a line or an endpoint need distinct unit ids, and a line
  // one set of serial settings.
  for (const ModbusDevice& o : m.devices) {
    const bool same_line = !dev.serial.empty() && o.serial == dev.serial;
    const bool same_endpoint =
        dev.serial.empty() && o.serial.empty() && o.host == dev.host && o.port == dev.port;
    if ((same_line || same_endpoint) && o.unit_id == dev.unit_id)
      d.error("unit_id", "unit id " + std::to_string(dev.unit_id) + " is already " + quote(o.name) +
                             "'s on the same " + (same_line ? "line" : "endpoint"));
    if (same_line && (o.baud != dev.baud || o.parity != dev.parity || o.stop_bits != dev.stop_bits))
      d.error("baud", "every device on " + dev.serial +
                          " must use the same baud, parity and stop_bits as " + quote(o.name));
  }
}

}  // namespace

const char* to_string(SerialParity p) {
  switch (p) {
    case SerialParity::kNone:
      return "none";
    case SerialParity::kEven:
      return "even";
    case SerialParity::kOdd:
      return "odd";
  }
  return "?";
}

void read_modbus(TomlReader& root, Site& s) {
  Modbus& m = s.modbus;
  auto t = root.table("modbus");
  if (!t) return;
  if (t->string("host", m.host) && !is_ipv4(m.host)) {
    t->error("host", "must be an IPv4 address such as \"127.0.0.1\"; found " + quote(m.host));
  }
  const bool port_ok = t->integer("base_port", m.base_port, Range::closed(1, kMaxPort));
  const bool layout_ok = t->choice("layout", m.layout, kLayouts);
  // Every device has a port and unit id (hal/registers, device_addresses): 247 unit
  // ids per gateway port, or a port each; the last port must exist.
  const long long devices = 1LL + (s.has_battery ? 1 : 0) + s.turbine_count() + s.pod_count();
  const bool gateway = m.layout == ModbusLayout::kGateway;
  const long long last_port =
      m.base_port + (gateway ? (devices - 1) / kUnitIdsPerGateway : devices - 1);
  if (port_ok && layout_ok && last_port > kMaxPort)
    t->error(t->has("base_port") ? "base_port" : "layout",
             "the site's " + std::to_string(devices) + " devices, " +
                 (gateway ? std::to_string(kUnitIdsPerGateway) + " per port"
                          : std::string("one per port")) +
                 ", would take ports up to " + std::to_string(last_port) +
                 "; base_port must be at most " +
                 std::to_string(kMaxPort - (last_port - m.base_port)));
  t->integer("response_timeout_ms", m.response_timeout_ms, Range::closed(1, 60000));
  t->number("read_deadline_fraction", m.read_deadline_fraction, Range::closed(0.05, 0.9));
  t->integer("connections_per_endpoint", m.connections_per_endpoint, Range::closed(1, 16));
  t->number("pod_heartbeat_timeout_s", m.pod_heartbeat_timeout_s, Range::closed(0, 65535));
  if (t->has("pod_safe_cap_pu") &&
      t->number("pod_safe_cap_pu", m.pod_safe_cap_pu, Range::closed(0, 1))) {
    // A gateway refuses a cap below its group's lowest (exception 3).
    for (const PodGroup& g : s.pod_groups)
      if (g.compute_w_per_gpu > 0 && m.pod_safe_cap_pu * g.compute_w_per_gpu < g.min_cap_w_per_gpu)
        t->error("pod_safe_cap_pu", "is below pod group " + quote(g.name) +
                                        "'s min_cap_w_per_gpu (" +
                                        format_number(g.min_cap_w_per_gpu / g.compute_w_per_gpu) +
                                        " of compute); its gateways would refuse it");
  }
  for (TomlReader& d : t->tables("device")) {
    ModbusDevice dev;
    read_device(d, s, m, dev);
    d.finish();
    m.devices.push_back(dev);
  }
  t->finish();
}

}  // namespace site
