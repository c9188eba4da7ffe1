#include "scada_service.hpp"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace runtime {

ScadaService::ScadaService(const site::Site& site, fw::Controller& controller, asio::io_context& io,
                           int port, EventJournal* journal, RefusalAudit& refusals)
    : image(site), writes(site, controller, settings), journal_(journal), refusals_(refusals) {
  auto on_write = [this](const std::string& client_text, std::uint32_t client,
                         std::uint16_t address, const std::uint16_t* words, int count) {
    return audit_write(client_text, client, address, words, count);
  };
  auto on_refusal = [this](const std::string& client_text, const std::string& what, int exception) {
    audit_refusal(client_text, what, exception);
  };
  server = std::make_unique<ScadaServer>(io, site.scada.bind, port, site.scada.max_clients, image,
                                         on_write, on_refusal);
  spdlog::info("plantd: SCADA on {}:{}, writes from {}", site.scada.bind, server->port(),
               site.scada.write_allow.empty()
                   ? std::string("no address")
                   : fmt::format("{}", fmt::join(site.scada.write_allow, ", ")));
}

WriteOutcome ScadaService::audit_write(const std::string& client_text, std::uint32_t client,
                                       std::uint16_t address, const std::uint16_t* words,
                                       int count) {
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  WriteOutcome o = writes.write(client, address, words, count, wall_s, *now_);
  if (!o.accepted) {
    refusals_.scada_write(*now_, wall_s, client_text, o.register_name, address, o.new_value,
                          o.exception, o.reason);
    return o;
  }
  const std::string reg = o.register_name.empty() ? std::to_string(address) : o.register_name;
  spdlog::info("SCADA write from {}: {} {:g} -> {:g} {}", client_text, reg, o.old_value,
               o.new_value, o.reason);
  if (journal_)
    journal_->operator_write(*now_, client_text, reg, o.old_value, o.new_value, o.reason);
  return o;
}

void ScadaService::audit_refusal(const std::string& client_text, const std::string& what,
                                 int exception) {
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  refusals_.scada_request(*now_, wall_s, client_text, what, exception);
}

void ScadaService::log_totals() const {
  const ScadaStats& s = server->stats();
  spdlog::info(
      "plantd: SCADA served {} requests on {} connections ({} refused); writes {} accepted, {} "
      "refused; {} values did not fit their register",
      s.requests, s.connections, s.connections_refused, s.writes_accepted, s.writes_refused,
      image.encode_failures());
}

}  // namespace runtime
