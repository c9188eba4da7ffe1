#include "scada_server.hpp"

#include <modbus/modbus.h>

#include <array>

#include "hal/mbap.hpp"

namespace runtime {

namespace {
using hal::mbap::be16;
using hal::mbap::kHeaderBytes;
using hal::mbap::kMaxAduBytes;
}  // namespace

// One client: its own libmodbus context (it frames answers on this socket).
class ScadaServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ScadaServer& server, asio::ip::tcp::socket socket)
      : server_(server), socket_(std::move(socket)) {
    std::error_code ec;
    const asio::ip::address peer = socket_.remote_endpoint(ec).address();
    client_ = !ec && peer.is_v4() ? peer.to_v4().to_uint() : 0;  // 0.0.0.0: never allowed
    client_text_ = ec ? "unknown" : peer.to_string();
    // A client that stops reading must not stall the scan loop: a reply that
    // cannot be sent at once is dropped (the client times out and retries).
    socket_.non_blocking(true, ec);
    ctx_ = modbus_new_tcp("127.0.0.1", 0);  // never connects: frames answers only
    modbus_set_socket(ctx_, socket_.native_handle());
  }
  ~Session() {
    modbus_set_socket(ctx_, -1);  // the socket belongs to Asio
    modbus_free(ctx_);
  }
  void start() { read_more(); }

 private:
  void read_more() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_.data() + buffered_, buffer_.size() - buffered_),
                            [this, self](const std::error_code& ec, std::size_t n) {
                              if (ec) {
                                --server_.stats_.clients;
                                return;
                              }
                              buffered_ += n;
                              if (answer_buffered())
                                read_more();
                              else
                                --server_.stats_.clients;
                            });
  }

  // False when a frame is malformed: the connection is dropped.
  bool answer_buffered() {
    std::size_t at = 0;
    while (true) {
      const long whole = hal::mbap::frame_bytes(buffer_.data() + at, buffered_ - at);
      if (whole < 0) {
        ++server_.stats_.bad_frames;
        return false;
      }
      if (whole == 0) break;
      handle(buffer_.data() + at, static_cast<int>(whole));
      at += static_cast<std::size_t>(whole);
    }
    std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(at),
              buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_), buffer_.begin());
    buffered_ -= at;
    return true;
  }

  void handle(const std::uint8_t* adu, int length) {
    ScadaStats& stats = server_.stats_;
    ++stats.requests;
    const std::uint8_t* pdu = adu + kHeaderBytes;
    const int pdu_length = length - static_cast<int>(kHeaderBytes);
    switch (pdu[0]) {
      case MODBUS_FC_READ_HOLDING_REGISTERS:
      case MODBUS_FC_READ_INPUT_REGISTERS:
        // libmodbus checks the quantity and the address range (exceptions 3 and 2).
        if (modbus_reply(ctx_, adu, length, server_.read_mapping_) < 0) ++stats.exceptions;
        return;
      case MODBUS_FC_WRITE_SINGLE_REGISTER:
        if (pdu_length != 5) break;
        write(adu, length, be16(&pdu[1]), 1, &pdu[3]);
        return;
      case MODBUS_FC_WRITE_MULTIPLE_REGISTERS: {
        const int count = pdu_length >= 6 ? be16(&pdu[3]) : 0;
        if (count < 1 || count > MODBUS_MAX_WRITE_REGISTERS || pdu[5] != count * 2 ||
            pdu_length != 6 + count * 2)
          break;
        write(adu, length, be16(&pdu[1]), count, &pdu[6]);
        return;
      }
      default:
        refuse(adu, "function " + std::to_string(pdu[0]) + " (served: 3, 4, 6, 16)",
               MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
        return;
    }
    refuse(adu, "function " + std::to_string(pdu[0]) + " with a malformed PDU",
           MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
  }

  void refuse(const std::uint8_t* adu, const std::string& what, int exception) {
    ++server_.stats_.exceptions;
    modbus_reply_exception(ctx_, adu, static_cast<unsigned>(exception));
    server_.on_refusal_(client_text_, what, exception);
  }

  void write(const std::uint8_t* adu, int length, std::uint16_t address, int count,
             const std::uint8_t* data) {
    std::array<std::uint16_t, MODBUS_MAX_WRITE_REGISTERS> words{};
    for (int i = 0; i < count; ++i)
      words[static_cast<size_t>(i)] = be16(&data[2 * i]);
    const WriteOutcome o = server_.on_write_(client_text_, client_, address, words.data(), count);
    ScadaStats& stats = server_.stats_;
    if (o.accepted) {
      ++stats.writes_accepted;
      // The answer echoes the request; the scratch mapping keeps the served tables as
      // the scan left them (write-only registers read back 0).
      modbus_reply(ctx_, adu, length, server_.write_mapping_);
    } else {
      ++stats.writes_refused;
      ++stats.exceptions;
      modbus_reply_exception(ctx_, adu, o.exception);
    }
  }

  ScadaServer& server_;
  asio::ip::tcp::socket socket_;
  std::uint32_t client_ = 0;
  std::string client_text_;
  modbus_t* ctx_ = nullptr;
  std::array<std::uint8_t, 4 * kMaxAduBytes> buffer_{};
  std::size_t buffered_ = 0;
};

ScadaServer::ScadaServer(asio::io_context& io, const std::string& bind, int port, int max_clients,
                         ScadaImage& image, WriteHandler on_write, RefusalHandler on_refusal)
    : acceptor_(io),
      retry_(io),
      max_clients_(max_clients),
      on_write_(std::move(on_write)),
      on_refusal_(std::move(on_refusal)) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(bind),
                                         static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  // The read mapping serves the image's own arrays: nothing copied per request.
  read_mapping_ = modbus_mapping_new(0, 0, 0, 0);
  read_mapping_->nb_registers = hal::regs::kScadaRegisters;
  read_mapping_->tab_registers = image.holding().data();
  read_mapping_->nb_input_registers = hal::regs::kScadaRegisters;
  read_mapping_->tab_input_registers = image.input().data();
  write_mapping_ = modbus_mapping_new(0, 0, hal::regs::kScadaRegisters, 0);
  accept();
}

ScadaServer::~ScadaServer() {
  read_mapping_->tab_registers = nullptr;  // not libmodbus's to free
  read_mapping_->tab_input_registers = nullptr;
  modbus_mapping_free(read_mapping_);
  modbus_mapping_free(write_mapping_);
}

void ScadaServer::accept() {
  acceptor_.async_accept([this](const std::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {  // out of descriptors, say: try again shortly, without spinning
      ++stats_.accept_errors;
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](const std::error_code& e) {
        if (!e) accept();
      });
      return;
    }
    if (stats_.clients >= max_clients_) {
      ++stats_.connections_refused;
      std::error_code ignored;
      socket.close(ignored);
    } else {
      ++stats_.connections;
      ++stats_.clients;
      socket.set_option(asio::ip::tcp::no_delay(true));
      socket.set_option(asio::socket_base::keep_alive(true));
      std::make_shared<Session>(*this, std::move(socket))->start();
    }
    accept();
  });
}

}  // namespace runtime
