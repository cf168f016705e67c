#!/usr/bin/env bash
# Measures the local stack: a warm start (servers installed, data present) from `down` to every
# server answering, and each server's resident memory once up. Prints numbers; asserts nothing.
#   bash bench/stack-start.sh [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${1:-3}
stack=deploy/local/stack.sh
source deploy/local/lib/common.sh

bash "$stack" up >/dev/null # installed and initialised before timing
for i in $(seq 1 "$runs"); do
  bash "$stack" down >/dev/null
  start=$(date +%s.%N)
  bash "$stack" up >/dev/null
  printf 'warm start %d: %.1f s\n' "$i" "$(echo "$(date +%s.%N) - $start" | bc)"
done

total=0
for name in "${SERVERS[@]}"; do
  pid=$(running_pid "$name")
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  total=$((total + rss_kb))
  printf 'rss %-9s %6.0f MiB\n' "$name" "$(echo "$rss_kb / 1024" | bc -l)"
done
printf 'rss %-9s %6.0f MiB\n' total "$(echo "$total / 1024" | bc -l)"
