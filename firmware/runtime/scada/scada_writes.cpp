#include "scada_writes.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace runtime {

namespace {

using hal::regs::Register;

constexpr std::uint8_t kIllegalFunction = 1, kIllegalAddress = 2, kIllegalValue = 3, kBusy = 6;
constexpr int kAllAlarms = 65535;
constexpr double kMinShelveS = 60;

WriteOutcome refuse(std::uint8_t exception, std::string reason, const Register* r = nullptr,
                    double value = 0) {
  WriteOutcome o;
  o.exception = exception;
  o.reason = std::move(reason);
  if (r) o.register_name = r->name;
  o.new_value = value;
  return o;
}

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// The writable register that starts at `address`, or nullptr.
const Register* writable_at(std::uint16_t address) {
  for (const Register& r : hal::regs::scada_map().registers)
    if (r.table == hal::regs::Table::kHolding && r.access != hal::regs::Access::kRead &&
        r.address == address)
      return &r;
  return nullptr;
}

// "alarm number N" checked against the catalogue; -1 when not in it.
int alarm_index(double number) {
  const int n = static_cast<int>(number);
  return n >= 1 && n <= fw::kAlarmCount ? n - 1 : -1;
}

// The bounds of one held setting; empty when `value` is within them.
std::string check_setting(const site::Site& site, const std::string& name, double value) {
  if (!std::isfinite(value)) return name + ": not a number";
  if (name == "import_limit_mw") {
    const double lo = site.scada.import_limit_min_mw, hi = site.grid.import_contract_mw;
    if (value != 0 && (value < lo || value > hi))
      return "import_limit_mw " + number(value) + " MW: 0 (the contract) or " + number(lo) +
             " to " + number(hi) + " MW";
  } else if (name == "manual_shed_mw") {
    const double hi = site.scada.manual_shed_max_pu * site.it_compute_mw();
    if (value < 0 || value > hi)
      return "manual_shed_mw " + number(value) + " MW: 0 to " + number(hi) +
             " MW ([scada] manual_shed_max_pu of IT compute)";
  } else if (name == "shelve_duration_s") {
    if (value < kMinShelveS || value > site.alarms.max_shelve_s)
      return "shelve_duration_s " + number(value) + ": " + number(kMinShelveS) + " to " +
             number(site.alarms.max_shelve_s) + " s ([alarms] max_shelve_s)";
  }
  return {};
}

}  // namespace

std::string check_settings(const site::Site& site, const OperatorSettings& settings) {
  std::string problem = check_setting(site, "import_limit_mw", settings.import_limit_mw);
  if (problem.empty()) problem = check_setting(site, "manual_shed_mw", settings.manual_shed_mw);
  if (problem.empty())
    problem = check_setting(site, "shelve_duration_s", settings.shelve_duration_s);
  return problem;
}

std::uint32_t parse_ipv4(const std::string& text) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4 || a > 255 ||
      b > 255 || c > 255 || d > 255)
    throw std::invalid_argument("not an IPv4 address: " + text);
  return a << 24 | b << 16 | c << 8 | d;
}

AddressBlock parse_block(const std::string& text) {
  const std::size_t slash = text.find('/');
  AddressBlock block;
  int bits = 32;
  if (slash != std::string::npos) {
    bits = std::stoi(text.substr(slash + 1));
    if (bits < 0 || bits > 32) throw std::invalid_argument("bad prefix length: " + text);
  }
  block.mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  block.network = parse_ipv4(text.substr(0, slash)) & block.mask;
  return block;
}

ScadaWrites::ScadaWrites(const site::Site& site, fw::Controller& controller,
                         OperatorSettings& settings)
    : site_(site), controller_(controller), settings_(settings) {
  settings_ = initial_settings(site);
  for (const std::string& a : site.scada.write_allow)
    allow_.push_back(parse_block(a));
}

bool ScadaWrites::rate_ok(std::uint32_t client, double wall_s) const {
  for (const LastWrite& w : last_)
    if (w.client == client) return wall_s - w.wall_s >= site_.scada.min_write_interval_s;
  return true;
}

