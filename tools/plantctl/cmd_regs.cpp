// `plantctl regs read|write|dump`: any device's registers by name, over Modbus
// TCP or RTU (as the site file places the device), decoded by the register maps
// (docs/register-maps.md).
#include <modbus/modbus.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "hal/device_addresses.hpp"
#include "hal/registers.hpp"
#include "register_access.hpp"
#include "site/load.hpp"

namespace plantctl {
namespace {

struct RegsArgs {
  std::string config, host, device, reg;
  int port = 0;
  std::string value;  // VALUE as typed
};

struct Connection {
  modbus_t* ctx = nullptr;
  hal::regs::DeviceAddress address{};
  ~Connection() {
    if (ctx) {
      modbus_close(ctx);
      modbus_free(ctx);
    }
  }
};

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "plantctl: " << message << "\n";
  throw CLI::RuntimeError(1);
}

void connect(const RegsArgs& a, Connection& c) {
  site::LoadResult loaded = site::load_site_file(a.config);
  if (!loaded.errors.empty()) {
    for (const auto& d : loaded.errors)
      std::cerr << d.str() << "\n";
    throw CLI::RuntimeError(1);
  }
  const site::Site& s = *loaded.site;
  std::string names;
  bool found = false;
  for (const hal::regs::DeviceAddress& d : hal::regs::device_addresses(s)) {
    if (d.name == a.device) c.address = d, found = true;
    if (names.size() < 80) names += (names.empty() ? "" : ", ") + d.name;
  }
  if (!found)
    fail("no device '" + a.device + "' in " + a.config + "; devices are " + names + " ...");
  // --host and --port move the site's gateway ports; a device listed under
  // [[modbus.device]] is where that entry says.
  if (!c.address.elsewhere) {
    if (a.port > 0) c.address.port += a.port - s.modbus.base_port;
    if (!a.host.empty()) c.address.host = a.host;
  }
  c.ctx = hal::new_context(c.address, s.modbus.response_timeout_ms / 1000.0);
  if (!c.ctx || modbus_connect(c.ctx) != 0)
    fail("cannot connect to " + hal::endpoint_text(c.address) + ": " + modbus_strerror(errno));
  modbus_set_slave(c.ctx, c.address.unit_id);
}

const hal::regs::Register& find(const Connection& c, const std::string& name) {
  const hal::regs::DeviceMap& map = hal::regs::device_map(c.address.kind);
  if (const hal::regs::Register* r = map.find(name)) return *r;
  std::string names;
  for (const hal::regs::Register& r : map.registers)
    names += (names.empty() ? "" : ", ") + std::string(r.name);
  fail("no register '" + name + "' on a " + map.name + "; registers are " + names);
}

double read(Connection& c, const hal::regs::Register& r) {
  double v = 0;
  if (!hal::read_register(c.ctx, r, v))
    fail(c.address.name + " " + r.name + ": " + modbus_strerror(errno));
  return v;
}

void print(const Connection& c, const hal::regs::Register& r, double v) {
  std::printf("%s %-22s %14.4f %-5s (%s %u, %s)\n", c.address.name.c_str(), r.name, v, r.unit,
              hal::regs::to_string(r.table), r.address, hal::regs::to_string(r.type));
}

void read_cmd(const RegsArgs& a) {
  Connection c;
  connect(a, c);
  const hal::regs::Register& r = find(c, a.reg);
  if (r.access == hal::regs::Access::kWrite) fail(std::string(r.name) + " is write-only");
  print(c, r, read(c, r));
}

void write_cmd(const RegsArgs& a) {
  Connection c;
  connect(a, c);
  const hal::regs::Register& r = find(c, a.reg);
  if (r.access == hal::regs::Access::kRead) fail(std::string(r.name) + " is read-only");
  char* end = nullptr;
  const double value = std::strtod(a.value.c_str(), &end);
  if (a.value.empty() || *end != '\0') fail("VALUE '" + a.value + "' is not a number");
  // What the operator typed goes to the device as it is, or not at all: 1.5 to a
  // command register must not become 2 (stop).
  if (!hal::regs::encodes_exactly(r, value))
    fail(a.value + " cannot be written to " + r.name + " exactly (" + hal::regs::to_string(r.type) +
         ", " + r.unit + "): allowed are " + hal::regs::allowed_values(r) + " " + r.unit);
  if (!hal::write_register(c.ctx, r, value))
    fail(c.address.name + " " + r.name + ": refused: " + modbus_strerror(errno));
  std::printf("%s %s = %s %s: accepted\n", c.address.name.c_str(), r.name, a.value.c_str(), r.unit);
}

void dump_cmd(const RegsArgs& a) {
  Connection c;
  connect(a, c);
  for (const hal::regs::Register& r : hal::regs::device_map(c.address.kind).registers) {
    if (r.access == hal::regs::Access::kWrite) continue;
    print(c, r, read(c, r));
  }
}

}  // namespace

void add_regs_commands(CLI::App& app) {
  CLI::App* group =
      app.add_subcommand("regs", "Read and write device registers by name over Modbus TCP");
  group->require_subcommand(1);
  auto args = std::make_shared<RegsArgs>();
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("--config", args->config, "Site file (device addresses)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--host", args->host, "Address (default: the site's [modbus] host)");
    cmd->add_option("--port", args->port, "First port (default: the site's base_port)")
        ->check(CLI::Range(1, 65535));
    cmd->add_option("DEVICE", args->device, "poi, battery, turbine.N or pod.N")->required();
  };
  CLI::App* read = group->add_subcommand("read", "Read one register");
  common(read);
  read->add_option("REGISTER", args->reg, "Register name (docs/register-maps.md)")->required();
  read->callback([args] { read_cmd(*args); });
  CLI::App* write = group->add_subcommand("write", "Write one register");
  common(write);
  write->add_option("REGISTER", args->reg, "Register name")->required();
  write->add_option("VALUE", args->value, "Engineering value, in the register's unit")->required();
  write->callback([args] { write_cmd(*args); });
  CLI::App* dump = group->add_subcommand("dump", "Read every register of a device, decoded");
  common(dump);
  dump->callback([args] { dump_cmd(*args); });
}

}  // namespace plantctl
