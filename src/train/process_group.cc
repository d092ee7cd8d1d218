// ProcessGroup on c10d (train/process_group.h): a TCPStore on rank 0 for the rendezvous, the
// liveness of every rank and the barriers; ProcessGroupGloo for the collectives. Gloo alone
// reports a dead peer as "connection closed" without saying which rank it was, and waits its
// full timeout for one that is alive but slow. So each rank also ticks a counter in the store
// from a thread of its own (a heartbeat): a barrier waits as long as the ranks it waits for
// still tick, and a failed collective names the rank whose counter stopped.
#include "train/process_group.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "mmap_opt/status_macros.h"

#ifdef MMAP_OPT_WITH_C10D
#include <glog/logging.h>
#include <torch/torch.h>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace mmap_opt {

// Measured from the kernel's TCP counters of this process's sockets (tcp_traffic.cc).
TrafficCounters ProcessTcpTraffic();

absl::Status CheckDistOptions(const DistOptions& o) {
  if (o.world_size < 1 || o.world_size > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("the world size must be in [1, 4096], not ", o.world_size));
  }
  if (o.rank < 0 || o.rank >= o.world_size) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the rank must be in [0, %d] for a world size of %d, not %d",
                        o.world_size - 1, o.world_size, o.rank));
  }
  if (o.master_port < 1 || o.master_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("the master port must be in [1, 65535], not ", o.master_port));
  }
  if (!(o.timeout_s > 0) || o.timeout_s > 1e6) {
    return absl::InvalidArgumentError(
        absl::StrCat("the distributed timeout must be in (0, 1e6] seconds, not ", o.timeout_s));
  }
  return absl::OkStatus();
}

#ifndef MMAP_OPT_WITH_C10D

absl::StatusOr<std::unique_ptr<ProcessGroup>> OpenProcessGroup(const DistOptions& options) {
  RETURN_IF_ERROR(CheckDistOptions(options));
  if (!options.distributed()) return std::unique_ptr<ProcessGroup>();
  return absl::FailedPreconditionError(
      "this build has no distributed support (its LibTorch lacks c10d's ProcessGroupGloo, or "
      "libgloo-dev was missing when it was configured)");
}

#else

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string Key(const std::string& what, int rank) { return absl::StrCat(what, "/", rank); }

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

// Byte strings of different lengths travel as uint8 tensors padded to the longest.
torch::Tensor Padded(const std::string& bytes, int64_t padded) {
  torch::Tensor t = torch::zeros({padded}, torch::kUInt8);
  std::copy(bytes.begin(), bytes.end(), t.data_ptr<uint8_t>());
  return t;
}
std::vector<std::vector<at::Tensor>> PaddedOutputs(int world, int64_t padded) {
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int q = 0; q < world; ++q) outputs[0].push_back(torch::empty({padded}, torch::kUInt8));
  return outputs;
}
std::vector<std::string> Unpadded(const std::vector<at::Tensor>& tensors,
                                  const std::vector<int64_t>& sizes) {
  std::vector<std::string> out;
  for (size_t q = 0; q < tensors.size(); ++q) {
    const uint8_t* p = tensors[q].data_ptr<uint8_t>();
    out.emplace_back(p, p + sizes[q]);
  }
  return out;
}

// Every rank on this machine: the master left unnamed, or named as a loopback address.
bool Loopback(const std::string& master) {
  return master.empty() || master == "localhost" || master == "::1" || master.rfind("127.", 0) == 0;
}

class C10dProcessGroup : public ProcessGroup {
 public:
  explicit C10dProcessGroup(const DistOptions& options)
      : options_(options),
        host_(options.master_addr.empty() ? "127.0.0.1" : options.master_addr),
        silence_s_(options.timeout_s / 4),
        last_beat_(options.world_size, -1),
        last_change_(options.world_size, Clock::now()) {}

  ~C10dProcessGroup() override { Close(); }

  absl::Status Open();

  int rank() const override { return options_.rank; }
  int world_size() const override { return options_.world_size; }

  absl::Status AllReduceSum(absl::Span<float> values) override {
    return AllReduce(values.data(), values.size(), torch::kFloat32);
  }
  absl::Status AllReduceSum(absl::Span<double> values) override {
    return AllReduce(values.data(), values.size(), torch::kFloat64);
  }
  absl::StatusOr<std::vector<std::string>> AllGather(const std::string& bytes) override;
  absl::StatusOr<std::vector<std::string>> GatherToRoot(const std::string& bytes) override;
  absl::Status Broadcast(std::string& bytes) override;
  absl::Status Barrier(const std::string& label) override;
  void ReportFailure(const absl::Status& error) override;
  TrafficCounters Traffic() const override { return ProcessTcpTraffic(); }

 private:
  std::string Address() const { return absl::StrCat(host_, ":", options_.master_port); }

