// Readers of site-file sections that live outside load.cpp.
#pragma once

#include "site/site.hpp"
#include "site/toml_reader.hpp"

namespace site {

void read_controller(TomlReader& root, ControllerSettings& c);
// Needs the pod groups, turbines and battery read first: it checks device names.
void read_modbus(TomlReader& root, Site& s);

}  // namespace site
