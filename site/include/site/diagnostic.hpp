// An error found in an input file, with where it is and what is allowed.
#pragma once

#include <string>
#include <vector>

namespace site {

struct Diagnostic {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown
  int column = 0;   // 1-based; 0 when unknown
  std::string key;  // dotted path, e.g. "turbine_group[0].rating_mw"
  std::string message;

  // "file:line:column: key: message", the form editors and CI logs understand.
  std::string str() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace site
