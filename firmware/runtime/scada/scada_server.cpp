#include "scada_server.hpp"

#include <algorithm>

namespace runtime {

hal::server::Limits scada_limits(const site::Scada& settings) {
  hal::server::Limits limits;
  limits.max_clients = settings.max_clients;
  limits.max_per_address = settings.max_clients_per_address;
  limits.idle_timeout_s = settings.idle_timeout_s;
  limits.frame_timeout_ms = settings.frame_timeout_ms;
  return limits;
}

ScadaServer::ScadaServer(asio::io_context& io, const site::Scada& settings, int port,
                         ScadaImage& image, WriteHandler on_write, RefusalHandler on_refusal,
                         hal::server::Log log)
    : image_(image),
      on_write_(std::move(on_write)),
      on_refusal_(std::move(on_refusal)),
      server_(io, settings.bind, port, scada_limits(settings), *this, std::move(log), "SCADA") {}

hal::pdu::Served ScadaServer::serve(const hal::server::Peer& peer, std::uint8_t,
                                    const hal::pdu::Request& r, std::uint16_t* words) {
  if (r.function == hal::pdu::kReadHolding || r.function == hal::pdu::kReadInput) {
    // The decoder checked address + quantity against the tables.
    const auto& table = r.function == hal::pdu::kReadHolding ? image_.holding() : image_.input();
    std::copy_n(table.begin() + r.address, r.count, words);
    return {};
  }
  const WriteOutcome o = on_write_(peer.text, peer.address, r.address, r.values.data(), r.count);
  if (o.accepted) {
    ++stats_.writes_accepted;
    return {};  // the answer echoes the request; the tables stay as the scan left them
  }
  ++stats_.writes_refused;
  return {hal::pdu::Result::kException, o.exception};
}

void ScadaServer::refused(const hal::server::Peer& peer, std::uint8_t function,
                          std::uint8_t exception, const char* why) {
  if (function == hal::pdu::kReadHolding || function == hal::pdu::kReadInput) return;
  const std::string f = "function " + std::to_string(function);
  on_refusal_(
      peer.text,
      exception == hal::pdu::kIllegalFunction ? f + " (served: 3, 4, 6, 16)" : f + ": " + why,
      exception);
}

}  // namespace runtime