  absl::Status AllReduce(void* data, size_t n, torch::Dtype dtype);
  // Every rank's size, then every rank's bytes padded to the largest.
  absl::StatusOr<std::vector<int64_t>> AllSizes(int64_t size);

  // Runs `body`, a collective; an exception (a peer gone, a timeout) becomes the diagnosis.
  template <typename Body>
  absl::Status Collective(const std::string& what, Body&& body) {
    if (!broken_.ok()) return broken_;
    try {
      body();
      return absl::OkStatus();
    } catch (const std::exception& e) {
      broken_ = Diagnose(what, FirstLine(e.what()));
      return broken_;
    }
  }
  // Why `what` failed with `error`: a rank that reported a failure, one that went silent, or
  // rank 0's store gone. Polls for up to the timeout, since a dead rank's heartbeat takes
  // `silence_s_` to look dead.
  absl::Status Diagnose(const std::string& what, const std::string& error);
  // Another rank's reported failure, if any, as an error.
  absl::Status ReportedFailure(const std::string& what);
  // Reads every other rank's heartbeat; returns a rank silent for silence_s_, or -1.
  int SilentRank(const std::vector<int>& ranks);
  void RestartSilenceClocks();
  void Heartbeat();

  void Close();

  DistOptions options_;
  std::string host_;
  double silence_s_;
  c10::intrusive_ptr<c10d::TCPStore> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo_;
  std::thread heartbeat_;
  std::atomic<bool> stop_heartbeat_{false};
  std::vector<int64_t> last_beat_;
  std::vector<Clock::time_point> last_change_;
  int barriers_ = 0;
  bool failed_ = false;
  absl::Status broken_;  // The first collective error: the group is unusable after it.
};

absl::Status C10dProcessGroup::Open() {
  // A peer that vanishes mid-send must be an error, not a SIGPIPE that kills this rank silently.
  signal(SIGPIPE, SIG_IGN);
  const int rank = options_.rank, world = options_.world_size;
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<uint16_t>(options_.master_port);
  store_options.isServer = rank == 0;
  store_options.numWorkers = world;
  store_options.waitWorkers = false;  // The join below names the ranks that are missing.
  store_options.timeout = Millis(options_.timeout_s);
  try {
    store_ = c10::make_intrusive<c10d::TCPStore>(host_, store_options);
  } catch (const std::exception& e) {
    if (rank == 0) {
      return absl::UnavailableError(absl::StrFormat("rank 0 cannot host the store on port %d: %s",
                                                    options_.master_port, FirstLine(e.what())));
    }
    return absl::UnavailableError(
        absl::StrFormat("rank %d cannot reach the master (rank 0) at %s within %g s: %s", rank,
                        Address(), options_.timeout_s, FirstLine(e.what())));
  }
  try {
    if (store_->add(Key("claim", rank), 1) > 1) {
      return absl::InvalidArgumentError(
          absl::StrFormat("two processes were started as rank %d (of %d) on the store at %s", rank,
                          world, Address()));
    }
    store_->set(Key("world", rank), Bytes(std::to_string(world)));
    const auto deadline = Clock::now() + Millis(options_.timeout_s);
    std::vector<int> missing;
    while (true) {
      missing.clear();
      for (int q = 0; q < world; ++q) {
        if (!store_->check({Key("claim", q)})) missing.push_back(q);
      }
      if (missing.empty() || Clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!missing.empty()) {
      return absl::UnavailableError(
          absl::StrFormat("rank%s %s of %d did not join within %g s (the store is at %s)",
                          missing.size() > 1 ? "s" : "", absl::StrJoin(missing, ", "), world,
                          options_.timeout_s, Address()));
    }
    for (int q = 0; q < world; ++q) {
      const std::vector<uint8_t> theirs = store_->get(Key("world", q));
      if (std::string(theirs.begin(), theirs.end()) != std::to_string(world)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("rank %d was started with a world size of %s, rank %d with %d", q,
                            std::string(theirs.begin(), theirs.end()), rank, world));
      }
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrFormat("the rendezvous at %s failed: %s", Address(), FirstLine(e.what())));
  }
  heartbeat_ = std::thread([this] { Heartbeat(); });
  RestartSilenceClocks();
  return Collective("the Gloo rendezvous", [&] {
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(Millis(options_.timeout_s));
    gloo_options->devices.push_back(
        Loopback(options_.master_addr)
            ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
            : c10d::ProcessGroupGloo::createDefaultDevice());
    gloo_ = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gloo", store_), rank, world, gloo_options);
  });
}

