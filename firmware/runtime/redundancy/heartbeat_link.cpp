#include "heartbeat_link.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace runtime {

namespace {
constexpr const char* kMagic = "plantd-heartbeat 3 ";

asio::ip::udp::endpoint endpoint_of(const site::RedundancyNode& n) {
  return {asio::ip::make_address_v4(n.host), static_cast<std::uint16_t>(n.port)};
}

std::uint64_t wall_ns() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return ns > 0 ? static_cast<std::uint64_t>(ns) : 0;
}
}  // namespace

const char* describe(Refusal r) {
  switch (r) {
    case Refusal::kSource:
      return "not from the peer's address and port ([redundancy] node_a, node_b)";
    case Refusal::kShort:
      return "too short to carry an authentication tag";
    case Refusal::kTag:
      return "wrong authentication tag (forged, another key_file, or altered or cut short)";
    case Refusal::kFormat:
      return "authentic but does not parse (another version of plantd?)";
    case Refusal::kNode:
      return "authentic but names this node, not the peer (reflected back)";
    case Refusal::kReplay:
      return "authentic but its seq is not after the last one taken (replayed or reordered, or "
             "the peer's clock was set back while it was down)";
    case Refusal::kSite:
      return "authentic but from a peer with another site fingerprint";
    case Refusal::kCount:
      break;
  }
  return "?";
}

HeartbeatLink::HeartbeatLink(asio::io_context& io, const site::Site& site, bool node_a,
                             std::vector<unsigned char> key,
                             std::chrono::steady_clock::duration log_interval)
    : socket_(io),
      key_(std::move(key)),
      site_name_(site.name),
      fingerprint_(site_fingerprint(site)),
      units_(site.turbine_count()),
      pods_(site.pod_count()),
      self_(node_a ? 'a' : 'b'),
      other_(node_a ? 'b' : 'a'),
      log_interval_(log_interval) {
  const site::RedundancyNode& self = node_a ? site.redundancy.node_a : site.redundancy.node_b;
  peer_ = endpoint_of(node_a ? site.redundancy.node_b : site.redundancy.node_a);
  const asio::ip::udp::endpoint local = endpoint_of(self);
  socket_.open(asio::ip::udp::v4());
  std::error_code ec;
  socket_.bind(local, ec);
  if (ec)
    throw std::runtime_error("cannot listen for the peer's heartbeat on " + self.host + ":" +
                             std::to_string(self.port) + ": " + ec.message());
  socket_.non_blocking(true);
  out_.reserve(8192);
  latest_.state_text.reserve(8192);
  receive();
}

std::uint64_t HeartbeatLink::refused_total() const {
  std::uint64_t n = 0;
  for (std::uint64_t r : refused_)
    n += r;
  return n;
}

void HeartbeatLink::send(Role role, std::uint16_t epoch, const OperatorSettings& settings,
                         const std::string* state_text) {
  sent_seq_ = std::max(sent_seq_ + 1, wall_ns());
  char head[512];
  // The site's name last: the rest of the line, spaces and all. %.17g: the
  // settings arrive exactly as they were held.
  const int n = std::snprintf(
      head, sizeof head,
      "%snode=%c seq=%llu role=%s epoch=%u limit=%.17g shed=%.17g shelve=%.17g fingerprint=%s "
      "units=%d pods=%d site=%s\n",
      kMagic, self_, static_cast<unsigned long long>(sent_seq_), to_string(role), epoch,
      settings.import_limit_mw, settings.manual_shed_mw, settings.shelve_duration_s,
      fingerprint_.c_str(), units_, pods_, site_name_.c_str());
  if (n <= 0 || n >= static_cast<int>(sizeof head)) return;
  out_.assign(head, static_cast<std::size_t>(n));
  if (state_text) out_ += *state_text;
  const Tag tag = heartbeat_tag(key_, out_.data(), out_.size());
  out_.append(reinterpret_cast<const char*>(tag.data()), tag.size());
  std::error_code ec;
  // Best effort: a peer that is down or a full buffer costs one heartbeat.
  socket_.send_to(asio::buffer(out_), peer_, 0, ec);
}

