// MiniMalloc's CSV format (`id,lower,upper,size[,offset]`, one buffer a row, live over the
// half-open [lower, upper)) as programs: import, export, and parsing of the rows themselves.
#ifndef MMAP_OPT_IO_CSV_H_
#define MMAP_OPT_IO_CSV_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mmap_opt/proto/mmap_opt.pb.h"

namespace mmap_opt {

// One row of a MiniMalloc CSV.
struct CsvBuffer {
  std::string id;                 // As written: MiniMalloc ids are strings ("b1", "17").
  int64_t lower = 0;              // First time the buffer is live.
  int64_t upper = 0;              // One past the last time it is live.
  int64_t size = 0;               // Bytes.
  std::optional<int64_t> offset;  // Present in solutions.
};

// Parses CSV text. `path` only labels errors, which are one line naming path and line: a
// missing column, a non-numeric field, lower >= upper, a non-positive size, a duplicate id.
absl::StatusOr<std::vector<CsvBuffer>> ParseCsv(absl::string_view path,
                                                absl::string_view contents);

// Prints rows with MiniMalloc's header; the offset column appears when any row has one.
std::string FormatCsv(const std::vector<CsvBuffer>& rows);

// The capacity MiniMalloc's convention puts in a file name ("A.1048576.csv" -> 1048576).
std::optional<int64_t> CapacityFromFileName(absl::string_view path);

// Turns rows into a program: one instruction per distinct time in {lower} ∪ {upper - 1},
// which writes the buffers whose range starts there and reads the buffers live there
// (started earlier, not yet ended), with zero flops. Each instruction keeps its source time,
// each buffer its CSV id as its name, so ProgramToCsv reproduces the rows. The program embeds
// a hardware with fast_capacity = `capacity` and alignment 1.
absl::StatusOr<proto::Program> CsvToProgram(const std::vector<CsvBuffer>& rows,
                                            absl::string_view name, int64_t capacity);

// The rows of a program (in buffer order); with an assignment, every buffer's offset.
absl::StatusOr<std::vector<CsvBuffer>> ProgramToCsv(const proto::Program& program,
                                                    const proto::Assignment* assignment);

}  // namespace mmap_opt

#endif  // MMAP_OPT_IO_CSV_H_
