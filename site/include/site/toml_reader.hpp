// A validating reader over one TOML table, shared by every file format we parse
// (site files here, scenario files in sim/).
//
// Typed getters check the type and range of one key and record a Diagnostic for
// every problem instead of stopping at the first, so a user fixes a file in one
// pass. finish() then reports each key nobody asked for, with a did-you-mean.
//
//   site::Diagnostics errors;
//   auto root = site::parse_toml(text, "x.toml", errors);
//   if (root) {
//     site::TomlReader r(*root, "x.toml", errors);
//     if (auto grid = r.table("grid", site::Need::kRequired)) {
//       grid->number("import_contract_mw", g.import_contract_mw, site::Range::at_least(0),
//                    site::Need::kRequired);
//       grid->finish();
//     }
//     r.finish();
//   }
//
// The toml::table passed in must outlive every reader made from it.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "site/diagnostic.hpp"
#include "site/input_file.hpp"

namespace site {

// Reads a whole input file (site/input_file.hpp: regular, at most kind.max_bytes,
// no NUL); a file that cannot be read becomes a Diagnostic at line 0.
std::optional<std::string> read_text_file(const std::string& path, const InputFileKind& kind,
                                          Diagnostics& errors);

// Parses TOML text; a syntax error becomes a Diagnostic with its line and column.
std::optional<toml::table> parse_toml(std::string_view text, const std::string& file,
                                      Diagnostics& errors);

// Integers without a decimal point, others with up to 6 significant digits: for messages.
std::string format_number(double value);

// An allowed interval of values, with an optional reason shown when it is violated.
struct Range {
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  double min = -kInf;
  double max = kInf;
  bool min_inclusive = true;
  bool max_inclusive = true;
  std::string why;  // e.g. "3,412 Btu/kWh is 100 % efficiency"

  static Range any() { return {}; }
  static Range at_least(double lo) { return {lo, kInf, true, true, {}}; }              // [lo, inf)
  static Range above(double lo) { return {lo, kInf, false, true, {}}; }                // (lo, inf)
  static Range closed(double lo, double hi) { return {lo, hi, true, true, {}}; }       // [lo, hi]
  static Range open(double lo, double hi) { return {lo, hi, false, false, {}}; }       // (lo, hi)
  static Range left_open(double lo, double hi) { return {lo, hi, false, true, {}}; }   // (lo, hi]
  static Range right_open(double lo, double hi) { return {lo, hi, true, false, {}}; }  // [lo, hi)
  Range because(std::string reason) const {
    Range r = *this;
    r.why = std::move(reason);
    return r;
  }

  bool contains(double value) const;
  std::string str() const;  // "in (0, 0.2]", "> 0", "a finite number"
};

enum class Need { kOptional, kRequired };

// Allowed spellings of an enumerated key and the value each one means.
template <typename E>
using Choices = std::vector<std::pair<std::string_view, E>>;

class TomlReader {
 public:
  // A reader over the root table of `file`.
  TomlReader(const toml::table& root, std::string file, Diagnostics& errors);

  const std::string& path() const { return path_; }  // "" root, "grid", "turbine_group[2]"
  std::string key_path(std::string_view key) const;  // dotted path of one of our keys
  int line() const { return line_; }                 // where this table starts

  // Is the key present? Does not consume it, but makes it an allowed key.
  bool has(std::string_view key);

  // Each getter returns false when it reported an error for the key (`out` is then
  // left unchanged), true when `out` holds a valid value: the one read, or the
  // caller's default when an optional key is absent. Use has() to tell those apart.
  bool number(std::string_view key, double& out, const Range& range, Need need = Need::kOptional);
  bool integer(std::string_view key, int& out, const Range& range, Need need = Need::kOptional);
  // A non-empty array of numbers, each within `range`.
  bool numbers(std::string_view key, std::vector<double>& out, const Range& range,
               Need need = Need::kOptional);
  bool string(std::string_view key, std::string& out, Need need = Need::kOptional);
  // An array of strings (may be empty).
  bool strings(std::string_view key, std::vector<std::string>& out, Need need = Need::kOptional);
  bool boolean(std::string_view key, bool& out, Need need = Need::kOptional);
  template <typename E>
  bool choice(std::string_view key, E& out, const Choices<E>& choices,
              Need need = Need::kOptional) {
    std::vector<std::string_view> names;
    names.reserve(choices.size());
    for (const auto& c : choices)
      names.push_back(c.first);
    std::size_t index = names.size();
    if (!choice_index(key, names, need, index)) return false;
    if (index < choices.size()) out = choices[index].second;
    return true;
  }

  // A sub-table `[path.key]`; nullopt when absent or wrong. Call finish() on it.
  std::optional<TomlReader> table(std::string_view key, Need need = Need::kOptional);
  // An array of tables `[[key]]`, one reader per element with path "key[i]". A required
  // array must have at least one element. Call finish() on each.
  std::vector<TomlReader> tables(std::string_view key, Need need = Need::kOptional);

  // A cross-field problem: reported at the key's line if present, else at this table's.
  // An empty key reports against the table itself.
  void error(std::string_view key, const std::string& message);

  // Reports every key of this table that no getter asked for.
  void finish();

 private:
  TomlReader(const toml::table& table, std::string file, std::string path, int line, int column,
             Diagnostics& errors);

  // Marks the key allowed and consumed; reports a missing required key (with `missing`
  // as the message when given). Null if absent.
  const toml::node* take(std::string_view key, Need need, const std::string& missing = {});
  void report(const toml::source_region& where, std::string_view key, const std::string& message);
  void type_error(std::string_view key, const toml::node& node, const char* expected);
  bool choice_index(std::string_view key, const std::vector<std::string_view>& names, Need need,
                    std::size_t& index);

  const toml::table* table_;
  std::string file_;
  std::string path_;
  int line_;
  int column_;
  Diagnostics* errors_;
  std::vector<std::string> allowed_;  // in the order asked, for "allowed keys" lists
  std::set<std::string, std::less<>> consumed_;
};

}  // namespace site
