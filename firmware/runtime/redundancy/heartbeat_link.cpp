#include "heartbeat_link.hpp"

#include <cstdio>
#include <cstring>

namespace runtime {

namespace {
constexpr const char* kMagic = "plantd-heartbeat 2 ";

asio::ip::udp::endpoint endpoint_of(const site::RedundancyNode& n) {
  return {asio::ip::make_address_v4(n.host), static_cast<std::uint16_t>(n.port)};
}
}  // namespace

HeartbeatLink::HeartbeatLink(asio::io_context& io, const site::Site& site, bool node_a)
    : socket_(io), site_name_(site.name), self_(node_a ? 'a' : 'b'), other_(node_a ? 'b' : 'a') {
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

void HeartbeatLink::send(Role role, std::uint16_t epoch, std::uint64_t seq,
                         const OperatorSettings& settings, const std::string* state_text) {
  char head[512];
  // The site's name last: the rest of the line, spaces and all. %.17g: the
  // settings arrive exactly as they were held.
  const int n = std::snprintf(
      head, sizeof head,
      "%snode=%c role=%s epoch=%u seq=%llu limit=%.17g shed=%.17g shelve=%.17g site=%s\n", kMagic,
      self_, to_string(role), epoch, static_cast<unsigned long long>(seq), settings.import_limit_mw,
      settings.manual_shed_mw, settings.shelve_duration_s, site_name_.c_str());
  if (n <= 0 || n >= static_cast<int>(sizeof head)) return;
  out_.assign(head, static_cast<std::size_t>(n));
  if (state_text) out_ += *state_text;
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
  return true;
}

void HeartbeatLink::receive() {
  socket_.async_receive_from(
      asio::buffer(in_), from_, [this](const std::error_code& ec, std::size_t n) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          const char* text = in_.data();
          const char* end = text + n;
          const char* eol = static_cast<const char*>(std::memchr(text, '\n', n));
          char node = 0, role[16] = {};
          unsigned epoch = 0;
          unsigned long long seq = 0;
          OperatorSettings settings;
          int site_at = -1;
          const std::size_t magic = std::strlen(kMagic);
          const std::string head = eol ? std::string(text, eol) : std::string();
          const bool parsed =
              eol && head.compare(0, magic, kMagic) == 0 &&
              std::sscanf(head.c_str() + magic,
                          "node=%c role=%15s epoch=%u seq=%llu limit=%lf shed=%lf shelve=%lf "
                          "site=%n",
                          &node, role, &epoch, &seq, &settings.import_limit_mw,
                          &settings.manual_shed_mw, &settings.shelve_duration_s, &site_at) == 7 &&
              site_at > 0 && epoch <= 65535 &&
              (std::strcmp(role, "active") == 0 || std::strcmp(role, "standby") == 0);
          if (!parsed ||
              head.compare(magic + static_cast<std::size_t>(site_at), std::string::npos,
                           site_name_) != 0 ||
              node != other_) {
            ++dropped_;
          } else if (!fresh_ || seq >= latest_.seq) {
            ++received_;
            latest_.beat.role = std::strcmp(role, "active") == 0 ? Role::kActive : Role::kStandby;
            latest_.beat.epoch = static_cast<std::uint16_t>(epoch);
            latest_.seq = seq;
            latest_.settings = settings;
            // Counters stay until taken, even when a later beat carries none.
            if (eol + 1 < end) latest_.state_text.assign(eol + 1, end);
            fresh_ = true;
          }
        }
        receive();
      });
}

}  // namespace runtime
