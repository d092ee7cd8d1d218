// The bytes this process has moved over TCP, from the kernel's per-socket counters (TCP_INFO):
// a measurement of what the process group really sends (payload bytes acknowledged by the
// peer; no IP or TCP headers) rather than a count of what the code handed to it. Kept apart
// from process_group.cc: <linux/tcp.h> and the glibc header that c10d includes define the
// same structure.
#include <dirent.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "train/process_group.h"

namespace mmap_opt {

TrafficCounters ProcessTcpTraffic() {
  TrafficCounters total;
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return total;
  while (dirent* entry = readdir(fds)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd == dirfd(fds)) continue;
    tcp_info info;
    std::memset(&info, 0, sizeof(info));
    socklen_t length = sizeof(info);
    // Fails (ENOTSOCK, ENOPROTOOPT) for everything but a TCP socket.
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) continue;
    if (length < offsetof(tcp_info, tcpi_bytes_received) + sizeof(info.tcpi_bytes_received)) {
      continue;  // A kernel before 4.1 has no byte counters.
    }
    total.bytes_sent += info.tcpi_bytes_acked;
    total.bytes_received += info.tcpi_bytes_received;
  }
  closedir(fds);
  return total;
}

}  // namespace mmap_opt
