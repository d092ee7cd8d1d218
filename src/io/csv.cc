// MiniMalloc CSV <-> Program.
#include "mmap_opt/io/csv.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "mmap_opt/model/hardware.h"
#include "mmap_opt/model/limits.h"
#include "mmap_opt/model/quote.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt {
namespace {

// Past this many (instruction, operand) pairs, "every instruction reads every live buffer"
// would take gigabytes (IOPDDL's S_1 trace needs 55 million); such programs read each buffer
// only at its last time, which keeps live ranges, and say so in a note.
constexpr int64_t kMaxLiveReads = 5'000'000;

absl::Status CsvError(absl::string_view path, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", what));
}

struct Header {
  int id = -1, lower = -1, upper = -1, size = -1, offset = -1;
  int columns = 0;
};

absl::StatusOr<Header> ParseHeader(absl::string_view path, absl::string_view line) {
  Header header;
  std::vector<std::string> names = absl::StrSplit(line, ',');
  header.columns = static_cast<int>(names.size());
  for (int i = 0; i < header.columns; ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(names[i]));
    if (name == "id" || name == "buffer") header.id = i;
    else if (name == "lower" || name == "start") header.lower = i;
    else if (name == "upper" || name == "end") header.upper = i;
    else if (name == "size") header.size = i;
    else if (name == "offset") header.offset = i;
  }
  for (auto [column, name] : {std::pair{header.id, "id"}, {header.lower, "lower"},
                              {header.upper, "upper"}, {header.size, "size"}}) {
    if (column < 0) {
      return CsvError(path, 1, absl::StrCat("header has no '", name,
                                            "' column (expected id,lower,upper,size[,offset])"));
    }
  }
  return header;
}

absl::StatusOr<int64_t> ParseField(absl::string_view path, int line, absl::string_view name,
                                   absl::string_view text) {
  int64_t value = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &value)) {
    return CsvError(path, line, absl::StrCat(name, " ", Quote(text), " is not an integer"));
  }
  return value;
}

absl::StatusOr<CsvBuffer> ParseRow(absl::string_view path, int line, const Header& header,
                                   absl::string_view text) {
  std::vector<absl::string_view> fields = absl::StrSplit(text, ',');
  if (static_cast<int>(fields.size()) != header.columns) {
    return CsvError(path, line, absl::StrCat("expected ", header.columns, " fields, found ",
                                             fields.size()));
  }
  CsvBuffer row;
  row.id = std::string(absl::StripAsciiWhitespace(fields[header.id]));
  if (row.id.empty()) return CsvError(path, line, "empty id");
  ASSIGN_OR_RETURN(row.lower, ParseField(path, line, "lower", fields[header.lower]));
  ASSIGN_OR_RETURN(row.upper, ParseField(path, line, "upper", fields[header.upper]));
  ASSIGN_OR_RETURN(row.size, ParseField(path, line, "size", fields[header.size]));
  if (header.offset >= 0) {
    ASSIGN_OR_RETURN(row.offset, ParseField(path, line, "offset", fields[header.offset]));
    if (*row.offset < 0) return CsvError(path, line, "negative offset");
  }
  if (row.lower < 0) return CsvError(path, line, absl::StrCat("negative lower ", row.lower));
  if (row.lower >= row.upper) {
    return CsvError(path, line, absl::StrCat("lower ", row.lower, " >= upper ", row.upper,
                                             " (the range [lower, upper) must be non-empty)"));
  }
  if (row.size <= 0) return CsvError(path, line, absl::StrCat("size ", row.size, " must be > 0"));
  return row;
}

}  // namespace

