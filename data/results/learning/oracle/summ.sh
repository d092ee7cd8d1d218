#!/bin/bash
# Gains (heuristic / agent - 1) of ab.sh lines, and the mean per configuration.
awk '{g=100*($4/$5-1); k=$1" "$2; s[k]+=g; n[k]++; c[$2]+=g; cn[$2]++; printf "%s %s %d %+.2f%%\n",$1,$2,$3,g} END {for (x in c) printf "MEAN %s %+.3f%% (n=%d)\n", x, c[x]/cn[x], cn[x]}' "$@" | sort
