#include "state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "site/input_file.hpp"
#include "site/toml_reader.hpp"

namespace runtime {

namespace {

constexpr const char* kChecksumKey = "checksum = \"crc32:";
constexpr int kFormat = 1;

template <typename T>
std::string list(const std::vector<T>& v) {
  std::ostringstream out;
  out.precision(17);
  out << "[";
  for (std::size_t i = 0; i < v.size(); ++i)
    out << (i ? ", " : "") << v[i];
  return out.str() + "]";
}

std::string number(double v) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", v);
  std::string s = text;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // a TOML float
  return s;
}

std::string system_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Writes `text` to `path` and forces it to the disk.
bool write_synced(const std::string& path, const std::string& text, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return error = system_error("cannot create " + path), false;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = system_error("cannot write " + path);
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    error = system_error("cannot fsync " + path);
    ::close(fd);
    return false;
  }
  if (::close(fd) != 0) return error = system_error("cannot close " + path), false;
  return true;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::uint32_t crc32(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : bytes) {
    crc ^= static_cast<std::uint8_t>(c);
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string render_state(const PersistentState& s, const site::Site& site) {
  std::string body =
      "# plantd's persistent counters. Written atomically by plantd; do not edit: the\n"
      "# checksum would no longer match and plantd would take conservative values.\n";
  body += "format = " + std::to_string(kFormat) + "\n";
  body += "site = \"" + site.name + "\"\n";
  body += "units = " + std::to_string(site.turbine_count()) + "\n";
  body += "sequence = " + std::to_string(s.sequence) + "\n";
  body += std::string("clean_stop = ") + (s.clean_stop ? "true" : "false") + "\n";
  body += "save_interval_s = " + number(s.save_interval_s) + "\n";
  body += "nox_kg = " + number(s.usage.nox_kg) + "\n";
  body += "curtailed_mwh = " + number(s.curtailed_mwh) + "\n";
  body += "unit_starts = " + list(s.usage.starts) + "\n";
  body += "unit_stops = " + list(s.usage.stops) + "\n";
  body += "unit_run_hours = " + list(s.usage.run_hours) + "\n";
  char sum[16];
  std::snprintf(sum, sizeof sum, "%08" PRIx32, crc32(body));
  return body + kChecksumKey + sum + "\"\n";
}

bool parse_state(const std::string& text, const std::string& file, const site::Site& site,
                 PersistentState& out, std::string& problem) {
  const std::size_t at = text.rfind(kChecksumKey);
  if (at == std::string::npos || (at > 0 && text[at - 1] != '\n'))
    return problem = file + ": no checksum line (a partial write?)", false;
  const std::string body = text.substr(0, at);
  unsigned stored = 0;
  if (std::sscanf(text.c_str() + at + std::strlen(kChecksumKey), "%8x", &stored) != 1 ||
      stored != crc32(body))
    return problem = file + ": checksum does not match its contents (corrupt)", false;

  site::Diagnostics errors;
  std::optional<toml::table> root = site::parse_toml(body, file, errors);
  PersistentState s;
  std::string name;
  int format = 0, units = 0;
  double sequence = 0;
  if (root) {
    site::TomlReader r(*root, file, errors);
    const auto n = static_cast<double>(site.turbine_count());
    const site::Range count = site::Range::closed(0, 1e9);
    r.integer("format", format, site::Range::closed(kFormat, kFormat), site::Need::kRequired);
    r.string("site", name, site::Need::kRequired);
    r.integer("units", units, site::Range::closed(n, n), site::Need::kRequired);
    r.number("sequence", sequence, site::Range::closed(0, 9e15), site::Need::kRequired);
    r.boolean("clean_stop", s.clean_stop, site::Need::kRequired);
    r.number("save_interval_s", s.save_interval_s, site::Range::closed(0, 86400),
             site::Need::kRequired);
    r.number("nox_kg", s.usage.nox_kg, count, site::Need::kRequired);
    r.number("curtailed_mwh", s.curtailed_mwh, count, site::Need::kRequired);
    std::vector<double> starts, stops;
    r.numbers("unit_starts", starts, count, site::Need::kRequired);
    r.numbers("unit_stops", stops, count, site::Need::kRequired);
    r.numbers("unit_run_hours", s.usage.run_hours, count, site::Need::kRequired);
    r.finish();
    for (double v : starts)
      s.usage.starts.push_back(static_cast<int>(v));
    for (double v : stops)
      s.usage.stops.push_back(static_cast<int>(v));
    const auto expected = static_cast<std::size_t>(site.turbine_count());
    if (errors.empty() && (s.usage.starts.size() != expected || s.usage.stops.size() != expected ||
                           s.usage.run_hours.size() != expected))
      return problem = file + ": unit lists are not one value per unit of the site", false;
    if (errors.empty() && name != site.name)
      return problem = file + ": for site \"" + name + "\", not \"" + site.name + "\"", false;
  }
  if (!errors.empty()) {
    for (const auto& d : errors)
      problem += (problem.empty() ? "" : "\n") + d.str();
    return false;
  }
  s.sequence = static_cast<std::uint64_t>(sequence);
  out = s;
  return true;
}

double max_nox_rate_kg_per_s(const site::Site& site) {
  return fw::full_fuel_nox_kg_per_h(site) / 3600.0;
}

PersistentState conservative_state(const site::Site& site) {
  PersistentState s;
  const auto n = static_cast<std::size_t>(site.turbine_count());
  s.usage.starts.assign(n, site.permit.starts_per_unit_per_year);
  s.usage.stops.assign(n, site.permit.shutdowns_per_unit_per_year);
  s.usage.run_hours.assign(n, 0.0);  // not a permit counter: unknown, not assumed
  s.usage.nox_kg = site.permit.nox_cap_kg();
  return s;
}

StateLoad StateFile::load() const {
  StateLoad out;
  bool found = false;
  for (const std::string& candidate : {path_, path_ + ".tmp", path_ + ".bak"}) {
    site::InputText in = site::read_input_file(candidate, site::kStateFile);
    if (in.status == site::ReadStatus::kMissing) {
      if (candidate == path_) out.problems += path_ + ": missing\n";
      continue;
    }
    if (in.status != site::ReadStatus::kOk) {
      out.problems += candidate + ": " + in.error + "\n";
      continue;
    }
    std::string problem;
    PersistentState s;
    if (!parse_state(in.text, candidate, site_, s, problem)) {
      out.problems += problem + "\n";
      continue;
    }
    if (!found || s.sequence > out.state.sequence) {
      out.state = s;
      out.from = candidate;
      found = true;
    }
  }
  if (!found) {
    out.state = conservative_state(site_);
    return out;
  }
  out.restored = true;
  if (!out.state.clean_stop) {
    out.nox_allowance_kg = max_nox_rate_kg_per_s(site_) * out.state.save_interval_s;
    out.state.usage.nox_kg += out.nox_allowance_kg;
  }
  return out;
}

bool StateFile::save(const PersistentState& s, std::string& error) const {
  const std::string tmp = path_ + ".tmp";
  if (!write_synced(tmp, render_state(s, site_), error)) return false;
  // Keep the previous generation: if power fails between the renames, FILE.tmp
  // and FILE.bak are both whole.
  if (::rename(path_.c_str(), (path_ + ".bak").c_str()) != 0 && errno != ENOENT)
    return error = system_error("cannot rename " + path_), false;
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    return error = system_error("cannot rename " + tmp), false;
  const int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return error = system_error("cannot open " + directory_of(path_)), false;
  const bool synced = ::fsync(dir) == 0;
  if (!synced) error = system_error("cannot fsync " + directory_of(path_));
  ::close(dir);
  return synced;
}

bool StateFile::init(std::string& error) const {
  const site::InputText in = site::read_input_file(path_, site::kStateFile);
  if (in.status != site::ReadStatus::kMissing)
    return error = path_ + " exists" + (in.error.empty() ? "" : " (" + in.error + ")") +
                   "; remove it first to start the counters from zero",
           false;
  PersistentState s;
  const auto n = static_cast<std::size_t>(site_.turbine_count());
  s.usage.starts.assign(n, 0);
  s.usage.stops.assign(n, 0);
  s.usage.run_hours.assign(n, 0.0);
  s.clean_stop = true;
  return save(s, error);
}

}  // namespace runtime