absl::StatusOr<std::vector<CsvBuffer>> ParseCsv(absl::string_view path,
                                                absl::string_view contents) {
  RETURN_IF_ERROR(CheckInputSize(path, static_cast<int64_t>(contents.size())));
  RETURN_IF_ERROR(CheckLineLengths(path, contents));
  std::vector<absl::string_view> lines = absl::StrSplit(contents, '\n');
  // Skip blank lines but keep 1-based numbering of the file.
  int first = 0;
  while (first < static_cast<int>(lines.size()) &&
         absl::StripAsciiWhitespace(lines[first]).empty()) {
    ++first;
  }
  if (first == static_cast<int>(lines.size())) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty CSV file"));
  }
  ASSIGN_OR_RETURN(Header header,
                   ParseHeader(path, absl::StripTrailingAsciiWhitespace(lines[first])));
  std::vector<CsvBuffer> rows;
  absl::flat_hash_map<std::string, int> line_of_id;
  for (int i = first + 1; i < static_cast<int>(lines.size()); ++i) {
    absl::string_view text = absl::StripTrailingAsciiWhitespace(lines[i]);
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    ASSIGN_OR_RETURN(CsvBuffer row, ParseRow(path, i + 1, header, text));
    auto [it, inserted] = line_of_id.emplace(row.id, i + 1);
    if (!inserted) {
      return CsvError(path, i + 1,
                      absl::StrCat("duplicate id ", Quote(row.id), " (first on line ", it->second, ")"));
    }
    if (static_cast<int64_t>(rows.size()) == kMaxBuffers) {
      return CsvError(path, i + 1, absl::StrCat("more than ", kMaxBuffers,
                                                " buffers, over the limit"));
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no buffers"));
  return rows;
}

std::string FormatCsv(const std::vector<CsvBuffer>& rows) {
  bool with_offset = std::any_of(rows.begin(), rows.end(),
                                 [](const CsvBuffer& row) { return row.offset.has_value(); });
  std::string out = with_offset ? "id,lower,upper,size,offset\n" : "id,lower,upper,size\n";
  for (const CsvBuffer& row : rows) {
    absl::StrAppend(&out, row.id, ",", row.lower, ",", row.upper, ",", row.size);
    if (with_offset) absl::StrAppend(&out, ",", row.offset.value_or(0));
    out += '\n';
  }
  return out;
}

std::optional<int64_t> CapacityFromFileName(absl::string_view path) {
  size_t slash = path.find_last_of('/');
  absl::string_view base = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  std::vector<absl::string_view> parts = absl::StrSplit(base, '.');
  // "A.1048576.csv": the number is the part before the extension.
  if (parts.size() < 3) return std::nullopt;
  int64_t capacity = 0;
  if (!absl::SimpleAtoi(parts[parts.size() - 2], &capacity) || capacity <= 0) return std::nullopt;
  return capacity;
}

absl::StatusOr<proto::Program> CsvToProgram(const std::vector<CsvBuffer>& rows,
                                            absl::string_view name, int64_t capacity) {
  if (rows.empty()) return absl::InvalidArgumentError("no buffers");
  std::vector<int64_t> times;
  for (const CsvBuffer& row : rows) {
    times.push_back(row.lower);
    times.push_back(row.upper - 1);
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  auto index_of = [&](int64_t time) {
    return std::lower_bound(times.begin(), times.end(), time) - times.begin();
  };

  proto::Program program;
  program.set_name(std::string(name));
  ASSIGN_OR_RETURN(*program.mutable_hardware(), HardwarePreset(kDefaultHardware));
  program.mutable_hardware()->set_name("minimalloc");
  program.mutable_hardware()->set_fast_capacity(capacity);
  program.mutable_hardware()->set_fast_alignment(1);
  for (size_t t = 0; t < times.size(); ++t) {
    proto::Instruction* inst = program.add_instructions();
    inst->set_id(static_cast<int64_t>(t));
    inst->set_name(absl::StrCat("t", times[t]));
    inst->set_opcode("step");
    inst->set_source_time(times[t]);
  }
  int64_t live_reads = 0;
  for (const CsvBuffer& row : rows) live_reads += index_of(row.upper - 1) - index_of(row.lower);
  const bool read_every_live_time = live_reads <= kMaxLiveReads;
  if (!read_every_live_time) {
    program.add_notes(absl::StrCat("each buffer is read only at its last time: reading every live "
                                   "buffer at every time would take ",
                                   live_reads, " operands"));
  }
  for (size_t b = 0; b < rows.size(); ++b) {
    const CsvBuffer& row = rows[b];
    proto::Buffer* buffer = program.add_buffers();
    buffer->set_id(static_cast<int64_t>(b));
    buffer->set_name(row.id);
    buffer->set_size(row.size);
    const int64_t def = index_of(row.lower);
    const int64_t last = index_of(row.upper - 1);
    buffer->set_defined_by(def);
    program.mutable_instructions(def)->add_outputs(buffer->id());
    for (int64_t t = read_every_live_time ? def + 1 : last; t <= last; ++t) {
      if (t > def) program.mutable_instructions(t)->add_operands(buffer->id());
    }
  }
  return program;
}

absl::StatusOr<std::vector<CsvBuffer>> ProgramToCsv(const proto::Program& program,
                                                    const proto::Assignment* assignment) {
  const int64_t num_instructions = program.instructions_size();
  auto time_at = [&](int64_t t) {
    const proto::Instruction& inst = program.instructions(t);
    return inst.has_source_time() ? inst.source_time() : t;
  };
  absl::flat_hash_map<int64_t, int64_t> id_to_time;
  for (int64_t t = 0; t < num_instructions; ++t) id_to_time[program.instructions(t).id()] = t;
  // Live range per buffer id: definition .. last read (program end for outputs).
  absl::flat_hash_map<int64_t, std::pair<int64_t, int64_t>> range;
  for (const proto::Buffer& buffer : program.buffers()) {
    int64_t start = buffer.has_defined_by() ? id_to_time.at(buffer.defined_by()) : 0;
    range[buffer.id()] = {start, buffer.is_output() ? num_instructions - 1 : start};
  }
  for (int64_t t = 0; t < num_instructions; ++t) {
    for (int64_t id : program.instructions(t).outputs()) {
      range[id].first = t;
      range[id].second = std::max(range[id].second, t);
    }
    for (int64_t id : program.instructions(t).operands()) {
      range[id].second = std::max(range[id].second, t);
    }
  }
  absl::flat_hash_map<int64_t, int64_t> offset_of;
  if (assignment != nullptr) {
    for (const proto::Placement& placement : assignment->placements()) {
      auto [it, inserted] = offset_of.emplace(placement.buffer_id(), placement.offset());
      if (!inserted && it->second != placement.offset()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "buffer ", placement.buffer_id(),
            " has placements at two offsets; a MiniMalloc CSV holds one offset per buffer"));
      }
    }
  }
  std::vector<CsvBuffer> rows;
  for (const proto::Buffer& buffer : program.buffers()) {
    CsvBuffer row;
    row.id = buffer.name().empty() ? absl::StrCat(buffer.id()) : buffer.name();
    auto [first, last] = range.at(buffer.id());
    row.lower = time_at(first);
    row.upper = time_at(last) + 1;
    row.size = buffer.size();
    if (assignment != nullptr) {
      auto it = offset_of.find(buffer.id());
      if (it == offset_of.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "buffer ", buffer.id(), " '", buffer.name(),
            "' has no placement; a MiniMalloc solution needs an offset for every buffer"));
      }
      row.offset = it->second;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mmap_opt