bool HeartbeatLink::take(ReceivedBeat& out) {
  if (!fresh_) return false;
  fresh_ = false;
  out.beat = latest_.beat;
  out.seq = latest_.seq;
  out.settings = latest_.settings;
  out.state_text.swap(latest_.state_text);
  latest_.state_text.clear();
  out.peer_site = latest_.peer_site;
  return true;
}

void HeartbeatLink::refuse(Refusal r, const std::string& detail) {
  const int i = static_cast<int>(r);
  ++refused_[i];
  // The site mismatch is the scan loop's to report (with the alarm), once.
  if (r == Refusal::kSite) return;
  const auto now = std::chrono::steady_clock::now();
  if (logged_[i] && now - logged_at_[i] < log_interval_) return;
  logged_[i] = true;
  logged_at_[i] = now;
  spdlog::warn(
      "plantd: heartbeat refused from {}:{}: {}{}; {} refused so since plantd started (this line "
      "at most once a minute per reason)",
      from_.address().to_string(), from_.port(), describe(r), detail, refused_[i]);
}

void HeartbeatLink::handle(std::size_t n) {
  if (from_ != peer_) return refuse(Refusal::kSource, "");
  const std::size_t magic = std::strlen(kMagic);
  if (n < kTagBytes + magic) return refuse(Refusal::kShort, "");
  const std::size_t body = n - kTagBytes;
  const Tag tag = heartbeat_tag(key_, in_.data(), body);
  if (!tags_equal(tag, reinterpret_cast<const unsigned char*>(in_.data()) + body))
    return refuse(Refusal::kTag, "");
  // Authentic from here on: the peer wrote it.
  const char* text = in_.data();
  const char* end = text + body;
  const char* eol = static_cast<const char*>(std::memchr(text, '\n', body));
  char node = 0, role[16] = {}, fingerprint[17] = {};
  unsigned epoch = 0;
  unsigned long long seq = 0;
  int units = 0, pods = 0, site_at = -1;
  OperatorSettings settings;
  const std::string head = eol ? std::string(text, eol) : std::string();
  const bool parsed =
      eol && head.compare(0, magic, kMagic) == 0 &&
      std::sscanf(head.c_str() + magic,
                  "node=%c seq=%llu role=%15s epoch=%u limit=%lf shed=%lf shelve=%lf "
                  "fingerprint=%16s units=%d pods=%d site=%n",
                  &node, &seq, role, &epoch, &settings.import_limit_mw, &settings.manual_shed_mw,
                  &settings.shelve_duration_s, fingerprint, &units, &pods, &site_at) == 10 &&
      site_at > 0 && epoch <= 65535 &&
      ((std::strcmp(role, "active") == 0 && epoch != 0) ||
       (std::strcmp(role, "standby") == 0 && epoch == 0));
  if (!parsed) return refuse(Refusal::kFormat, "");
  if (node != other_) return refuse(Refusal::kNode, "");
  if (seq <= peer_seq_)
    return refuse(Refusal::kReplay, " (seq " + std::to_string(seq) + ", last taken " +
                                        std::to_string(peer_seq_) + ")");
  peer_seq_ = seq;
  latest_.beat.role = std::strcmp(role, "active") == 0 ? Role::kActive : Role::kStandby;
  latest_.beat.epoch = static_cast<std::uint16_t>(epoch);
  latest_.beat.same_site = fingerprint_ == fingerprint;
  latest_.seq = seq;
  fresh_ = true;
  if (!latest_.beat.same_site) {
    // Counters taken earlier from this site's peer stay until taken.
    latest_.peer_site = {fingerprint, head.substr(magic + static_cast<std::size_t>(site_at)), units,
                         pods};
    return refuse(Refusal::kSite, "");
  }
  ++received_;
  latest_.settings = settings;
  // Counters stay until taken, even when a later beat carries none.
  if (eol + 1 < end) latest_.state_text.assign(eol + 1, end);
}

void HeartbeatLink::receive() {
  socket_.async_receive_from(asio::buffer(in_), from_,
                             [this](const std::error_code& ec, std::size_t n) {
                               if (ec == asio::error::operation_aborted) return;
                               if (!ec) handle(n);
                               receive();
                             });
}

}  // namespace runtime
