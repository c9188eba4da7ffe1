#include "sim/modbus_tcp_server.hpp"

#include <modbus/modbus.h>

#include <algorithm>
#include <array>

#include "hal/device_addresses.hpp"
#include "hal/mbap.hpp"

namespace sim {

namespace {
using hal::mbap::kHeaderBytes;
using hal::mbap::kMaxAduBytes;
constexpr std::uint8_t kGatewayTargetFailed = 0x0B;
}  // namespace

// One client connection: its own libmodbus context (a context is not thread-safe
// and holds the socket) and register mapping, both made once.
class ModbusTcpServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ModbusTcpServer& server, asio::ip::tcp::socket socket, std::size_t slot, ClientId client)
      : server_(server), socket_(std::move(socket)), slot_(slot), client_(client) {
    ctx_ = modbus_new_tcp("127.0.0.1", 0);  // a context for modbus_reply; never connects
    mapping_ = new_request_mapping();
    modbus_set_socket(ctx_, socket_.native_handle());
    socket_.non_blocking(true);
  }
  ~Session() {
    modbus_set_socket(ctx_, -1);  // the socket belongs to Asio
    modbus_mapping_free(mapping_);
    modbus_free(ctx_);
  }
  void start() { read_more(); }

 private:
  enum class Next { kRead, kWait, kClose };

  // Reads what the socket has and answers every whole frame in it: one receive per
  // request in the usual case, and pipelined requests answered in order.
  // Waits for readability, then reads without blocking: unlike async_read_some,
  // no speculative receive that finds nothing (a system call saved per request).
  void read_more() {
    auto self = shared_from_this();
    socket_.async_wait(asio::socket_base::wait_read, [this, self](const std::error_code& ec) {
      if (ec) return;
      std::error_code read_ec;
      const std::size_t n = socket_.read_some(
          asio::buffer(buffer_.data() + buffered_, buffer_.size() - buffered_), read_ec);
      if (read_ec == asio::error::would_block) {
        read_more();
        return;
      }
      if (read_ec) return;  // closed by the client, or reset
      buffered_ += n;
      if (answer_buffered() == Next::kRead) read_more();
    });
  }

  // kClose when a frame is malformed: the connection is dropped (this one only).
  // kWait when a slow device's answer is due later: reading resumes after it.
  Next answer_buffered() {
    std::size_t at = 0;
    while (true) {
      const std::uint8_t* f = buffer_.data() + at;
      const long whole = hal::mbap::frame_bytes(f, buffered_ - at);
      if (whole < 0) {
        ++server_.stats_.bad_frames;
        return Next::kClose;
      }
      if (whole == 0) break;  // the rest is still on its way
      const auto frame_bytes = static_cast<std::size_t>(whole);
      if (!delay_served_ && delay_answer(at)) return Next::kWait;
      delay_served_ = false;
      std::copy(f, f + frame_bytes, frame_.begin());
      handle(static_cast<int>(frame_bytes));
      at += frame_bytes;
    }
    consume(at);
    return Next::kRead;
  }

  // A slow device (scenario fault device_slow) answers after its delay, without
  // holding up any other connection: a timer, not a sleep.
  bool delay_answer(std::size_t at) {
    const std::vector<int>& devices = server_.device_at_[slot_];
    const int unit = buffer_[at + 6];
    const int device =
        unit < static_cast<int>(devices.size()) ? devices[static_cast<size_t>(unit)] : -1;
    if (device < 0) return false;
    double delay_s = 0;
    if (server_.mutex_) {
      const std::lock_guard<std::mutex> lock(*server_.mutex_);
      delay_s = server_.bank_.delay_s(device);
    } else {
      delay_s = server_.bank_.delay_s(device);
    }
    if (delay_s <= 0) return false;
    consume(at);
    delay_served_ = true;
    auto self = shared_from_this();
    timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(delay_s)));
    timer_.async_wait([this, self](const std::error_code& ec) {
      if (ec) return;
      if (answer_buffered() == Next::kRead) read_more();
    });
    return true;
  }

  void consume(std::size_t at) {
    std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(at),
              buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_), buffer_.begin());
    buffered_ -= at;
  }

  void handle(int length) {
    ServerStats& stats = server_.stats_;
    ++stats.requests;
    const std::uint8_t* req = frame_.data();
    const int unit = req[6];
    const std::vector<int>& at = server_.device_at_[slot_];
    const int device = unit < static_cast<int>(at.size()) ? at[static_cast<size_t>(unit)] : -1;
    if (device < 0) {
      ++stats.exceptions;
      modbus_reply_exception(ctx_, req, kGatewayTargetFailed);
      return;
    }
    switch (answer_request(server_.bank_, server_.mutex_, device, client_, req, length,
                           length - static_cast<int>(kHeaderBytes), ctx_, mapping_)) {
      case Answer::kSilent:
        ++stats.unanswered;  // the device does not answer; the client times out
        break;
      case Answer::kException:
        ++stats.exceptions;
        break;
      case Answer::kOk:
        break;
    }
  }

  ModbusTcpServer& server_;
  asio::ip::tcp::socket socket_;
  std::size_t slot_;
  ClientId client_;  // this connection, for the devices' owner rule
  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* mapping_ = nullptr;
  std::array<std::uint8_t, kMaxAduBytes> frame_{};
  std::array<std::uint8_t, 16 * kMaxAduBytes> buffer_{};  // received, not yet answered
  std::size_t buffered_ = 0;
  asio::steady_timer timer_{socket_.get_executor()};
  bool delay_served_ = false;  // the frame at the front has waited its delay
};

ModbusTcpServer::ModbusTcpServer(asio::io_context& io, DeviceBank& bank, const site::Site& site,
                                 const std::string& host, int base_port, std::mutex* mutex)
    : io_(io), bank_(bank), mutex_(mutex) {
  const std::vector<hal::regs::DeviceAddress> addresses = hal::regs::device_addresses(site);
  const std::vector<int> site_ports = hal::regs::device_ports(site);
  for (int port : site_ports)
    ports_.push_back(port - site.modbus.base_port + base_port);
  device_at_.assign(ports_.size(), std::vector<int>(256, -1));
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (addresses[i].elsewhere) continue;  // served by a real device on the bench
    const auto slot = static_cast<size_t>(
        std::find(site_ports.begin(), site_ports.end(), addresses[i].port) - site_ports.begin());
    device_at_[slot][static_cast<size_t>(addresses[i].unit_id)] = static_cast<int>(i);
  }
  const asio::ip::address ip = asio::ip::make_address(host);
  for (size_t s = 0; s < ports_.size(); ++s) {
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    const asio::ip::tcp::endpoint endpoint(ip, static_cast<unsigned short>(ports_[s]));
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen();
    acceptors_.push_back(std::move(acceptor));
    accept(s);
  }
}

ModbusTcpServer::~ModbusTcpServer() = default;

void ModbusTcpServer::accept(std::size_t slot) {
  acceptors_[slot]->async_accept(
      [this, slot](const std::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec) return;
        ++stats_.connections;
        socket.set_option(asio::ip::tcp::no_delay(true));
        std::make_shared<Session>(*this, std::move(socket), slot, stats_.connections)->start();
        accept(slot);
      });
}

}  // namespace sim
