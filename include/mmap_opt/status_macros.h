// Early-return helpers for absl::Status / absl::StatusOr, in the style of XLA's passes.
#ifndef MMAP_OPT_STATUS_MACROS_H_
#define MMAP_OPT_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MMAP_OPT_CONCAT_INNER_(a, b) a##b
#define MMAP_OPT_CONCAT_(a, b) MMAP_OPT_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                     \
  do {                                            \
    ::absl::Status mmap_opt_status_ = (expr);     \
    if (!mmap_opt_status_.ok()) return mmap_opt_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(MMAP_OPT_CONCAT_(mmap_opt_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // MMAP_OPT_STATUS_MACROS_H_
