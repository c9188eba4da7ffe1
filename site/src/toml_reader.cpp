#include "site/toml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace site {
namespace {

std::string quoted(std::string_view s) {
  constexpr std::size_t kMaxChars = 40;  // keep messages on one readable line
  std::string out = "\"";
  out += s.size() > kMaxChars ? std::string(s.substr(0, kMaxChars)) + "..." : std::string(s);
  out += '"';
  return out;
}

// What a node is, for "expected X, found Y" messages.
std::string describe(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string (" + quoted(*n.value<std::string_view>()) + ")";
    case toml::node_type::integer:
      return "an integer (" + std::to_string(*n.value<std::int64_t>()) + ")";
    case toml::node_type::floating_point:
      return "a floating-point number (" + format_number(*n.value<double>()) + ")";
    case toml::node_type::boolean:
      return std::string("a boolean (") + (*n.value<bool>() ? "true" : "false") + ")";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

int to_int(std::uint32_t v) {
  return v > INT_MAX ? INT_MAX : static_cast<int>(v);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

std::string format_number(double v) {
  char buf[64];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

std::optional<std::string> read_text_file(const std::string& path, const InputFileKind& kind,
                                          Diagnostics& errors) {
  InputText in = read_input_file(path, kind);
  if (in.status != ReadStatus::kOk) {
    errors.push_back({path, 0, 0, "", in.error});
    return std::nullopt;
  }
  return std::move(in.text);
}

namespace {

// toml++ nests arrays and inline tables at most 256 deep, but builds a dotted key
// (a.b.c = 1, [a.b.c]) by recursion with no limit: some 32,000 levels overflow the
// stack in a 64 kB file. Before the parser sees it, the text is scanned for a key
// of more than kMaxKeyDepth parts (ours use 3); 0 when there is none, else its line.
constexpr int kMaxKeyDepth = 64;

int line_of_deep_key(std::string_view text) {
  enum class Ctx : char { kArray, kTable };
  std::vector<Ctx> nest;   // arrays and inline tables open in a value
  bool key = true;         // reading a key (a line's start, a header, after { or ,)
  int dots = 0, line = 1;  // the dots of the key being read
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      if (nest.empty()) key = true, dots = 0;
      continue;
    }
    if (c == '#') {  // a comment, to the end of the line
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
      continue;
    }
    if (c == '"' || c == '\'') {  // a string: its dots are not a key's
      const bool multi = text.substr(i, 3) == std::string(3, c);
      const std::string_view end = multi ? text.substr(i, 3) : text.substr(i, 1);
      for (i += end.size(); i < text.size() && text.substr(i, end.size()) != end; ++i) {
        if (text[i] == '\n') ++line;
        if (c == '"' && text[i] == '\\') ++i;  // an escape in a basic string
      }
      i += end.size() - 1;
      continue;
    }
    if (key) {
      if (c == '.' && ++dots >= kMaxKeyDepth) return line;
      if (c == '=') key = false;
      if (c == ']') key = false, dots = 0;  // a table header's end
      continue;
    }
    if (c == '[') nest.push_back(Ctx::kArray);
    if (c == '{') nest.push_back(Ctx::kTable), key = true, dots = 0;
    if ((c == ']' || c == '}') && !nest.empty()) nest.pop_back();
    if (c == ',' && !nest.empty() && nest.back() == Ctx::kTable) key = true, dots = 0;
  }
  return 0;
}

}  // namespace

std::optional<toml::table> parse_toml(std::string_view text, const std::string& file,
                                      Diagnostics& errors) {
  if (const int line = line_of_deep_key(text); line > 0) {
    errors.push_back({file, line, 0, "",
                      "a key of more than " + std::to_string(kMaxKeyDepth) +
                          " dotted parts: nothing in these files nests so deep"});
    return std::nullopt;
  }
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    errors.push_back({file, to_int(e.source().begin.line), to_int(e.source().begin.column), "",
                      "TOML syntax error: " + std::string(e.description())});
    return std::nullopt;
  }
#else
  toml::parse_result result = toml::parse(text, std::string_view(file));
  if (!result) {
    const auto& e = result.error();
    errors.push_back({file, to_int(e.source().begin.line), to_int(e.source().begin.column), "",
                      "TOML syntax error: " + std::string(e.description())});
    return std::nullopt;
  }
  return std::move(result).table();
#endif
}

bool Range::contains(double value) const {
  if (!std::isfinite(value)) return false;
  const bool above_min = min_inclusive ? value >= min : value > min;
  const bool below_max = max_inclusive ? value <= max : value < max;
  return above_min && below_max;
}

std::string Range::str() const {
  const bool has_min = std::isfinite(min);
  const bool has_max = std::isfinite(max);
  std::string s;
  if (has_min && has_max) {
    s = std::string("in ") + (min_inclusive ? "[" : "(") + format_number(min) + ", " +
        format_number(max) + (max_inclusive ? "]" : ")");
  } else if (has_min) {
    s = (min_inclusive ? ">= " : "> ") + format_number(min);
  } else if (has_max) {
    s = (max_inclusive ? "<= " : "< ") + format_number(max);
  } else {
    s = "a finite number";
  }
  if (!why.empty()) s += " (" + why + ")";
  return s;
}

TomlReader::TomlReader(const toml::table& root, std::string file, Diagnostics& errors)
    : TomlReader(root, std::move(file), "", 1, 1, errors) {}

TomlReader::TomlReader(const toml::table& table, std::string file, std::string path, int line,
                       int column, Diagnostics& errors)
    : table_(&table),
      file_(std::move(file)),
      path_(std::move(path)),
      line_(line),
      column_(column),
      errors_(&errors) {
  // Implicit tables ([a.b] without [a]) may carry no position: keep the parent's.
  if (table.source().begin.line > 0) {
    line_ = to_int(table.source().begin.line);
    column_ = to_int(table.source().begin.column);
  }
}

std::string TomlReader::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  if (key.empty()) return path_;
  return path_ + "." + std::string(key);
}

