#include "site/diagnostic.hpp"

namespace site {

std::string Diagnostic::str() const {
  // Unknown positions are left out rather than printed as 0, which editors reject.
  std::string s = file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  s += ": ";
  if (!key.empty()) s += key + ": ";
  s += message;
  return s;
}

}  // namespace site