WriteOutcome ScadaWrites::write(std::uint32_t client, std::uint16_t address,
                                const std::uint16_t* words, int count, double wall_s,
                                double plant_s) {
  bool allowed = false;
  for (const AddressBlock& b : allow_)
    allowed |= b.contains(client);
  const Register* r = writable_at(address);
  // For the audit, the value as sent: decoded by the register's type when the write
  // fits it, otherwise the first word written as it is.
  const double value_given = r && count == hal::regs::words(r->type) ? hal::regs::decode(*r, words)
                                                                     : (count > 0 ? words[0] : 0);
  if (!allowed)
    return refuse(kIllegalFunction, "client address not in [scada] write_allow", r, value_given);
  if (standby_)
    return refuse(kBusy, "this node is the hot standby: write to the active node", r, value_given);
  if (r == nullptr)
    return refuse(kIllegalAddress,
                  "holding register " + std::to_string(address) + " is not a writable register",
                  nullptr, value_given);
  if (count != hal::regs::words(r->type))
    return refuse(kIllegalAddress,
                  std::string(r->name) + " takes " + std::to_string(hal::regs::words(r->type)) +
                      " register(s) in one write; " + std::to_string(count) + " written",
                  r, value_given);
  const double value = hal::regs::decode(*r, words);
  const std::string bad = check(*r, value);
  if (!bad.empty()) return refuse(kIllegalValue, bad, r, value);
  if (!rate_ok(client, wall_s))
    return refuse(kBusy,
                  "one accepted write per " + number(site_.scada.min_write_interval_s) +
                      " s per client ([scada] min_write_interval_s)",
                  r, value);
  WriteOutcome o = apply(*r, value, plant_s);
  bool known = false;
  for (LastWrite& w : last_)
    if (w.client == client) w.wall_s = wall_s, known = true;
  if (!known) last_.push_back({client, wall_s});
  return o;
}

// Empty when `value` may be written to `r` now; otherwise what is allowed.
std::string ScadaWrites::check(const Register& r, double value) const {
  const std::string name = r.name;
  if (name == "import_limit_mw" || name == "manual_shed_mw" || name == "shelve_duration_s") {
    return check_setting(site_, name, value);
  } else if (name == "mode_request") {
    if (value != 1 && value != 2)
      return "mode_request " + number(value) + ": 1 automatic, 2 manual";
  } else if (name == "alarm_acknowledge") {
    if (value != kAllAlarms && alarm_index(value) < 0)
      return "alarm number " + number(value) + ": 1 to " + std::to_string(fw::kAlarmCount) +
             ", or 65535 for all";
  } else if (name == "alarm_shelve" || name == "alarm_unshelve") {
    const int a = alarm_index(value);
    if (a < 0) return "alarm number " + number(value) + ": 1 to " + std::to_string(fw::kAlarmCount);
    const auto id = static_cast<fw::AlarmId>(a);
    if (name == "alarm_shelve" && fw::alarm_info(id).priority == fw::AlarmPriority::kUrgent)
      return std::string("alarm ") + fw::alarm_info(id).name + " is urgent: it cannot be shelved";
    if (name == "alarm_unshelve" && controller_.alarms().state(id) != fw::AlarmState::kShelved)
      return std::string("alarm ") + fw::alarm_info(id).name + " is not shelved";
  }
  return {};
}

WriteOutcome ScadaWrites::apply(const Register& r, double value, double plant_s) {
  WriteOutcome o;
  o.accepted = true;
  o.register_name = r.name;
  o.new_value = value;
  const std::string name = r.name;
  fw::AlarmManager& alarms = controller_.alarms();
  if (name == "import_limit_mw") {
    o.old_value = settings_.import_limit_mw;
    settings_.import_limit_mw = value;
  } else if (name == "mode_request") {
    o.old_value = static_cast<double>(controller_.status().mode);
    (value == 1 ? auto_request_ : manual_request_) = true;
    o.reason = value == 1 ? "automatic requested" : "manual requested";
  } else if (name == "manual_shed_mw") {
    o.old_value = settings_.manual_shed_mw;
    settings_.manual_shed_mw = value;
  } else if (name == "shelve_duration_s") {
    o.old_value = settings_.shelve_duration_s;
    settings_.shelve_duration_s = value;
  } else if (name == "alarm_acknowledge" && value == kAllAlarms) {
    o.old_value = alarms.unacked_count();
    const int n = alarms.acknowledge_all(plant_s);
    o.reason = std::to_string(n) + " alarm(s) acknowledged";
  } else {
    // One alarm: old and new are its state codes.
    const auto id = static_cast<fw::AlarmId>(alarm_index(value));
    o.old_value = static_cast<double>(alarms.state(id));
    bool done = false;
    if (name == "alarm_acknowledge") done = alarms.acknowledge(id, plant_s);
    if (name == "alarm_shelve") done = alarms.shelve(id, settings_.shelve_duration_s, plant_s);
    if (name == "alarm_unshelve") done = alarms.unshelve(id, plant_s);
    // check() let through only what can be done, but for an acknowledge of an
    // alarm already acknowledged (harmless: said, not refused).
    const char* nothing = name == "alarm_acknowledge" ? "nothing to acknowledge" : "no change";
    o.reason = std::string(fw::alarm_info(id).name) + ": " +
               (done ? fw::to_string(alarms.state(id)) : nothing);
    o.new_value = static_cast<double>(alarms.state(id));
  }
  return o;
}

void ScadaWrites::take_requests(fw::OperatorInputs& op) {
  op.manual_request = manual_request_;
  op.auto_request = auto_request_;
  manual_request_ = auto_request_ = false;
}

}  // namespace runtime
