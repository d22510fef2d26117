#!/usr/bin/env bash
# progress_ab.sh: compare the progress pass of deck check at two commits.
# It builds deck at REV_A and REV_B, then runs `deck check --search bfs
# --workers W` on each model for each W in WORKERS, alternating the two
# builds ROUNDS times, and prints, per model and worker count, each
# build's sorted pass times (the "progress: ... in T" line deck prints),
# with their median. Alternate, and trust only medians and their
# direction: on the 2-vCPU machine the same build moves by 20-40 %
# between minutes (docs/performance.md, "Progress on two workers,
# fourteenth session").
#
#   bench/progress_ab.sh REV_A REV_B MODEL.deck... [ROUNDS=4, WORKERS="1 2" in the environment]
#   bench/progress_ab.sh 9652223 HEAD bench/models/phil_n6_r3.deck bench/models/tpc_n6.deck
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-4}
workers=${WORKERS:-1 2}
# shellcheck source=internal/ab.sh
. bench/internal/ab.sh

for model in "$@"; do
	for w in $workers; do
		: >"$tmp/times"
		for _ in $(seq "$rounds"); do
			for v in a b; do
				# The pass's time as deck prints it: 823ms or 1.446s.
				"$tmp/deck.$v" check --search bfs --workers "$w" "$model" 2>&1 |
					sed -n 's/^progress: .* transitions, in \([0-9.]*\)\(m\?s\)$/\1 \2/p' |
					awk -v v="$v" '{ printf "%s %.3f\n", v, ($2 == "ms" ? $1 / 1000 : $1) }' >>"$tmp/times"
			done
		done
		echo "$model, $w worker(s): the progress pass"
		report "$tmp/times"
	done
done
