// `mmap-opt inspect PROGRAM`: what is in a program dump and how much memory pressure it has.
#include <algorithm>
#include <iostream>
#include <memory>
#include <numeric>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/cli_common.h"
#include "google/protobuf/util/json_util.h"
#include "mmap_opt/io/hardware_io.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/program.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct InspectOptions {
  std::string program_path;
  std::string hardware;
  int top = 10;
  bool json = false;
};

struct BufferCounts {
  int inputs = 0, outputs = 0, slow_only = 0;
};

BufferCounts CountBuffers(const Program& program) {
  BufferCounts counts;
  for (BufferIndex b = 0; b < program.num_buffers(); ++b) {
    counts.inputs += !program.definition(b).has_value();
    counts.outputs += program.buffer(b).is_output();
    counts.slow_only += program.buffer(b).slow_only();
  }
  return counts;
}

// Buffers by size, largest first; ties by index so the listing is stable.
std::vector<BufferIndex> LargestBuffers(const Program& program, int top) {
  std::vector<BufferIndex> order(program.num_buffers());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](BufferIndex a, BufferIndex b) {
    return program.buffer(a).size() > program.buffer(b).size();
  });
  order.resize(std::min<size_t>(order.size(), std::max(top, 0)));
  return order;
}

int64_t TotalBytes(const Program& program, bool reads) {
  int64_t total = 0;
  for (Time t = 0; t < program.num_instructions(); ++t) {
    total += reads ? program.bytes_read(t) : program.bytes_written(t);
  }
  return total;
}

void PrintText(const Program& program, const proto::Hardware& hw, const InspectOptions& opts) {
  const BufferCounts counts = CountBuffers(program);
  const Time peak = program.peak_live_time();
  std::cout << absl::StrFormat("program       %s (%s)\n", program.name(), opts.program_path);
  std::cout << absl::StrFormat(
      "hardware      %s: fast memory %s (align %d B), HBM %s, peak %s/s\n", hw.name(),
      FormatBytes(hw.fast_capacity()), hw.fast_alignment(), FormatCount(hw.slow_bandwidth(), "B/s"),
      FormatCount(hw.peak_flops(), "FLOP"));
  std::cout << absl::StrFormat("instructions  %d\n", program.num_instructions());
  std::cout << absl::StrFormat(
      "buffers       %d (%d inputs, %d outputs, %d slow-only), %s in all\n",
      program.num_buffers(), counts.inputs, counts.outputs, counts.slow_only,
      FormatBytes(program.total_buffer_bytes()));
  std::cout << absl::StrFormat("flops         %s (transcendentals %s)\n",
                               FormatCount(program.total_flops(), "FLOP"),
                               FormatCount(program.total_transcendentals(), ""));
  std::cout << absl::StrFormat("bytes         read %s, written %s\n",
                               FormatBytes(TotalBytes(program, true)),
                               FormatBytes(TotalBytes(program, false)));
  const double pressure =
      hw.fast_capacity() > 0 ? 100.0 * program.peak_live_bytes() / hw.fast_capacity() : 0;
  std::cout << absl::StrFormat("peak live     %s at t=%d '%s' (%.1f%% of fast memory)\n",
                               FormatBytes(program.peak_live_bytes()), peak,
                               program.instruction(peak).name(), pressure);
  for (const std::string& note : program.proto().notes()) {
    std::cout << "note          " << note << "\n";
  }
  std::vector<BufferIndex> largest = LargestBuffers(program, opts.top);
  if (largest.empty()) return;
  std::cout << absl::StrFormat("largest buffers\n  %12s  %-15s  %s\n", "size", "live", "name");
  for (BufferIndex b : largest) {
    const LiveRange live = program.live_range(b);
    std::cout << absl::StrFormat("  %12s  %-15s  %s\n", FormatBytes(program.buffer(b).size()),
                                 absl::StrFormat("[%d, %d]", live.start, live.end),
                                 program.buffer(b).name());
  }
}

void PrintJson(const Program& program, const proto::Hardware& hw, const InspectOptions& opts) {
  const BufferCounts counts = CountBuffers(program);
  std::string hardware_json;
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(hw, &hardware_json, print_options);
  std::vector<std::string> largest;
  for (BufferIndex b : LargestBuffers(program, opts.top)) {
    largest.push_back(absl::StrFormat(R"({"id":%d,"size":%d})", program.buffer(b).id(),
                                      program.buffer(b).size()));
  }
  std::cout << absl::StrFormat(
      R"({"program":"%s","instructions":%d,"buffers":%d,"inputs":%d,"outputs":%d,)"
      R"("slow_only":%d,"total_buffer_bytes":%d,"flops":%.17g,"transcendentals":%.17g,)"
      R"("bytes_read":%d,"bytes_written":%d,"peak_live_bytes":%d,"peak_live_time":%d,)"
      R"("largest_buffers":[%s],"hardware":%s})"
      "\n",
      absl::CHexEscape(program.name()), program.num_instructions(), program.num_buffers(),
      counts.inputs, counts.outputs, counts.slow_only, program.total_buffer_bytes(),
      program.total_flops(), program.total_transcendentals(), TotalBytes(program, true),
      TotalBytes(program, false), program.peak_live_bytes(), program.peak_live_time(),
      absl::StrJoin(largest, ","), hardware_json);
}

absl::Status RunInspect(const InspectOptions& opts) {
  ASSIGN_OR_RETURN(proto::Program program_proto, ReadProgram(opts.program_path));
  ASSIGN_OR_RETURN(proto::Hardware hardware, HardwareFor(program_proto, opts.hardware));
  ASSIGN_OR_RETURN(Program program, Program::Create(std::move(program_proto)));
  if (opts.json) {
    PrintJson(program, hardware, opts);
  } else {
    PrintText(program, hardware, opts);
  }
  return absl::OkStatus();
}

}  // namespace

void AddInspectVerb(CLI::App& app) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* verb = app.add_subcommand(
      "inspect", "Summarise a program: instructions, buffers, bytes, peak live bytes, hardware");
  verb->add_option("program", opts->program_path, "Program file (.pb, .txtpb, .json or -)")
      ->required();
  verb->add_option("--hardware", opts->hardware,
                   "Preset (tpuv4i, tpuv4i-vmem, edge-npu) or hardware file; default: the "
                   "program's own, else tpuv4i");
  verb->add_option("--top", opts->top, "How many of the largest buffers to list")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  verb->add_flag("--json", opts->json, "Print one JSON object instead of the table");
  verb->callback([opts] {
    absl::Status status = RunInspect(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
