#!/usr/bin/env bash
# Assembles data/results/speed/README.md from the sections the speed benchmarks write
# (tools/startup_bench.sh, tools/game_speed_bench.sh, tools/tuned_speed_bench.sh) and the older studies of
# tools/speed_bench.sh (studies.md, hand-kept), so each can be rerun alone.
set -euo pipefail
cd "$(dirname "$0")/../data/results/speed"
{
  echo "# Speed: startup, re-planning, the game, the packer"
  echo
  echo "Measured figures only, each section written by the script it names (issue 16)."
  for section in startup.md game.md replan.md issue16-notes.md studies.md; do
    [[ -f $section ]] && { echo; cat "$section"; }
  done
} >README.md.tmp
mv README.md.tmp README.md
