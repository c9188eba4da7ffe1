// Loading a site file: parse with toml++, validate everything, collect every error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "site/diagnostic.hpp"
#include "site/site.hpp"

namespace site {

struct LoadResult {
  std::optional<Site> site;  // set only when `errors` is empty
  Diagnostics errors;
};

LoadResult load_site_file(const std::string& path);
// `path` is used only in messages and for Site::source_path.
LoadResult load_site_string(std::string_view toml_text, const std::string& path);

}  // namespace site
