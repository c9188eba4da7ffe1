#include "sim/modbus_rtu_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <string>

namespace sim {

namespace {
constexpr int kMaxAduBytes = MODBUS_RTU_MAX_ADU_LENGTH;  // slave id, PDU, CRC: 256 bytes
constexpr int kCrcBytes = 2;

bool standard_baud(int baud) {
  constexpr std::array<int, 9> kRates = {1200,  2400,  4800,   9600,  19200,
                                         38400, 57600, 115200, 230400};
  return std::find(kRates.begin(), kRates.end(), baud) != kRates.end();
}

// All the bytes of a request (slave id to CRC), as far as `have` bytes tell: the
// function code and, for writes of many registers, the byte count set it. 0 when
// the function code does not (the frame then ends at a silence).
int request_length(const std::uint8_t* f, int have) {
  if (have < 2) return 2;
  switch (f[1]) {
    case 0x01:  // read coils, discrete inputs, holding, input; write one coil, one register
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
      return 8;
    case 0x07:  // read exception status, comm event counter and log; report server id
    case 0x0B:
    case 0x0C:
    case 0x11:
      return 4;
    case 0x0F:  // write many coils, many registers: byte count at offset 6
    case 0x10:
      return have < 7 ? 7 : 9 + f[6];
    case 0x16:  // mask write register
      return 10;
    case 0x17:  // read/write registers: byte count at offset 10
      return have < 11 ? 11 : 13 + f[10];
    default:
      return 0;
  }
}

// Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF); sent low byte first.
bool crc_ok(const std::uint8_t* f, int length) {
  if (length < 4) return false;
  std::uint16_t crc = 0xFFFF;
  for (int i = 0; i < length - kCrcBytes; ++i) {
    crc = static_cast<std::uint16_t>(crc ^ f[i]);
    for (int bit = 0; bit < 8; ++bit)
      crc = static_cast<std::uint16_t>(crc & 1 ? (crc >> 1) ^ 0xA001 : crc >> 1);
  }
  return crc == static_cast<std::uint16_t>(f[length - 2] | f[length - 1] << 8);
}
}  // namespace

ModbusRtuServer::ModbusRtuServer(DeviceBank& bank, std::mutex& mutex,
                                 const std::string& device_path, int baud)
    : bank_(bank), mutex_(mutex) {
  if (bank.size() > kMaxDevices)
    throw std::invalid_argument("the site has " + std::to_string(bank.size()) +
                                " devices; one serial line addresses at most " +
                                std::to_string(kMaxDevices) + " (slave ids 1.." +
                                std::to_string(kMaxDevices) + ")");
  if (!standard_baud(baud))
    throw std::invalid_argument(std::to_string(baud) +
                                " is not a standard baud rate (1200, 2400, 4800, 9600, 19200, "
                                "38400, 57600, 115200 or 230400)");
  // t3.5: three and a half characters of 11 bits (as the Modbus spec counts them). A
  // frame's own gaps on a real line (USB adapters, scheduling) can be longer: 20 ms at least.
  silence_ms_ = std::max(20, (35 * 11 * 1000 / 10 + baud - 1) / baud);
  ctx_ = modbus_new_rtu(device_path.c_str(), baud, 'N', 8, 1);
  if (!ctx_) throw std::runtime_error("cannot open " + device_path + ": " + modbus_strerror(errno));
  if (modbus_connect(ctx_) != 0) {
    const std::string why = modbus_strerror(errno);
    release();
    throw std::runtime_error("cannot open " + device_path + ": " + why);
  }
  fd_ = modbus_get_socket(ctx_);
  modbus_flush(ctx_);  // nothing sent before we listened is a request to us
  if (pipe2(wake_, O_CLOEXEC) != 0) {
    const std::string why = modbus_strerror(errno);
    release();
    throw std::runtime_error("cannot serve " + device_path + ": " + why);
  }
  try {
    thread_ = std::thread([this] { run(); });
  } catch (...) {
    release();
    throw;
  }
}

ModbusRtuServer::~ModbusRtuServer() {
  if (thread_.joinable()) {
    const char stop = 1;
    const ssize_t sent = write(wake_[1], &stop, 1);  // an empty pipe of ours: cannot block
    (void)sent;
    thread_.join();
  }
  release();
}

void ModbusRtuServer::release() {
  for (int& fd : wake_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  if (ctx_) {
    modbus_close(ctx_);
    modbus_free(ctx_);
  }
  ctx_ = nullptr;
}

ServerStats ModbusRtuServer::stats() const {
  ServerStats s;
  s.requests = requests_.load();
  s.exceptions = exceptions_.load();
  s.unanswered = unanswered_.load();
  s.bad_frames = bad_frames_.load();
  return s;
}

bool ModbusRtuServer::wait_or_stop(int timeout_ms) {
  pollfd wake{wake_[0], POLLIN, 0};
  return poll(&wake, 1, timeout_ms) > 0;
}

void ModbusRtuServer::run() {
  std::array<std::uint8_t, kMaxAduBytes> frame{};
  int have = 0;
  bool skipping = false;  // after a bad frame: drop bytes until the line falls silent
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    const int ready = poll(fds, 2, have > 0 || skipping ? silence_ms_ : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (ready == 0) {  // silence: the frame so far is all there is
      if (have > 0 && !skipping) {
        if (request_length(frame.data(), have) == 0 && crc_ok(frame.data(), have))
          handle(frame.data(), have);
        else
          ++bad_frames_;  // cut short, or not a frame
      }
      have = 0;
      skipping = false;
      continue;
    }
    std::array<std::uint8_t, kMaxAduBytes> dropped;
    const int expected = request_length(frame.data(), have);
    std::uint8_t* into = skipping ? dropped.data() : frame.data() + have;
    // The rest of the frame, never more (the next frame's bytes stay unread); up to
    // a silence when the function code does not tell the length.
    const int want = skipping ? kMaxAduBytes : (expected > 0 ? expected : kMaxAduBytes) - have;
    const ssize_t got = read(fd_, into, static_cast<size_t>(want));
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got <= 0) {
      // The line is gone for now (a pty whose other end closed, an unplugged
      // adapter): look again shortly, unless asked to stop.
      if (wait_or_stop(100)) return;
      continue;
    }
    if (skipping) continue;
    have += static_cast<int>(got);
    const int length = request_length(frame.data(), have);
    if (length > kMaxAduBytes || (length == 0 && have == kMaxAduBytes)) {
      ++bad_frames_;  // longer than any Modbus RTU frame
      have = 0;
      skipping = true;
    } else if (length > 0 && have == length) {
      if (crc_ok(frame.data(), have)) {
        handle(frame.data(), have);
      } else {
        ++bad_frames_;
        skipping = true;
      }
      have = 0;
    }
  }
}

void ModbusRtuServer::handle(const std::uint8_t* frame, int length) {
  ++requests_;
  const int device = frame[0] - 1;
  if (frame[0] == MODBUS_BROADCAST_ADDRESS || device >= bank_.size()) {
    ++unanswered_;  // not a device on this line
    return;
  }
  // The PDU decoded and answered by the same code as the TCP servers'; libmodbus
  // adds the slave id's header and the CRC (modbus_send_raw_request only sends).
  std::array<std::uint8_t, 1 + hal::pdu::kMaxPduBytes> reply{};
  reply[0] = frame[0];
  hal::pdu::Served served;
  const std::size_t n = hal::pdu::answer(
      frame + 1, static_cast<std::size_t>(length - 1 - kCrcBytes), hal::pdu::kTableRegisters,
      [&](const hal::pdu::Request& r, std::uint16_t* words) {
        return serve_request(bank_, &mutex_, device, 0, r, words);
      },
      &reply[1], served);
  if (served.result == hal::pdu::Result::kSilent) {
    ++unanswered_;
    return;
  }
  if (served.result == hal::pdu::Result::kException) ++exceptions_;
  modbus_send_raw_request(ctx_, reply.data(), static_cast<int>(n + 1));
}

}  // namespace sim
