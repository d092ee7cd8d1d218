// Scale-out (DESIGN.md §6): a group of processes, possibly on several machines, that train or
// bench together. The implementation (process_group.cc, in the learned library) is PyTorch's
// own distributed layer, c10d: rank 0 hosts a TCPStore for the rendezvous, and the ranks talk
// through ProcessGroupGloo. This header is torch-free, so that the command line can parse the
// launch flags and the bench verb can shard its programs through a group the library opens.
#ifndef MMAP_OPT_TRAIN_PROCESS_GROUP_H_
#define MMAP_OPT_TRAIN_PROCESS_GROUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mmap_opt {

// How one process joins a group: the flags `--world-size N --rank R --master HOST:PORT
// --dist-timeout S`, or torchrun's variables WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT.
struct DistOptions {
  int world_size = 1;  // 1: no group, the process works alone.
  int rank = 0;        // 0 hosts the store and alone writes the outputs.
  // The host of rank 0. Empty: every rank on this machine, all sockets on 127.0.0.1; a named
  // host makes Gloo listen on this machine's address (its hostname's, or GLOO_SOCKET_IFNAME's).
  std::string master_addr;
  int master_port = 29500;  // torchrun's default.
  // A rank that has not joined within this time, or has shown no sign of life (its heartbeat
  // in the store) for a quarter of it, is lost: the others stop with an error naming it
  // rather than wait for ever.
  double timeout_s = 60;

  bool distributed() const { return world_size > 1; }
};

// Checks ranges (world size >= 1, 0 <= rank < world size, a port in 1..65535, a timeout > 0).
absl::Status CheckDistOptions(const DistOptions& options);

// What a process has moved over TCP (the kernel's counters of its sockets: payload bytes, no
// IP or TCP headers), for the benchmark of bytes per training step.
struct TrafficCounters {
  uint64_t bytes_sent = 0;  // Acknowledged by the peer.
  uint64_t bytes_received = 0;
};

// One process's view of its group. Every collective must be called by every rank in the same
// order; a rank that died, failed or went silent for the timeout turns the collective into an
// error naming it (Unavailable), on every surviving rank.
class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;

  // Element-wise sum over the ranks, in place; every rank ends with the same bits.
  virtual absl::Status AllReduceSum(absl::Span<float> values) = 0;
  virtual absl::Status AllReduceSum(absl::Span<double> values) = 0;
  // Every rank's bytes, in rank order, on every rank.
  virtual absl::StatusOr<std::vector<std::string>> AllGather(const std::string& bytes) = 0;
  // Every rank's bytes, in rank order, on rank 0; an empty vector on the others.
  virtual absl::StatusOr<std::vector<std::string>> GatherToRoot(const std::string& bytes) = 0;
  // Rank 0's `bytes` on every rank.
  virtual absl::Status Broadcast(std::string& bytes) = 0;
  // Waits, through the store, until every rank has reached the barrier `label` however long
  // their work took, failing only when one is lost (dead or silent for the timeout) or failed.
  // Call it after uneven work (self-play, files written by rank 0), before a collective.
  virtual absl::Status Barrier(const std::string& label) = 0;
  // Tells the other ranks that this one is stopping with `error`, so that theirs name it.
  virtual void ReportFailure(const absl::Status& error) = 0;

  // This process's TCP traffic so far (all its sockets, Gloo's and the store's).
  virtual TrafficCounters Traffic() const = 0;
};

// An opened group or nullptr for a world size of 1. Binds and connects as DistOptions says;
// FailedPrecondition where this build's LibTorch has no c10d/Gloo; Unavailable naming the
// rank that did not join, or the master that could not be reached, within the timeout.
absl::StatusOr<std::unique_ptr<ProcessGroup>> OpenProcessGroup(const DistOptions& options);

}  // namespace mmap_opt

#endif  // MMAP_OPT_TRAIN_PROCESS_GROUP_H_
