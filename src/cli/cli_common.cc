#include "cli/cli_common.h"

#include <cmath>
#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace mmap_opt::cli {

int& ExitCode() {
  static int code = 0;
  return code;
}

void Fail(const absl::Status& status) {
  // One line, whatever the message: scripts grep stderr.
  std::string message = absl::StrReplaceAll(status.message(), {{"\n", " "}});
  std::cerr << "mmap-opt: " << message << "\n";
  ExitCode() = kExitFailure;
}

std::string FormatBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (std::fabs(bytes) >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrFormat("%.0f B", bytes);
  return absl::StrFormat("%.2f %s", bytes, kUnits[unit]);
}

std::string FormatSeconds(double seconds) {
  if (seconds == 0) return "0 s";
  if (std::fabs(seconds) >= 1) return absl::StrFormat("%.3f s", seconds);
  if (std::fabs(seconds) >= 1e-3) return absl::StrFormat("%.3f ms", seconds * 1e3);
  if (std::fabs(seconds) >= 1e-6) return absl::StrFormat("%.3f us", seconds * 1e6);
  return absl::StrFormat("%.3f ns", seconds * 1e9);
}

std::string FormatCount(double value, const std::string& unit) {
  static const char* kPrefixes[] = {"", "K", "M", "G", "T", "P", "E"};
  int prefix = 0;
  while (std::fabs(value) >= 1000 && prefix < 6) {
    value /= 1000;
    ++prefix;
  }
  if (prefix == 0) return absl::StrFormat("%.0f %s", value, unit);
  return absl::StrFormat("%.2f %s%s", value, kPrefixes[prefix], unit);
}

}  // namespace mmap_opt::cli
