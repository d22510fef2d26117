#!/usr/bin/env bash
# progress.sh: deck's progress check against Spin's search for
# non-progress cycles with weak fairness, on twin models.
#
#   bench/progress.sh
#
# The twins: Peterson's algorithm (bench/gen's filter lock at N=2, R=10),
# the filter lock at N=3 R=3, the philosophers at N=4 R=4, the mutex
# counter at N=5 R=3 (bench/models), and Ben-Ari's fourth attempt
# (examples/ben_ari_attempt4.deck and bench/progress/ben_ari_attempt4.pml),
# which livelocks. The twins have no progress labels and their processes
# end, so a non-progress cycle is a run that goes round forever without
# finishing: what deck's progress check looks for.
#
# For each: deck check --workers 2 (safety, then progress, weak fairness),
# the whole process; Spin: spin -a, gcc -O2 -DNP -DNFAIR=3 (room for the
# fairness of up to nine processes), ./pan -l -f (with and without
# -DNOREDUCE), the search alone and the build. Best of REPEAT (3)
# wall-clock runs. Prints a markdown table.
#
# Environment: DECK (a deck binary; default: built from this checkout),
# SPIN (spin), CC (gcc), REPEAT (3).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
REPEAT=${REPEAT:-3}
SPIN=${SPIN:-spin}
CC=${CC:-gcc}
die() { echo "progress.sh: $*" >&2; exit 2; }
command -v "$SPIN" >/dev/null || die "spin not found (set SPIN)"
command -v "$CC" >/dev/null || die "$CC not found (set CC)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/deckprogress.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
if [ -z "${DECK:-}" ]; then
	DECK=$WORK/deck
	go build -o "$DECK" ./cmd/deck || die "go build failed"
fi
go run ./bench/gen -out "$WORK" filter 2 10 >/dev/null || die "bench/gen failed"

# best CMD...: the best wall-clock seconds of REPEAT runs (the last run's
# output in $WORK/out).
best() {
	local b="" t
	for _ in $(seq "$REPEAT"); do
		/usr/bin/time -f "%e" -o "$WORK/t" "$@" >"$WORK/out" 2>&1
		t=$(tail -1 "$WORK/t")
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}

echo "| model | deck progress states | deck verdict | deck check (s) | Spin states | Spin -DNOREDUCE states | Spin verdict | Spin search (s) | Spin build (s) |"
echo "| --- | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: |"
for spec in \
	"peterson (filter N=2 R=10)|$WORK/filter_n2_r10.deck|$WORK/filter_n2_r10.pml" \
	"filter N=3 R=3|bench/models/filter_n3_r3.deck|bench/models/filter_n3_r3.pml" \
	"phil N=4 R=4|bench/models/phil_n4_r4.deck|bench/models/phil_n4_r4.pml" \
	"counter N=5 R=3|bench/models/counter_n5_r3.deck|bench/models/counter_n5_r3.pml" \
	"Ben-Ari attempt 4|examples/ben_ari_attempt4.deck|bench/progress/ben_ari_attempt4.pml"; do
	IFS='|' read -r name deckf pml <<<"$spec"
	dt=$(best "$DECK" check --workers 2 "$deckf")
	dstates=$(grep -o 'progress: weak fairness, [0-9]* states' "$WORK/out" | grep -o '[0-9]*')
	dverdict=$(grep -o '^verdict: [a-z]*' "$WORK/out" | cut -d' ' -f2)
	dir=$WORK/spin_$(basename "$pml" .pml)
	mkdir -p "$dir"
	cp "$pml" "$dir/"
	bstart=$(date +%s.%N)
	(cd "$dir" && "$SPIN" -a "$(basename "$pml")" >/dev/null && "$CC" -O2 -DNP -DNFAIR=3 -o pan pan.c 2>/dev/null && "$CC" -O2 -DNP -DNFAIR=3 -DNOREDUCE -o pannr pan.c 2>/dev/null) || die "spin build failed for $pml"
	bt=$(awk -v a="$bstart" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", (b-a)/2}') # two builds
	st=$(cd "$dir" && best ./pan -l -f -m1000000)
	sstates=$(grep -o '[0-9]* states, stored' "$WORK/out" | grep -o '^[0-9]*')
	if grep -q 'errors: 0' "$WORK/out"; then
		sverdict=ok
	elif grep -q 'non-progress cycle' "$WORK/out"; then
		sverdict=violation
	else
		die "pan failed on $pml: $(head -2 "$WORK/out")"
	fi
	(cd "$dir" && ./pannr -l -f -m1000000 >"$WORK/out" 2>&1)
	snr=$(grep -o '[0-9]* states, stored' "$WORK/out" | grep -o '^[0-9]*')
	echo "| $name | $dstates | $dverdict | $dt | $sstates | $snr | $sverdict | $st | $bt |"
done
