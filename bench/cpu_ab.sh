#!/usr/bin/env bash
# cpu_ab.sh: compare the checker's cost per state at two commits, on a
# machine whose speed wanders. It builds deck at REV_A and REV_B, then runs
# `deck check --workers 1 --progress off --search bfs` on each model,
# alternating the two builds ROUNDS times, and prints the user-CPU seconds
# of every run, sorted, and their medians.
#
#   bench/cpu_ab.sh REV_A REV_B MODEL.deck... [ROUNDS=7 in the environment]
#   bench/cpu_ab.sh main HEAD bench/models/phil_n6_r3.deck bench/models/counter_n7_r4.deck
#
# Why user seconds and not wall-clock: on the 2-core virtual machine the
# wall-clock time of the same run moved by 30-50 % whenever other work ran
# on the other core, while the user time of a one-worker run with the
# collector off (GOGC=off, GOMAXPROCS=1) moved by about 5 %. The collector
# is off so that its background work, which lands on other threads, is
# not counted; the models here need well under 1 GiB without it.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-7}
# shellcheck source=internal/ab.sh
. bench/internal/ab.sh

for model in "$@"; do
	: >"$tmp/times"
	for _ in $(seq "$rounds"); do
		for v in a b; do
			/usr/bin/time -f "$v %U" -a -o "$tmp/times" env GOGC=off GOMAXPROCS=1 \
				"$tmp/deck.$v" check --workers 1 --progress off --search bfs "$model" >/dev/null || true
		done
	done
	echo "$model"
	report "$tmp/times"
done
