// Readers of site-file sections that live outside load.cpp.
#pragma once

#include "site/site.hpp"
#include "site/toml_reader.hpp"

namespace site {

void read_controller(TomlReader& root, ControllerSettings& c);
// Needs the pod groups, turbines and battery read first: it checks device names.
void read_modbus(TomlReader& root, Site& s);
void read_scada(TomlReader& root, Scada& sc, double import_contract_mw);
void read_alarms(TomlReader& root, Alarms& a);
void read_redundancy(TomlReader& root, Redundancy& r);
// A dotted-quad IPv4 address (host names would need a resolver at load time).
bool is_ipv4(const std::string& s);

}  // namespace site
