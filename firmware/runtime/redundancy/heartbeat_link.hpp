// The heartbeat between the two plantd of a hot-standby pair: one UDP datagram
// per scan each way, on the scan loop's io_context (no thread). A datagram is a
// text line,
//   plantd-heartbeat 3 node=a seq=N role=active epoch=3 limit=L shed=S shelve=T
//   fingerprint=F units=U pods=P site=NAME
// with the operator's held settings (import limit MW, manual shed MW, shelve
// time s) so that a standby holds what the active was told, followed, every few
// scans and whenever a counter moved, by the sender's counters as its state file
// holds them (checksummed), so the standby takes over with the permit counters
// its peer had; and last, a 32-byte HMAC-SHA256 tag over all of it, under the
// pair's shared key (pair_auth.hpp).
//
// A datagram is taken only when it comes from the peer's configured address and
// port, its tag is right, it parses, it names the peer, and its seq is after the
// last one taken from the peer. seq is the sender's wall clock in ns at send
// (or the last seq + 1, if the clock has not moved on): strictly increasing
// within a run and, because a restart takes longer than a nanosecond, across
// restarts, with no state kept on disk. A replayed or reordered datagram is
// refused. Everything refused is counted by reason and logged at most once per
// reason per log interval (a minute), never per datagram.
//
// An authentic datagram whose site fingerprint differs from this node's is
// refused too (its settings and counters are not this site's), but it proves
// the peer alive: take() returns it marked same_site = false, with no settings
// or counters, so that the role logic never takes over from it.
#pragma once

#include <array>
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "pair_auth.hpp"
#include "redundancy_role.hpp"
#include "scada_image.hpp"
#include "site/site.hpp"

namespace runtime {

// Why a datagram was refused.
enum class Refusal : std::uint8_t {
  kSource,  // not from the peer's configured address and port
  kShort,   // too short to hold a tag
  kTag,     // the tag is wrong: forged, another key, or altered or cut short in transit
  kFormat,  // authentic, but does not parse (another version of plantd?)
  kNode,    // authentic, but names this node, not the peer (reflected)
  kReplay,  // authentic, but its seq is not after the last one taken: replayed or reordered
  kSite,    // authentic, from a peer with another site fingerprint
  kCount
};
constexpr int kRefusalCount = static_cast<int>(Refusal::kCount);
const char* describe(Refusal r);

// What a peer with another site fingerprint says of its site, for the log.
struct PeerSite {
  std::string fingerprint, name;
  int units = 0, pods = 0;
};

struct ReceivedBeat {
  PeerBeat beat;
  std::uint64_t seq = 0;
  OperatorSettings settings;  // the sender's; only when beat.same_site
  std::string state_text;     // empty when the datagram carried no counters or another site's
  PeerSite peer_site;         // filled when !beat.same_site
};

class HeartbeatLink {
 public:
  // Listens on this node's address and sends to the peer's, with `key` (from
  // read_pair_key). Throws (with the address in the message) when it cannot bind.
  HeartbeatLink(asio::io_context& io, const site::Site& site, bool node_a,
                std::vector<unsigned char> key,
                std::chrono::steady_clock::duration log_interval = std::chrono::minutes(1));

  void send(Role role, std::uint16_t epoch, const OperatorSettings& settings,
            const std::string* state_text);
  // The newest heartbeat taken since the last call, if any.
  bool take(ReceivedBeat& out);
  std::uint64_t received() const { return received_; }  // taken, this site's
  std::uint64_t refused(Refusal r) const { return refused_[static_cast<int>(r)]; }
  std::uint64_t refused_total() const;
  const std::string& fingerprint() const { return fingerprint_; }
  // The datagram most recently sent (head, counters and tag), for tests.
  const std::string& last_sent() const { return out_; }

 private:
  void receive();
  void handle(std::size_t n);
  void refuse(Refusal r, const std::string& detail);

  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint peer_, from_;
  std::vector<unsigned char> key_;
  std::string site_name_, fingerprint_;
  int units_ = 0, pods_ = 0;
  char self_ = 'a', other_ = 'b';
  std::array<char, 65536> in_{};
  std::string out_;
  std::uint64_t sent_seq_ = 0;
  // The last seq taken from the peer (0: none yet, since this node started).
  std::uint64_t peer_seq_ = 0;
  ReceivedBeat latest_;
  bool fresh_ = false;
  std::uint64_t received_ = 0;
  std::array<std::uint64_t, kRefusalCount> refused_{};
  std::chrono::steady_clock::duration log_interval_;
  std::array<std::chrono::steady_clock::time_point, kRefusalCount> logged_at_{};
  std::array<bool, kRefusalCount> logged_{};
};

}  // namespace runtime