bool TomlReader::has(std::string_view key) {
  if (std::find(allowed_.begin(), allowed_.end(), key) == allowed_.end()) {
    allowed_.emplace_back(key);
  }
  return table_->contains(key);
}

const toml::node* TomlReader::take(std::string_view key, Need need, const std::string& missing) {
  has(key);
  const toml::node* node = table_->get(key);
  if (node != nullptr) {
    consumed_.emplace(key);
  } else if (need == Need::kRequired) {
    errors_->push_back({file_, line_, column_, key_path(key),
                        missing.empty() ? "required key is missing" : missing});
  }
  return node;
}

void TomlReader::report(const toml::source_region& where, std::string_view key,
                        const std::string& message) {
  int line = line_;
  int column = column_;
  if (where.begin.line > 0) {
    line = to_int(where.begin.line);
    column = to_int(where.begin.column);
  }
  errors_->push_back({file_, line, column, key_path(key), message});
}

void TomlReader::type_error(std::string_view key, const toml::node& node, const char* expected) {
  report(node.source(), key, std::string("expected ") + expected + ", found " + describe(node));
}

bool TomlReader::number(std::string_view key, double& out, const Range& range, Need need) {
  const toml::node* node = take(key, need);
  if (node == nullptr) return need == Need::kOptional;
  if (!node->is_number()) {
    type_error(key, *node, "a number");
    return false;
  }
  const double value = *node->value<double>();
  if (!range.contains(value)) {
    report(node->source(), key, "must be " + range.str() + "; found " + format_number(value));
    return false;
  }
  out = value;
  return true;
}

bool TomlReader::numbers(std::string_view key, std::vector<double>& out, const Range& range,
                         Need need) {
  const toml::node* node = take(key, need);
  if (node == nullptr) return need == Need::kOptional;
  const toml::array* array = node->as_array();
  if (array == nullptr || array->empty()) {
    type_error(key, *node, "a non-empty array of numbers");
    return false;
  }
  std::vector<double> values;
  for (const toml::node& element : *array) {
    if (!element.is_number()) {
      type_error(key, element, "a number (in the array)");
      return false;
    }
    const double value = *element.value<double>();
    if (!range.contains(value)) {
      report(element.source(), key,
             "every element must be " + range.str() + "; found " + format_number(value));
      return false;
    }
    values.push_back(value);
  }
  out = std::move(values);
  return true;
}

bool TomlReader::strings(std::string_view key, std::vector<std::string>& out, Need need) {
  const toml::node* node = take(key, need);
  if (node == nullptr) return need == Need::kOptional;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    type_error(key, *node, "an array of strings");
    return false;
  }
  std::vector<std::string> values;
  for (const toml::node& element : *array) {
    if (!element.is_string()) {
      type_error(key, element, "a string (in the array)");
      return false;
    }
    values.push_back(*element.value<std::string>());
  }
  out = std::move(values);
  return true;
}

