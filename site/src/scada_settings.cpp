// The [scada] section (plantd's own Modbus TCP server), the [alarms] section and
// the [redundancy] section (a hot-standby pair).
// docs/configuration.md documents all three.
#include <algorithm>
#include <string>

#include "sections.hpp"

namespace site {
namespace {

// "a.b.c.d" or "a.b.c.d/n" with n in 0..32.
bool is_ipv4_block(const std::string& s) {
  const std::size_t slash = s.find('/');
  if (slash == std::string::npos) return is_ipv4(s);
  const std::string bits = s.substr(slash + 1);
  if (bits.empty() || bits.size() > 2 || bits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  return is_ipv4(s.substr(0, slash)) && std::stoi(bits) <= 32;
}

}  // namespace

void read_scada(TomlReader& root, Scada& sc, double import_contract_mw) {
  auto t = root.table("scada");
  if (!t) return;
  sc.enabled = true;
  if (t->string("bind", sc.bind) && !is_ipv4(sc.bind))
    t->error("bind",
             "must be an IPv4 address such as \"127.0.0.1\" (or \"0.0.0.0\" for every "
             "interface); found \"" +
                 sc.bind + "\"");
  t->integer("port", sc.port, Range::closed(1, 65535));
  t->integer("max_clients", sc.max_clients, Range::closed(1, 1000));
  t->integer("max_clients_per_address", sc.max_clients_per_address, Range::closed(1, 1000));
  t->number("idle_timeout_s", sc.idle_timeout_s, Range::closed(1, 86400));
  t->integer("frame_timeout_ms", sc.frame_timeout_ms, Range::closed(10, 60000));
  if (t->strings("write_allow", sc.write_allow))
    for (const std::string& a : sc.write_allow)
      if (!is_ipv4_block(a))
        t->error("write_allow", "\"" + a +
                                    "\" is neither an IPv4 address (\"10.1.2.3\") nor a CIDR "
                                    "block (\"10.1.0.0/16\")");
  t->number("min_write_interval_s", sc.min_write_interval_s, Range::closed(0, 3600));
  t->number("import_limit_min_mw", sc.import_limit_min_mw,
            Range::closed(0, std::max(0.0, import_contract_mw)));
  t->number("manual_shed_max_pu", sc.manual_shed_max_pu, Range::closed(0, 1));
  t->finish();
}

void read_redundancy(TomlReader& root, Redundancy& r) {
  auto t = root.table("redundancy");
  if (!t) return;
  r.enabled = true;
  auto node = [&](const char* key, RedundancyNode& n) {
    std::string text;
    if (!t->string(key, text, Need::kRequired)) return;
    const std::size_t colon = text.rfind(':');
    const std::string port = colon == std::string::npos ? "" : text.substr(colon + 1);
    const bool digits = !port.empty() && port.size() <= 5 &&
                        port.find_first_not_of("0123456789") == std::string::npos;
    if (colon == std::string::npos || !is_ipv4(text.substr(0, colon)) || !digits ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      t->error(key, "must be an IPv4 address and a UDP port, such as \"10.0.0.11:1600\"; found \"" +
                        text + "\"");
      return;
    }
    n.host = text.substr(0, colon);
    n.port = std::stoi(port);
  };
  node("node_a", r.node_a);
  node("node_b", r.node_b);
  if (r.node_a.port > 0 && r.node_a.host == r.node_b.host && r.node_a.port == r.node_b.port)
    t->error("node_b", "must differ from node_a: each node listens on its own address");
  t->integer("loss_scans", r.loss_scans, Range::closed(1, 100));
  // The heartbeats are authenticated: a pair without a key is refused here.
  if (!t->has("key_file"))
    t->error("key_file",
             "required: the pair's shared heartbeat key, a file readable by its owner only "
             "(docs/operations.md says how to make one)");
  else if (t->string("key_file", r.key_file) && (r.key_file.empty() || r.key_file[0] != '/'))
    t->error("key_file",
             "must be an absolute path to the pair's key file, such as \"/etc/plantd/pair.key\"; "
             "found \"" +
                 r.key_file + "\"");
  t->finish();
}

void read_alarms(TomlReader& root, Alarms& a) {
  auto t = root.table("alarms");
  if (!t) return;
  t->integer("flood_alarms", a.flood_alarms, Range::closed(2, 1000));
  t->number("flood_window_s", a.flood_window_s, Range::closed(10, 86400));
  t->number("max_shelve_s", a.max_shelve_s, Range::closed(60, 65535));  // one register
  t->finish();
}

}  // namespace site