void C10dProcessGroup::Heartbeat() {
  // A client of its own: a TCPStore client is not safe to share between threads.
  try {
    c10d::TCPStoreOptions client;
    client.port = static_cast<uint16_t>(options_.master_port);
    client.timeout = Millis(options_.timeout_s);
    c10d::TCPStore store(host_, client);
    const std::string key = Key("alive", options_.rank);
    while (!stop_heartbeat_) {
      store.add(key, 1);
      for (int i = 0; i < 10 && !stop_heartbeat_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  } catch (const std::exception&) {
    // The store is gone (rank 0 died): the next collective or barrier says so.
  }
}

void C10dProcessGroup::RestartSilenceClocks() {
  std::fill(last_beat_.begin(), last_beat_.end(), -1);
  std::fill(last_change_.begin(), last_change_.end(), Clock::now());
}

int C10dProcessGroup::SilentRank(const std::vector<int>& ranks) {
  const auto now = Clock::now();
  for (int q : ranks) {
    if (q == options_.rank) continue;
    const int64_t beat = store_->add(Key("alive", q), 0);
    if (beat != last_beat_[q]) {
      last_beat_[q] = beat;
      last_change_[q] = now;
    } else if (std::chrono::duration<double>(now - last_change_[q]).count() >= silence_s_) {
      return q;
    }
  }
  return -1;
}

absl::Status C10dProcessGroup::ReportedFailure(const std::string& what) {
  for (int q = 0; q < options_.world_size; ++q) {
    if (q == options_.rank || !store_->check({Key("failed", q)})) continue;
    const std::vector<uint8_t> message = store_->get(Key("failed", q));
    return absl::AbortedError(absl::StrFormat("rank %d stopped during %s: %s", q, what,
                                              std::string(message.begin(), message.end())));
  }
  return absl::OkStatus();
}

absl::Status C10dProcessGroup::Diagnose(const std::string& what, const std::string& error) {
  std::vector<int> everyone(options_.world_size);
  for (int q = 0; q < options_.world_size; ++q) everyone[q] = q;
  const auto deadline = Clock::now() + Millis(options_.timeout_s);
  try {
    RestartSilenceClocks();
    while (true) {
      RETURN_IF_ERROR(ReportedFailure(what));
      const int silent = SilentRank(everyone);
      if (silent >= 0) {
        return absl::UnavailableError(absl::StrFormat(
            "lost rank %d of %d during %s: no sign of life for %.1f s (killed, crashed or cut "
            "off)",
            silent, options_.world_size, what, silence_s_));
      }
      if (Clock::now() > deadline) {
        return absl::UnavailableError(
            absl::StrFormat("%s failed: %s (every rank still shows signs of life)", what, error));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (const std::exception& e) {
    // Only rank 0's store can be gone, and rank 0 never loses its own.
    return absl::UnavailableError(absl::StrFormat(
        "lost rank 0 of %d during %s: the store it hosts at %s no longer answers (%s)",
        options_.world_size, what, Address(), FirstLine(e.what())));
  }
}

absl::Status C10dProcessGroup::Barrier(const std::string& label) {
  if (!broken_.ok()) return broken_;
  const std::string prefix = absl::StrCat("barrier", ++barriers_);
  const std::string what = absl::StrCat("the barrier '", label, "'");
  try {
    store_->set(Key(prefix, options_.rank), Bytes(label));
    RestartSilenceClocks();
    std::vector<int> missing;
    int sleep_ms = 1;
    while (true) {
      missing.clear();
      for (int q = 0; q < options_.world_size; ++q) {
        if (!store_->check({Key(prefix, q)})) missing.push_back(q);
      }
      if (missing.empty()) return absl::OkStatus();
      broken_ = ReportedFailure(what);
      if (!broken_.ok()) return broken_;
      const int silent = SilentRank(missing);
      if (silent >= 0) {
        broken_ = absl::UnavailableError(absl::StrFormat(
            "lost rank %d of %d at %s: no sign of life for %.1f s (killed, crashed or cut off)",
            silent, options_.world_size, what, silence_s_));
        return broken_;
      }
      // Short waits first (ranks in step), then at most 10 ms between polls of the store: a
      // barrier ends an iteration's games, and its latency counts against them.
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
      sleep_ms = std::min(2 * sleep_ms, 10);
    }
  } catch (const std::exception& e) {
    broken_ = Diagnose(what, FirstLine(e.what()));
    return broken_;
  }
}

void C10dProcessGroup::ReportFailure(const absl::Status& error) {
  failed_ = true;
  if (!store_) return;
  try {
    store_->set(Key("failed", options_.rank), Bytes(std::string(error.message())));
  } catch (const std::exception&) {
  }
}

absl::Status C10dProcessGroup::AllReduce(void* data, size_t n, torch::Dtype dtype) {
  if (n == 0) return absl::OkStatus();
  return Collective("an all-reduce", [&] {
    std::vector<at::Tensor> tensors = {
        torch::from_blob(data, {static_cast<int64_t>(n)}, torch::TensorOptions().dtype(dtype))};
    gloo_->allreduce(tensors)->wait();
  });
}

absl::StatusOr<std::vector<int64_t>> C10dProcessGroup::AllSizes(int64_t size) {
  std::vector<double> sizes(options_.world_size, 0.0);
  sizes[options_.rank] = static_cast<double>(size);  // Exact below 2^53 bytes.
  RETURN_IF_ERROR(AllReduceSum(absl::MakeSpan(sizes)));
  return std::vector<int64_t>(sizes.begin(), sizes.end());
}

absl::StatusOr<std::vector<std::string>> C10dProcessGroup::AllGather(const std::string& bytes) {
  ASSIGN_OR_RETURN(std::vector<int64_t> sizes, AllSizes(bytes.size()));
  const int64_t padded = std::max<int64_t>(1, *std::max_element(sizes.begin(), sizes.end()));
  std::vector<std::string> out;
  RETURN_IF_ERROR(Collective("an all-gather", [&] {
    std::vector<std::vector<at::Tensor>> outputs = PaddedOutputs(options_.world_size, padded);
    std::vector<at::Tensor> inputs = {Padded(bytes, padded)};
    gloo_->allgather(outputs, inputs)->wait();
    out = Unpadded(outputs[0], sizes);
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> C10dProcessGroup::GatherToRoot(const std::string& bytes) {
  ASSIGN_OR_RETURN(std::vector<int64_t> sizes, AllSizes(bytes.size()));
  const int64_t padded = std::max<int64_t>(1, *std::max_element(sizes.begin(), sizes.end()));
  std::vector<std::string> out;
  RETURN_IF_ERROR(Collective("a gather", [&] {
    // Only the root receives: the others pass no output list.
    std::vector<std::vector<at::Tensor>> outputs;
    if (options_.rank == 0) outputs = PaddedOutputs(options_.world_size, padded);
    std::vector<at::Tensor> inputs = {Padded(bytes, padded)};
    c10d::GatherOptions gather;
    gather.rootRank = 0;
    gloo_->gather(outputs, inputs, gather)->wait();
    if (options_.rank == 0) out = Unpadded(outputs[0], sizes);
  }));
  return out;
}

absl::Status C10dProcessGroup::Broadcast(std::string& bytes) {
  std::vector<double> size = {options_.rank == 0 ? static_cast<double>(bytes.size()) : 0.0};
  RETURN_IF_ERROR(AllReduceSum(absl::MakeSpan(size)));
  const int64_t n = static_cast<int64_t>(size[0]);
  if (n == 0) {
    bytes.clear();
    return absl::OkStatus();
  }
  return Collective("a broadcast", [&] {
    torch::Tensor buffer = torch::empty({n}, torch::kUInt8);
    if (options_.rank == 0) std::copy(bytes.begin(), bytes.end(), buffer.data_ptr<uint8_t>());
    std::vector<at::Tensor> tensors = {buffer};
    gloo_->broadcast(tensors)->wait();
    const uint8_t* p = buffer.data_ptr<uint8_t>();
    bytes.assign(p, p + n);
  });
}

void C10dProcessGroup::Close() {
  if (!store_) return;
  // After a failure, closing Gloo's connections first turns the others' pending collectives
  // into errors at once (they then read this rank's reported failure) instead of timeouts.
  if (failed_) gloo_.reset();
  try {
    store_->set(Key("exited", options_.rank), Bytes("1"));
    // Rank 0's store must outlive the others' last reads of it (a failure they are about to
    // report, their own exit): wait for each to leave or to fall silent.
    if (options_.rank == 0) {
      RestartSilenceClocks();
      const auto deadline = Clock::now() + Millis(options_.timeout_s);
      while (Clock::now() < deadline) {
        std::vector<int> staying;
        for (int q = 1; q < options_.world_size; ++q) {
          if (!store_->check({Key("exited", q)})) staying.push_back(q);
        }
        if (staying.empty() || SilentRank(staying) >= 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  } catch (const std::exception&) {
  }
  stop_heartbeat_ = true;
  if (heartbeat_.joinable()) heartbeat_.join();
  gloo_.reset();
  store_.reset();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessGroup>> OpenProcessGroup(const DistOptions& options) {
  RETURN_IF_ERROR(CheckDistOptions(options));
  if (!options.distributed()) return std::unique_ptr<ProcessGroup>();
  // c10d logs each failed connect and lost peer through glog, several lines each: the
  // errors this layer returns say it in one line.
  FLAGS_minloglevel = google::GLOG_FATAL;
  auto group = std::make_unique<C10dProcessGroup>(options);
  absl::Status opened = group->Open();
  if (!opened.ok()) {
    group->ReportFailure(opened);
    return opened;
  }
  return std::unique_ptr<ProcessGroup>(std::move(group));
}

#endif  // MMAP_OPT_WITH_C10D

}  // namespace mmap_opt