bool TomlReader::integer(std::string_view key, int& out, const Range& range, Need need) {
  const toml::node* node = take(key, need);
  if (node == nullptr) return need == Need::kOptional;
  if (!node->is_integer()) {
    type_error(key, *node, "an integer");
    return false;
  }
  const std::int64_t value = *node->value<std::int64_t>();
  // Whole-number bounds, so that e.g. "> 0" also rejects 2^63 after the double conversion.
  if (value < INT_MIN || value > INT_MAX || !range.contains(static_cast<double>(value))) {
    Range shown = range;
    shown.min = std::max(shown.min, static_cast<double>(INT_MIN));
    shown.max = std::min(shown.max, static_cast<double>(INT_MAX));
    report(node->source(), key, "must be " + shown.str() + "; found " + std::to_string(value));
    return false;
  }
  out = static_cast<int>(value);
  return true;
}

bool TomlReader::string(std::string_view key, std::string& out, Need need) {
  const toml::node* node = take(key, need);
  if (node == nullptr) return need == Need::kOptional;
  if (!node->is_string()) {
    type_error(key, *node, "a string");
    return false;
  }
  out = *node->value<std::string>();
  return true;
}

bool TomlReader::boolean(std::string_view key, bool& out, Need need) {
  const toml::node* node = take(key, need);
  if (node == nullptr) return need == Need::kOptional;
  if (!node->is_boolean()) {
    type_error(key, *node, "a boolean (true or false)");
    return false;
  }
  out = *node->value<bool>();
  return true;
}

bool TomlReader::choice_index(std::string_view key, const std::vector<std::string_view>& names,
                              Need need, std::size_t& index) {
  index = names.size();
  const toml::node* node = take(key, need);
  if (node == nullptr) return need == Need::kOptional;
  std::vector<std::string> allowed;
  for (std::string_view name : names)
    allowed.push_back(quoted(name));
  if (!node->is_string()) {
    type_error(key, *node, ("one of " + join(allowed)).c_str());
    return false;
  }
  const std::string_view value = *node->value<std::string_view>();
  const auto found = std::find(names.begin(), names.end(), value);
  if (found == names.end()) {
    report(node->source(), key, "must be one of " + join(allowed) + "; found " + quoted(value));
    return false;
  }
  index = static_cast<std::size_t>(found - names.begin());
  return true;
}

std::optional<TomlReader> TomlReader::table(std::string_view key, Need need) {
  const toml::node* node = take(key, need, "required table [" + key_path(key) + "] is missing");
  if (node == nullptr) return std::nullopt;
  if (!node->is_table()) {
    type_error(key, *node, ("a table [" + key_path(key) + "]").c_str());
    return std::nullopt;
  }
  return TomlReader(*node->as_table(), file_, key_path(key), line_, column_, *errors_);
}

std::vector<TomlReader> TomlReader::tables(std::string_view key, Need need) {
  std::vector<TomlReader> readers;
  const std::string path = key_path(key);
  const toml::node* node = take(key, need, "at least one [[" + path + "]] is required");
  if (node == nullptr) return readers;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    type_error(key, *node, ("an array of tables [[" + path + "]]").c_str());
    return readers;
  }
  if (array->empty() && need == Need::kRequired) {
    report(node->source(), key, "at least one [[" + path + "]] is required");
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string element_path = path + "[" + std::to_string(i) + "]";
    if (const toml::table* t = element.as_table()) {
      readers.push_back(TomlReader(*t, file_, element_path, line_, column_, *errors_));
    } else {
      int line = line_;
      int column = column_;
      if (element.source().begin.line > 0) {
        line = to_int(element.source().begin.line);
        column = to_int(element.source().begin.column);
      }
      errors_->push_back(
          {file_, line, column, element_path, "expected a table, found " + describe(element)});
    }
  }
  return readers;
}

void TomlReader::error(std::string_view key, const std::string& message) {
  // One report per problem: a key with an error is not also an unknown one.
  if (!key.empty()) consumed_.emplace(key);
  const toml::node* node = key.empty() ? nullptr : table_->get(key);
  report(node != nullptr ? node->source() : toml::source_region{}, key, message);
}

void TomlReader::finish() {
  for (const auto& [key, node] : *table_) {
    const std::string_view name = key.str();
    if (consumed_.find(name) != consumed_.end()) continue;

    std::string what = "unknown key";
    if (node.is_table()) {
      what = "unknown table [" + key_path(name) + "]";
    } else if (node.is_array_of_tables()) {
      what = "unknown array of tables [[" + key_path(name) + "]]";
    }
    // Suggest the closest allowed key when it is a plausible typo.
    const std::string* best = nullptr;
    std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (const auto& candidate : allowed_) {
      const std::size_t d = edit_distance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = &candidate;
      }
    }
    std::string message = what;
    if (best != nullptr) message += " (did you mean " + quoted(*best) + "?)";
    message += allowed_.empty() ? "; no keys are allowed here" : "; allowed: " + join(allowed_);
    report(key.source(), name, message);
  }
}

}  // namespace site
