#include "hal/tcp_server.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "hal/mbap.hpp"

namespace hal::server {

namespace {
using hal::mbap::kHeaderBytes;
using hal::mbap::kMaxAduBytes;
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
constexpr auto kLogEvery = std::chrono::minutes(1);
constexpr std::size_t kMaxGates = 4096;  // addresses remembered for the log
// Lines a minute over every address together: however many addresses an attacker
// uses, the log grows by at most this and one summary line a minute.
constexpr std::uint64_t kMaxLinesPerMinute = 60;
constexpr std::uint32_t kAcceptGate = 0xFFFFFFFF;  // never a client's address
}  // namespace

// One client. Its handlers hold it alive; the server holds it while it is open
// and drops it (server_ = nullptr) when it closes.
class TcpServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(TcpServer& server, asio::ip::tcp::socket socket, Peer peer)
      : server_(&server), socket_(std::move(socket)), peer_(std::move(peer)) {
    since_request_ = Clock::now();
  }
  void start() { read(); }
  void shut() {
    server_ = nullptr;
    std::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

  const Peer& peer() const { return peer_; }
  bool served_any() const { return served_any_; }
  bool holding() const { return holding_; }
  Clock::time_point since_request() const { return since_request_; }
  // When the unfinished frame began; Clock::time_point::max() when none is.
  Clock::time_point frame_began() const {
    return buffered_ > 0 && !holding_ ? frame_began_ : Clock::time_point::max();
  }

 private:
  // Waits for readability, then reads without blocking: no speculative receive
  // that finds nothing (a system call saved per request).
  void read() {
    auto self = shared_from_this();
    socket_.async_wait(asio::socket_base::wait_read, [this, self](const std::error_code& ec) {
      if (!server_) return;
      if (ec) {
        server_->closed(*this, Closed::kPeer, "");
        return;
      }
      std::error_code read_ec;
      const std::size_t n = socket_.read_some(
          asio::buffer(buffer_.data() + buffered_, buffer_.size() - buffered_), read_ec);
      if (read_ec == asio::error::would_block) {
        read();
        return;
      }
      if (read_ec || n == 0) {  // closed by the client, or reset
        server_->closed(*this, Closed::kPeer, "");
        return;
      }
      if (buffered_ == 0) frame_began_ = Clock::now();
      buffered_ += n;
      if (answer_buffered()) read();
    });
  }

  // Answers every whole frame buffered, in order. False when reading must not go
  // on: the connection closed, or a slow device's answer is due later.
  bool answer_buffered() {
    std::size_t at = 0;
    while (true) {
      const std::uint8_t* f = buffer_.data() + at;
      const mbap::Frame frame = mbap::check_frame(f, buffered_ - at);
      if (frame.status == mbap::Status::kMalformed) {
        server_->closed(*this, Closed::kBadFrame, frame.why);
        return false;
      }
      if (frame.status == mbap::Status::kNeedMore) break;
      if (!delay_served_) {
        const double delay_s = server_->service_.delay_s(f[6]);
        if (delay_s > 0) {
          consume(at);
          hold(delay_s);
          return false;
        }
      }
      delay_served_ = false;
      since_request_ = Clock::now();
      served_any_ = true;
      at += frame.bytes;
      if (at < buffered_) frame_began_ = since_request_;  // the next frame has begun
      if (!respond(f, frame.bytes)) return false;
    }
    consume(at);
    return true;
  }

  // A slow device (plantsim's device_slow fault) answers after its delay: a
  // timer, not a sleep, so no other connection waits.
  void hold(double delay_s) {
    holding_ = true;
    auto self = shared_from_this();
    timer_.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(delay_s)));
    timer_.async_wait([this, self](const std::error_code& ec) {
      if (ec || !server_) return;
      holding_ = false;
      delay_served_ = true;
      if (answer_buffered()) read();
    });
  }

  // One whole request answered. False when the connection closed.
  bool respond(const std::uint8_t* f, std::size_t bytes) {
    TcpServer& s = *server_;
    Counters& counters = s.counters_;
    ++counters.requests;
    std::array<std::uint8_t, kMaxAduBytes> out;
    const std::uint8_t unit = f[6];
    const std::uint8_t function = f[kHeaderBytes];
    pdu::Served served;
    const char* why = nullptr;
    std::size_t n = 0;
    if (const std::uint8_t routed = s.service_.route(unit)) {
      served = {pdu::Result::kException, routed};
      n = pdu::encode_exception(function, routed, &out[kHeaderBytes]);
    } else {
      n = pdu::answer(
          f + kHeaderBytes, bytes - kHeaderBytes, s.service_.table_registers(),
          [&](const pdu::Request& r, std::uint16_t* words) {
            return s.service_.serve(peer_, unit, r, words);
          },
          &out[kHeaderBytes], served, &why);
    }
    if (served.result == pdu::Result::kSilent) {
      ++counters.unanswered;  // the device does not answer; the client times out
      return true;
    }
    if (served.result == pdu::Result::kException) ++counters.exceptions;
    if (why) {  // refused by the rules of the protocol, before the service saw it
      s.note(peer_.address, peer_.text,
             "function " + std::to_string(function) + " refused with exception " +
                 std::to_string(served.exception) + ": " + why);
      s.service_.refused(peer_, function, served.exception, why);
    }
    mbap::reply_header(f, n, out.data());
    // The socket does not block: a reply the client does not take whole at once
    // (it stopped reading) closes the connection rather than wait for it.
    std::error_code ec;
    const std::size_t sent = socket_.write_some(asio::buffer(out.data(), kHeaderBytes + n), ec);
    if (ec == asio::error::would_block || (!ec && sent != kHeaderBytes + n)) {
      s.closed(*this, Closed::kSlow, "the client does not take its replies");
      return false;
    }
    if (ec) {
      s.closed(*this, Closed::kPeer, "");
      return false;
    }
    return true;
  }

  void consume(std::size_t at) {
    std::memmove(buffer_.data(), buffer_.data() + at, buffered_ - at);
    buffered_ -= at;
  }

  TcpServer* server_;
  asio::ip::tcp::socket socket_;
  Peer peer_;
  asio::steady_timer timer_{socket_.get_executor()};
  // Received, not yet answered: at most one unfinished frame once answered, or
  // a slow device's pipelined requests.
  std::array<std::uint8_t, 4 * kMaxAduBytes> buffer_{};
  std::size_t buffered_ = 0;
  Clock::time_point since_request_, frame_began_;
  bool served_any_ = false;
  bool holding_ = false;       // a slow device's answer is due: no deadline runs
  bool delay_served_ = false;  // the frame at the front has waited its delay
};

