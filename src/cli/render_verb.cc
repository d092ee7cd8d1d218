// `mmap-opt render PROGRAM ASSIGNMENT -o layout.svg`: the memory layout as a picture.
// An invalid assignment is still drawn (its bad placements outlined in red) so that it can be
// debugged; a note on stderr says so. An assignment for another program is an error.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "cli/cli_common.h"
#include "cli/score_report.h"
#include "mmap_opt/io/proto_io.h"
#include "mmap_opt/sim/layout_svg.h"
#include "mmap_opt/sim/validator.h"
#include "mmap_opt/status_macros.h"

namespace mmap_opt::cli {
namespace {

struct RenderOptions {
  std::string program_path;
  std::string assignment_path;
  std::string output;
  std::string hardware;
  std::string title;
  int width = 1200;
  int height = 700;
};

absl::Status RunRender(const RenderOptions& opts) {
  ASSIGN_OR_RETURN(LoadedProgram loaded, LoadProgram(opts.program_path, opts.hardware));
  ASSIGN_OR_RETURN(proto::Assignment assignment,
                   LoadAssignment(opts.assignment_path, *loaded.program));
  std::vector<Violation> violations =
      FindViolations(*loaded.program, loaded.model->hardware(), assignment);
  std::optional<Score> score;
  if (violations.empty()) {
    ASSIGN_OR_RETURN(score, ScoreOrExplain(*loaded.model, assignment, opts.assignment_path));
  }
  LayoutSvgOptions svg_options;
  svg_options.width = opts.width;
  svg_options.height = opts.height;
  svg_options.title = opts.title;
  RETURN_IF_ERROR(WriteFileAtomically(
      opts.output, RenderLayoutSvg(*loaded.model, assignment, violations, score, svg_options)));
  if (!violations.empty()) {
    std::cerr << "mmap-opt: note: " << opts.assignment_path << " is invalid (" << violations.size()
              << " violations, outlined in red); first: " << violations.front().ToString() << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddRenderVerb(CLI::App& app) {
  auto opts = std::make_shared<RenderOptions>();
  CLI::App* verb =
      app.add_subcommand("render", "Draw an assignment's memory layout (time x offset) as SVG");
  verb->add_option("program", opts->program_path, "Program file (.pb, .txtpb, .json or -)")
      ->required();
  verb->add_option("assignment", opts->assignment_path, "Assignment file (.pb, .txtpb, .json)")
      ->required();
  verb->add_option("-o,--output", opts->output, "SVG file to write (- for stdout)")->required();
  verb->add_option("--hardware", opts->hardware,
                   "Preset (tpuv4i, tpuv4i-vmem, edge-npu) or hardware file; default: the "
                   "program's own, else tpuv4i");
  verb->add_option("--title", opts->title, "Caption; default: program, agent, hardware");
  verb->add_option("--width", opts->width, "Picture width in pixels")
      ->capture_default_str()
      ->check(CLI::Range(400, 20000));
  verb->add_option("--height", opts->height, "Picture height in pixels")
      ->capture_default_str()
      ->check(CLI::Range(300, 20000));
  verb->callback([opts] {
    absl::Status status = RunRender(*opts);
    if (!status.ok()) Fail(status);
  });
}

}  // namespace mmap_opt::cli
