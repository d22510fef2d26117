#!/usr/bin/env bash
# scale.sh: how much faster two workers reach the verdict than one (issue
# 14's "2 workers at least 1.8x one"). It builds deck from this checkout
# (or uses DECK), then runs `deck check --progress off --search bfs` on
# each model with --workers 1 and --workers 2, alternated ROUNDS times,
# and prints for each the wall-clock seconds, sorted, and the ratio of the
# bests and of the medians.
#
#   bench/scale.sh MODEL.deck... [ROUNDS=8 in the environment]
#   bench/scale.sh bench/models/phil_n6_r3.deck bench/models/counter_n7_r4.deck
#
# Wall-clock, since that is what two workers save; on the 2-core virtual
# machine it wanders by 20-50 % from run to run with the host's load, so
# one run proves nothing and the two counts are alternated: the best of
# each is the run least disturbed, and the medians say how typical it is.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ]; then
	echo "usage: bench/scale.sh MODEL.deck..." >&2
	exit 2
fi
rounds=${ROUNDS:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
deck=${DECK:-}
if [ -z "$deck" ]; then
	deck=$tmp/deck
	go build -o "$deck" ./cmd/deck
fi

for model in "$@"; do
	: >"$tmp/times"
	for _ in $(seq "$rounds"); do
		for w in 1 2; do
			/usr/bin/time -f "$w %e" -a -o "$tmp/times" \
				"$deck" check --workers "$w" --progress off --search bfs "$model" >/dev/null || true
		done
	done
	echo "$model"
	for w in 1 2; do
		awk -v w="$w" '$1 == w { print $2 }' "$tmp/times" | sort -n >"$tmp/w$w"
		echo "  $w worker(s): $(tr '\n' ' ' <"$tmp/w$w")"
	done
	# best and median of a sorted column
	stats() { awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1], m }' "$1"; }
	read -r b1 m1 <<<"$(stats "$tmp/w1")"
	read -r b2 m2 <<<"$(stats "$tmp/w2")"
	awk -v b1="$b1" -v m1="$m1" -v b2="$b2" -v m2="$m2" \
		'BEGIN { printf "  two workers / one: %.2fx (bests), %.2fx (medians)\n", b1 / b2, m1 / m2 }'
done