TcpServer::TcpServer(asio::io_context& io, const std::string& host, int port, const Limits& limits,
                     Service& service, Log log, std::string name, std::uint64_t* numbering)
    : acceptor_(io),
      retry_(io),
      sweep_(io),
      limits_(limits),
      service_(service),
      log_(std::move(log)),
      name_(std::move(name)),
      numbering_(numbering ? numbering : &own_numbering_) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host),
                                         static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
  sweep();
}

TcpServer::~TcpServer() {
  for (const std::shared_ptr<Connection>& c : connections_)
    c->shut();
  std::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
  sweep_.cancel();
}

void TcpServer::accept() {
  acceptor_.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {  // out of descriptors, say: try again shortly, without spinning
      ++counters_.accept_errors;
      note(kAcceptGate, "accept", "failed (" + ec.message() + "); retrying every 100 ms");
      retry_.expires_after(kAcceptRetry);
      retry_.async_wait([this](const std::error_code& e) {
        if (!e) accept();
      });
      return;
    }
    admit(std::move(socket));
    accept();
  });
}

void TcpServer::admit(asio::ip::tcp::socket socket) {
  std::error_code ec;
  const asio::ip::address ip = socket.remote_endpoint(ec).address();
  Peer peer;
  peer.address = !ec && ip.is_v4() ? ip.to_v4().to_uint() : 0;
  peer.text = ec ? "unknown" : ip.to_string();
  const auto held = per_address_.find(peer.address);
  const int same = held == per_address_.end() ? 0 : held->second;
  if (same >= limits_.max_per_address) {
    ++counters_.refused;
    note(peer.address, peer.text,
         "connection refused: " + std::to_string(same) + " open from this address (the most)");
    socket.close(ec);
    return;
  }
  if (static_cast<int>(connections_.size()) >= limits_.max_clients) {
    const std::shared_ptr<Connection> victim = eviction_victim(peer.address);
    if (!victim) {
      ++counters_.refused;
      note(peer.address, peer.text, "connection refused: every connection is busy");
      socket.close(ec);
      return;
    }
    closed(*victim, Closed::kEvicted,
           "closed for a new client (at max_clients: the longest without a request of the "
           "address with the most connections)");
  }
  ++counters_.connections;
  peer.id = ++*numbering_;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  socket.non_blocking(true, ec);
  ++per_address_[peer.address];
  connections_.push_back(std::make_shared<Connection>(*this, std::move(socket), std::move(peer)));
  counters_.clients = static_cast<int>(connections_.size());
  connections_.back()->start();
}

