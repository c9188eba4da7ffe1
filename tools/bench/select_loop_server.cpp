// The reference point for `plantctl bench`'s server comparison: the smallest
// Modbus TCP server libmodbus allows, as its documentation sketches it: one
// process, one select() loop over the listening socket and every client,
// modbus_receive and modbus_reply on a fixed register mapping. No devices, no
// plant: only the protocol's cost.
//
//   build/ci/tools/bench/plant_select_server PORT
#include <modbus/modbus.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: select_loop_server PORT\n");
    return 2;
  }
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", std::atoi(argv[1]));
  // A pod gateway's input table is 12 registers; 64 of each kind leaves room.
  modbus_mapping_t* mapping = modbus_mapping_new(0, 0, 64, 64);
  int listener = ctx && mapping ? modbus_tcp_listen(ctx, 16) : -1;
  if (listener < 0) {
    std::fprintf(stderr, "select_loop_server: cannot listen: %s\n", modbus_strerror(errno));
    return 1;
  }
  fd_set all;
  FD_ZERO(&all);
  FD_SET(listener, &all);
  int max_fd = listener;
  std::uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
  for (;;) {
    fd_set ready = all;
    if (select(max_fd + 1, &ready, nullptr, nullptr, nullptr) < 0) return 1;
    for (int fd = 0; fd <= max_fd; ++fd) {
      if (!FD_ISSET(fd, &ready)) continue;
      if (fd == listener) {
        const int client = modbus_tcp_accept(ctx, &listener);
        if (client >= 0 && client < FD_SETSIZE) {
          FD_SET(client, &all);
          if (client > max_fd) max_fd = client;
        }
        continue;
      }
      modbus_set_socket(ctx, fd);
      const int length = modbus_receive(ctx, query);
      if (length > 0) {
        modbus_reply(ctx, query, length, mapping);
      } else if (length < 0) {  // closed or broken: forget the client
        close(fd);
        FD_CLR(fd, &all);
      }
    }
  }
}
