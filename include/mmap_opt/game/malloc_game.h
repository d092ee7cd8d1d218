// The MallocGame (DESIGN.md §5): memory mapping as a single-player game. One step decides one
// use segment of one buffer (buffers in the heuristic's priority order, each buffer's uses in
// time order): read it from slow memory (Drop), keep/produce it in fast memory at one of K
// candidate offsets (NoCopy k), prefetch it started at one of K candidate times (Copy k), or,
// at a buffer's first segment, move the buffer back in the order (Defer). Every finished game
// is a valid assignment: an action that turns out infeasible when executed is executed as Drop
// instead, and the step says so (drop-backup). Playing Drop/NoCopy(0)/Copy(0) the way
// HeuristicPolicy does reproduces XLA's heuristic exactly; the other Copy starts and Defer are
// the levers heuristic-tuned wins with (copy timing and buffer order), so a search can start
// from the heuristic's trajectory and only improve on it.
#ifndef MMAP_OPT_GAME_MALLOC_GAME_H_
#define MMAP_OPT_GAME_MALLOC_GAME_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mmap_opt/game/memory_state.h"
#include "mmap_opt/sim/cost_model.h"
#include "mmap_opt/sim/prefetch_interval_picker.h"

namespace mmap_opt {

struct GameOptions {
  // K: candidate offsets per placing action; the action space has 1 + 2K actions.
  int num_candidates = 4;
  // The copy-start rule and the "too long" window used for features (xla-msa.md §1.5).
  PrefetchIntervalOptions prefetch;
  // Time bins of the occupancy window in the observation, centred on the segment.
  int occupancy_bins = 16;
  // How many of the following segments the observation describes.
  int lookahead = 4;
  // Like XLA, a placing action reserves its chunk through the later uses it can reach without
  // a copy (each gap short enough for the picker's no-copy rule) when the room is there; those
  // uses are then served from fast memory and their segments skipped. Off: one segment at a
  // time.
  bool reserve_to_later_uses = true;
  // Eviction windows tried for a produced placement that must be written back: retry r asks
  // the picker for (1 + 2r) x the preferred overlap, like the heuristic's max_retries; then
  // the placement's own end. 1: XLA's default.
  int eviction_retries = 1;
  // Evict later, per buffer (BufferIndex): more eviction windows this buffer's produced
  // placement may try after the eviction_retries ones, each longer again (retry r asks for
  // (1 + 2r) x the preferred overlap), as if the heuristic retried this buffer alone. A window
  // is tried only when the shorter ones fail, so this changes only buffers whose eviction
  // found no window (StepResult::eviction_failed): the lever anchored play draws there
  // (search/play.h, eviction moves). Empty: none; else one entry per buffer, each in
  // [0, MallocGame::kMaxLaterEvictions].
  std::vector<int> later_evictions;
  // The order of the buffers, as HeuristicOptions::priority (empty: XLA's).
  std::vector<double> priority;
  // Times one buffer may be deferred (0: no Defer action). A Defer divides the buffer's
  // priority by exp(defer_scale) and moves it behind the following buffers whose priority is
  // still higher (at least one). Promoting a buffer is deferring the ones ahead of it.
  int max_defers = 2;
  // e^3 (about 20x): XLA's priorities (benefit per sqrt(size)) span orders of magnitude, and a
  // deferral by e (the scale of heuristic-tuned's per-step noise, which compounds over its
  // steps) moved a buffer past too few others to change what fits. Measured on lstm-seq2seq-
  // large training, 600 games of random Defers around the incumbent: +0.5% over the heuristic
  // with a scale of 1, +7.3% with 2, 3 or 5.
  double defer_scale = 3;
};

enum class ActionKind { kDrop, kNoCopy, kCopy, kDefer };

// Action index a: 0 = Drop; 1..K = NoCopy(a - 1); K+1..2K = Copy(a - K - 1); 2K+1 = Defer
// (when max_defers > 0). Copy(0) starts where the picker prefers (the heuristic's choice);
// Copy(1..K-1) start at other feasible times: the latest, the earliest, then in between.
struct Action {
  ActionKind kind = ActionKind::kDrop;
  int candidate = 0;
};

// One decision: the use of `buffer` at time `use`, reached from `start` (its definition or the
// previous use; -1 for a program input's first use). A defined buffer with no uses has one
// definition-only segment (start = use = its definition): produce it into fast memory or not.
struct Segment {
  BufferIndex buffer = 0;
  int use_index = 0;
  Time start = -1;
  Time use = 0;
};

struct StepResult {
  double reward = 0;         // Cost-model time the decision saves, over the program's headroom.
  bool drop_backup = false;  // The chosen action was infeasible and was executed as Drop.
  Action executed;           // What actually happened.
  // A placement of a produced buffer was backed up to Drop because its write-back found no
  // eviction window among those tried (a longer one, GameOptions::later_evictions, may fit).
  bool eviction_failed = false;
};

class MallocGame {
 public:
  // The most GameOptions::later_evictions may ask for one buffer.
  static constexpr int kMaxLaterEvictions = 16;

  // Features per observation: see Observe() for the layout.
  static int ObservationSize(const GameOptions& options);

  // Actions per position: 1 + 2K, plus Defer when max_defers > 0.
  static int NumActions(const GameOptions& options);

  static absl::StatusOr<MallocGame> Create(const CostModel& cost, GameOptions options = {});

  int num_actions() const { return NumActions(options_); }
  Action DecodeAction(int index) const;
  int EncodeAction(const Action& action) const;

  bool done() const { return segment_index_ >= static_cast<int>(segments_.size()); }
  int num_segments() const { return static_cast<int>(segments_.size()); }
  int segment_index() const { return segment_index_; }
  const Segment& segment() const { return segments_[segment_index_]; }

