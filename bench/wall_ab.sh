#!/usr/bin/env bash
# wall_ab.sh: compare the wall-clock time and the page faults of deck check
# at two commits. It builds deck at REV_A and REV_B, then runs
# `deck check FLAGS --workers 1` on each model, alternating the two builds
# ROUNDS times, and prints each build's sorted seconds, their median and
# the page faults of its slowest run.
#
#   bench/wall_ab.sh REV_A REV_B MODEL.deck... [ROUNDS=5, FLAGS in the environment]
#   bench/wall_ab.sh 100ae9a HEAD bench/models/tpc_n6.deck
#   FLAGS="--search bfs" bench/wall_ab.sh 100ae9a HEAD bench/models/tpc_n6.deck
#
# FLAGS defaults to "--search bfs --progress off" (the safety search
# alone); set it to "--search bfs" to include the progress check. Unlike
# cpu_ab.sh, this counts what the kernel does for deck, which is where
# page faults go (docs/performance.md, "Huge pages for the search's
# memory"): on a quiet machine, since the clock moves with other work.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-5}
flags=${FLAGS:---search bfs --progress off}
# shellcheck source=internal/ab.sh
. bench/internal/ab.sh

for model in "$@"; do
	: >"$tmp/times"
	for _ in $(seq "$rounds"); do
		for v in a b; do
			# shellcheck disable=SC2086
			/usr/bin/time -f "$v %e %R" -a -o "$tmp/times" \
				"$tmp/deck.$v" check $flags --workers 1 "$model" >/dev/null || true
		done
	done
	echo "$model"
	report "$tmp/times"
done