void TcpServer::closed(Connection& c, Closed why, const char* what) {
  switch (why) {
    case Closed::kPeer:
      break;
    case Closed::kEvicted:
      ++counters_.evicted;
      break;
    case Closed::kIdle:
      ++counters_.closed_idle;
      break;
    case Closed::kSlow:
      ++counters_.closed_slow;
      break;
    case Closed::kBadFrame:
      ++counters_.bad_frames;
      break;
  }
  if (why != Closed::kPeer) note(c.peer().address, c.peer().text, std::string("closed: ") + what);
  const auto at = std::find_if(connections_.begin(), connections_.end(),
                               [&](const auto& p) { return p.get() == &c; });
  const std::shared_ptr<Connection> keep = at != connections_.end() ? *at : nullptr;
  c.shut();
  if (at != connections_.end()) {
    connections_.erase(at);
    const auto n = per_address_.find(c.peer().address);
    if (n != per_address_.end() && --n->second <= 0) per_address_.erase(n);
  }
  counters_.clients = static_cast<int>(connections_.size());
}

// Room for a newcomer at max_clients: a connection of the address that holds the
// most (the newcomer counted), so that a client opening many connections pushes
// out its own and never one of an address that holds few (a SCADA master polling
// once a second keeps its place against one that churns). Within that address,
// the connection longest without a whole request (one that never sent any
// first). One waiting for a slow device is left alone.
std::shared_ptr<TcpServer::Connection> TcpServer::eviction_victim(std::uint32_t newcomer) {
  std::uint32_t crowded = newcomer;
  const auto own = per_address_.find(newcomer);
  int most = (own == per_address_.end() ? 0 : own->second) + 1;
  for (const auto& [address, n] : per_address_)
    if (n > most) most = n, crowded = address;
  std::shared_ptr<Connection> victim;
  for (int pass = 0; pass < 2 && !victim; ++pass) {
    for (const std::shared_ptr<Connection>& c : connections_) {
      if (c->holding() || (pass == 0 && c->peer().address != crowded)) continue;
      if (!victim || std::make_pair(c->served_any(), c->since_request()) <
                         std::make_pair(victim->served_any(), victim->since_request()))
        victim = c;
    }
  }
  return victim;
}

void TcpServer::sweep() {
  const Clock::time_point now = Clock::now();
  const auto frame_timeout = std::chrono::milliseconds(limits_.frame_timeout_ms);
  const auto idle_timeout = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(limits_.idle_timeout_s));
  std::vector<std::pair<std::shared_ptr<Connection>, Closed>> done;
  for (const std::shared_ptr<Connection>& c : connections_) {
    if (c->holding()) continue;
    if (c->frame_began() != Clock::time_point::max() && now - c->frame_began() > frame_timeout)
      done.emplace_back(c, Closed::kSlow);
    else if (now - c->since_request() > idle_timeout)
      done.emplace_back(c, Closed::kIdle);
  }
  for (auto& [c, why] : done)
    closed(*c, why,
           why == Closed::kSlow ? "a frame unfinished after frame_timeout_ms"
                                : "no whole request for idle_timeout_s");
  // Refusals left out of the log in the last minute, said once the minute is up.
  for (auto it = gates_.begin(); it != gates_.end();) {
    Gate& g = it->second;
    if (now - g.logged < kLogEvery) {
      ++it;
    } else if (g.left_out > 0) {
      log_(name_ + ": " + g.text + ": " + std::to_string(g.left_out) +
           " more refusal(s) in the last minute");
      g.left_out = 0;
      g.logged = now;
      ++it;
    } else {
      it = gates_.erase(it);
    }
  }
  if (now - minute_began_ >= kLogEvery) {
    if (lines_left_out_ > 0)
      log_(name_ + ": " + std::to_string(lines_left_out_) +
           " more refusal(s) from every address in the last minute, past the log's " +
           std::to_string(kMaxLinesPerMinute) + " lines a minute (all counted)");
    minute_began_ = now;
    lines_this_minute_ = lines_left_out_ = 0;
  }
  // Often enough to hold the frame deadline within a quarter of itself.
  const auto period = std::clamp<Clock::duration>(frame_timeout / 4, std::chrono::milliseconds(10),
                                                  std::chrono::milliseconds(250));
  sweep_.expires_after(period);
  sweep_.async_wait([this](const std::error_code& ec) {
    if (!ec) sweep();
  });
}

void TcpServer::note(std::uint32_t address, const std::string& text, const std::string& what) {
  const Clock::time_point now = Clock::now();
  if (lines_this_minute_ >= kMaxLinesPerMinute) {
    ++lines_left_out_;  // the minute's summary says how many
    return;
  }
  const auto it = gates_.find(address);
  if (it == gates_.end()) {
    if (gates_.size() >= kMaxGates) return;  // counted all the same
    gates_[address] = Gate{now, 0, text};
    ++lines_this_minute_;
    log_(name_ + ": " + text + ": " + what);
    return;
  }
  Gate& g = it->second;
  if (now - g.logged < kLogEvery) {
    ++g.left_out;
    return;
  }
  ++lines_this_minute_;
  log_(name_ + ": " + text + ": " + what +
       (g.left_out > 0 ? " (and " + std::to_string(g.left_out) + " more in the last minute)"
                       : std::string()));
  g.logged = now;
  g.left_out = 0;
}

}  // namespace hal::server
