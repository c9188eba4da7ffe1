// The heartbeat between the two plantd of a hot-standby pair: one UDP datagram
// per scan each way, on the scan loop's io_context (no thread). A datagram is a
// text line, "plantd-heartbeat 2 node=a role=active epoch=3 seq=N limit=L shed=S
// shelve=T site=NAME", with the operator's held settings (import limit MW, manual
// shed MW, shelve time s) so that a standby holds what the active was told,
// followed, every few scans and whenever a counter moved, by the sender's
// counters as its state file holds them (checksummed), so the standby takes over
// with the permit counters its peer had. Datagrams for another site, from the
// node itself, or that do not parse are dropped and counted; the values are the
// receiver's to check against its bounds.
#pragma once

#include <array>
#include <asio.hpp>
#include <cstdint>
#include <string>

#include "redundancy_role.hpp"
#include "scada_image.hpp"
#include "site/site.hpp"

namespace runtime {

struct ReceivedBeat {
  PeerBeat beat;
  std::uint64_t seq = 0;
  OperatorSettings settings;  // the sender's
  std::string state_text;     // empty when the datagram carried no counters
};

class HeartbeatLink {
 public:
  // Listens on `self`'s address and sends to `peer`'s. Throws (with the address
  // in the message) when it cannot bind.
  HeartbeatLink(asio::io_context& io, const site::Site& site, bool node_a);

  void send(Role role, std::uint16_t epoch, std::uint64_t seq, const OperatorSettings& settings,
            const std::string* state_text);
  // The newest heartbeat since the last call, if any.
  bool take(ReceivedBeat& out);
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t received() const { return received_; }

 private:
  void receive();

  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint peer_, from_;
  std::string site_name_;
  char self_ = 'a', other_ = 'b';
  std::array<char, 65536> in_{};
  std::string out_;
  ReceivedBeat latest_;
  bool fresh_ = false;
  std::uint64_t dropped_ = 0, received_ = 0;
};

}  // namespace runtime
