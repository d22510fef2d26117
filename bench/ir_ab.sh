#!/usr/bin/env bash
# ir_ab.sh: compare the instructions the checker executes at two commits.
# It builds deck at REV_A and REV_B and runs `deck check --workers 1
# --progress off --search bfs` on each model under valgrind's cachegrind,
# which counts every instruction executed, and prints the counts, the
# instructions per state and per transition, and the change.
#
#   bench/ir_ab.sh REV_A REV_B MODEL.deck...
#   bench/ir_ab.sh main HEAD bench/models/phil_n5_r3.deck bench/models/counter_n6_r4.deck
#
# Why instructions: on the 2-core virtual machine the time of the same run
# moves by 5-50 % with the other work on the host, while the instruction
# count of a one-worker run moves by less than 0.1 % (the collector is
# off, GOGC=off, so its work does not vary). The checker's inner loop runs
# at three or more instructions a cycle, so fewer instructions is less
# time, though a change that trades instructions for cache misses needs
# the clock too (bench/cpu_ab.sh). A model of 10^5 states takes about 10 s
# under cachegrind. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "ir_ab.sh: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
# shellcheck source=internal/ab.sh
. bench/internal/ab.sh

# count BIN MODEL: prints "instructions states transitions". A run is
# tried again when it did not finish: valgrind 3.19 does not know the
# rdtscp instruction, which the Go runtime executes when a lock is
# contended (runtime.cputicks), and then stops deck with SIGILL, now and
# then.
count() {
	local out
	for _ in 1 2 3 4 5; do
		out=$(env GOGC=off GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no \
			--cachegrind-out-file=/dev/null "$1" check --workers 1 --progress off --search bfs "$2" 2>&1 || true)
		if grep -q '^explored' <<<"$out"; then
			break
		fi
	done
	echo "$(echo "$out" | sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,)" \
		"$(echo "$out" | sed -n 's/^explored \([0-9]*\) states and \([0-9]*\) transitions.*/\1 \2/p')"
}

for model in "$@"; do
	read -r ia sa ta <<<"$(count "$tmp/deck.a" "$model")"
	read -r ib sb tb <<<"$(count "$tmp/deck.b" "$model")"
	echo "$model"
	awk -v rev="$a" -v i="$ia" -v s="$sa" -v t="$ta" 'BEGIN { printf "  %-12s %15.0f instructions  %7.0f a state  %6.0f a transition\n", rev, i, i / s, i / t }'
	awk -v rev="$b" -v i="$ib" -v s="$sb" -v t="$tb" -v i0="$ia" 'BEGIN { printf "  %-12s %15.0f instructions  %7.0f a state  %6.0f a transition  (%+.1f %%)\n", rev, i, i / s, i / t, 100 * (i - i0) / i0 }'
done
