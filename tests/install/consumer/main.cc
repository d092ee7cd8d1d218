// Reads a program through the installed library and prints its size and peak.
#include <iostream>

#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/model/program.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  absl::StatusOr<mmap_opt::proto::Program> proto = mmap_opt::ReadProgram(argv[1]);
  if (!proto.ok()) {
    std::cerr << proto.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<mmap_opt::Program> program = mmap_opt::Program::Create(*proto);
  if (!program.ok()) return 1;
  std::cout << program->name() << ": " << program->num_instructions() << " instructions, peak live "
            << program->peak_live_bytes() << " bytes\n";
  return 0;
}
