// docs/register-maps.md, rendered from the register tables.
#include <cstdio>
#include <string>

#include "hal/registers.hpp"

namespace hal::regs {

namespace {
std::string scale_text(double scale) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", scale);
  return text;
}
}  // namespace

std::string render_register_maps_markdown() {
  std::string md =
      "# Register maps\n\n"
      "Generated from `hal/registers/src/maps.cpp` by `regdoc` "
      "(`build/ci/tools/regdoc/regdoc > docs/register-maps.md`); a test fails when this file "
      "is stale. The same tables drive the simulator's device servers, the controller's Modbus "
      "client and `plantctl regs`.\n\n"
      "## Conventions\n\n"
      "- Addresses are 0-based protocol addresses (add 1 for the 1-based numbering some tools "
      "show; mbpoll's `-0` flag takes them as they are).\n"
      "- Input registers are read with function code 4, holding registers with 3 and written "
      "with 6 (one register) or 16 (several).\n"
      "- 32-bit values take two registers, **high word first** (big-endian word order); signed "
      "values are two's complement.\n"
      "- Engineering value = raw value x scale.\n"
      "- Refusals: exception 1 (illegal function), 2 (illegal data address), 3 (illegal data "
      "value: out of range, nothing changed), 6 (server device busy: not possible in the "
      "device's present state).\n"
      "- A write of several registers (function code 16) is all or nothing: the devices check "
      "the owner rule and every value before they apply any, so a request refused for one "
      "register changes nothing, not even the registers before it.\n"

      "- Before any register is looked at (Modbus Application Protocol v1.1b3, section 7): a "
      "function other than 3, 4, 6 and 16 gets exception 1; a quantity of 0, over 125 for a "
      "read, over 123 for a write, or a byte count not twice the quantity, exception 3; an "
      "address + quantity beyond the 65,536 addresses (plantd: its 1,300), exception 2. A "
      "function code of 0x80 and above gets exception 1 with the code itself as the reply's "
      "function byte.\n"
      "- plantsim's ports are gateways: a unit id with no device behind the port gets "
      "exception 11 (gateway target device failed to respond). A frame whose MBAP length "
      "disagrees with its function closes the connection (docs/modbus.md).\n\n";
  std::vector<const DeviceMap*> maps = all_maps();
  maps.push_back(&scada_map());
  for (const DeviceMap* m : maps) {
    md += "## " + std::string(m->name) + "\n\n" + m->meaning + ".\n\n";
    if (m == &scada_map())
      md +=
          "Served by plantd when the site file has a `[scada]` table (unit id 1, any unit id "
          "answered alike). Reads are open to any client; writes only to the `write_allow` "
          "addresses, within bounds, at most one per client per `min_write_interval_s`. A write "
          "from an address not allowed gets exception 1, one out of bounds exception 3, one too "
          "soon exception 6, one to a read-only register exception 2. Blocks marked `i < n` "
          "repeat for each unit, priority class or alarm. docs/operations.md has the alarm "
          "numbers. Both tables span addresses 0 to " +
          std::to_string(kScadaRegisters - 1) +
          ": a read may cover addresses between the registers below, and those read 0 (so a "
          "master can read a block whole); a read past the end gets exception 2. Writes go "
          "only to the writable holding registers; any other address gets exception 2.\n\n";
    md += "| table | address | name | type | scale | unit | access | meaning |\n";
    md += "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (const Register& r : m->registers) {
      const int n = words(r.type);
      std::string address = std::to_string(r.address);
      if (n == 2) address += "-" + std::to_string(r.address + 1);
      if (r.count > 1)
        address += " + " + (r.stride == 1 ? std::string() : std::to_string(r.stride)) + "i (i < " +
                   std::to_string(r.count) + ")";
      md += "| " + std::string(to_string(r.table)) + " | " + address + " | `" + r.name + "` | " +
            to_string(r.type) + " | " + scale_text(r.scale) + " | " + r.unit + " | " +
            to_string(r.access) + " | " + r.meaning + " |\n";
    }
    for (const Register& r : m->registers) {
      if (r.bits.empty()) continue;
      md += "\n`" + std::string(r.name) +
            "` bits:\n\n| bit | name | meaning |\n| --- | --- | --- |\n";
      for (const Bit& b : r.bits)
        md += "| " + std::to_string(b.bit) + " | `" + b.name + "` | " + b.meaning + " |\n";
    }
    md += "\n";
  }
  return md;
}

}  // namespace hal::regs