  // Legality of each action for the current segment (Drop is always legal).
  const std::vector<bool>& legal() const { return legal_; }
  // The candidate offset of a NoCopy/Copy action (-1 when it has none).
  int64_t candidate_offset(const Action& action) const;
  // The last time a NoCopy / Copy of this segment would reserve (>= the use).
  Time reserve_end(const Action& action) const;
  // When Copy(k) would issue its prefetch; copy_start() is Copy(0)'s, the picker's choice.
  std::optional<Time> copy_start(int k = 0) const;
  // How often the current segment's buffer has been deferred.
  int defers() const { return done() ? 0 : defers_[segment().buffer]; }

  // Plays one action on the current segment. Precondition: !done().
  StepResult Step(int action);

  // The normalised features of the current state (ObservationSize floats).
  void Observe(float* features) const;

  // Cheap snapshot / restore for tree search over the real environment.
  struct Snapshot {
    MemoryState::Mark mark;
    int segment_index = 0;
    struct Buffer {
      Time slow_from, previous_end;
      int current, produced;
      MemoryState::CopyHandle eviction;
    } buffer;
    double total_reward = 0;
    int drop_backups = 0;
    size_t deferred = 0;  // Entries of the defer log.
  };
  Snapshot Save() const;
  void Restore(const Snapshot& snapshot);

  // The placements so far, as an assignment (valid at every step).
  proto::Assignment ToAssignment(const std::string& agent) const {
    return state_.ToAssignment(agent);
  }

  double total_reward() const { return total_reward_; }
  int drop_backups() const { return drop_backups_; }
  double headroom() const { return headroom_; }
  const CostModel& cost() const { return *cost_; }
  const MemoryState& state() const { return state_; }
  const PrefetchIntervalPicker& picker() const { return picker_; }
  const GameOptions& options() const { return options_; }

 private:
  static constexpr Time kNever = std::numeric_limits<Time>::max();
  // Up to this many chunks in fast memory the heap keeps them by offset for the candidates'
  // queries (a filter over them beats collecting and sorting; measured on ResNet-101's ~700).
  static constexpr int kOffsetIndexChunks = 4096;
  struct BufferProgress {
    Time slow_from = kNever;  // Boundary from which a slow-memory copy exists.
    Time previous_end = -1;   // End of the latest placement that is not open any more.
    int current = -1;         // The placement the data is in at the segment start, if any.
    int produced = -1;        // The PRODUCED placement, while it may still grow.
    MemoryState::CopyHandle eviction = -1;  // Its scheduled eviction, if any.
  };

  MallocGame(const CostModel& cost, GameOptions options, MemoryState state,
             std::vector<double> elapsed);
  void EnterSegment();       // Starts a buffer's progress at its first segment, then:
  void ComputeCandidates();  // legality, candidate offsets and copy start of the segment.
  bool ExecuteNoCopy(int candidate);
  bool ExecuteCopy(int candidate);
  // End times to try for a rectangle reaching the current use: the furthest contiguous later
  // use first (when reserve_to_later_uses), back to the use itself; at most 8.
  void ReserveEnds(std::vector<Time>* ends) const;
  // Schedules (or drops) the eviction the open PRODUCED placement needs when it ends at `end`.
  bool RescheduleEviction(Time end);
  // Eviction windows the current segment's buffer may try (eviction_retries + later_evictions).
  int EvictionWindows() const;
  double ServeUse(Time t, bool produced_here);
  // Segments of buffer b (its uses, or the one definition-only segment).
  int SegmentCount(BufferIndex b) const;
  bool CanDefer() const;
  void ExecuteDefer();
  void UndoDefer();
  // Whether a prefetch issued after `after` for the current segment fits the copy engine and
  // the heap: its best-fit offset and reserve end (best fits among candidate_overlap_).
  bool TryCopyStart(Time after, const std::vector<Time>& ends, int64_t* offset, Time* end) const;

  const CostModel* cost_;
  GameOptions options_;
  std::vector<double> elapsed_;  // All-slow instruction times (the picker's clock).
  PrefetchIntervalPicker picker_;
  MemoryState state_;
  std::vector<Segment> segments_;
  std::vector<double> priority_;  // Per buffer, the order's first key (for Defer).
  std::vector<double> segment_priority_;  // priority_ of each segment's buffer, as segments_.
  double headroom_ = 0;

  int segment_index_ = 0;
  BufferProgress progress_;
  double total_reward_ = 0;
  int drop_backups_ = 0;
  bool eviction_failed_ = false;  // In the step being played (StepResult::eviction_failed).
  std::vector<int> defers_;  // Per buffer.
  // Each Defer moved segments [first, first + count) behind [first + count, last): undone by
  // the opposite rotation when a snapshot from before it is restored.
  struct DeferMove {
    int first, count, last;
  };
  std::vector<DeferMove> defer_log_;

  // Derived for the current segment.
  std::vector<bool> legal_;
  std::vector<int64_t> no_copy_offsets_;
  std::vector<int64_t> copy_offsets_;
  std::vector<Time> copy_starts_;  // Issue times, parallel to copy_offsets_.
  std::vector<Time> copy_ends_;
  Time copy_earliest_ = 0;  // The earliest issue the picker allowed (features).
  Time no_copy_end_ = 0;
  // The chunks overlapping every rectangle the segment's candidates may take, by offset.
  std::vector<heap::Chunk> candidate_overlap_;
  std::vector<Time> reserve_ends_, later_starts_;  // ComputeCandidates' scratch.
};

}  // namespace mmap_opt

#endif  // MMAP_OPT_GAME_MALLOC_GAME_H_
