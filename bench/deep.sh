#!/usr/bin/env bash
# deep.sh: time deck check against Spin on violations that lie deep, where
# breadth-first search cannot afford to go: bench/gen's racy counter (N
# workers of R unprotected increments; the final assert fails when an
# increment was lost) and racy1 (it fails when exactly one was lost, which
# only nearly sequential runs show).
#
#   bench/deep.sh [N...]        # default: 5 6 7 8, with R = N
#   MODELS=racy bench/deep.sh   # one model (default: racy racy1)
#
# For every model and N: bench/gen writes MODEL_nN_rN.deck and .pml to a
# temporary directory, then this runs
#
#   - deck check --progress off --workers 2 --json        (the default search, auto)
#   - deck check --progress off --workers 2 --search hunt --json
#   - spin -a && gcc -O2 -DSAFETY -DMEMLIM=$SPIN_MEMLIM (the build), ./pan -m$SPIN_DEPTH (the search)
#   - with BFS_MAX_STATES > 0 (default 0: skipped): deck check --search bfs
#     --max-states BFS_MAX_STATES, once, to show how far breadth-first
#     search gets
#
# and, with OVERHEAD > 0 (default 0: skipped), what the hunt costs correct
# programs: deck check --search bfs and --search auto, OVERHEAD times each,
# interleaved, on the bench/models files named by OVERHEAD_MODELS
# (default: counter_n6_r4 counter_n7_r4 phil_n5_r3 filter_n3_r3), best and
# median wall-clock.
#
# Times are wall-clock, the best of REPEAT (3) runs. Prints a markdown table
# and writes it, with a CSV, to bench/out/deep.md and deep.csv (OUT=DIR).
#
# Environment: DECK (a deck binary; default: built from this checkout),
# SPIN, CC, REPEAT, SPIN_DEPTH (1000000), SPIN_MEMLIM (16000), BFS_MAX_STATES.
#
# Exit status: 0 when deck (both searches) and Spin report the lost
# increment for every model and N and deck's counterexamples replay, 1
# otherwise, 2 on a setup error.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
SIZES=${*:-5 6 7 8}
REPEAT=${REPEAT:-3}
SPIN=${SPIN:-spin}
CC=${CC:-gcc}
SPIN_DEPTH=${SPIN_DEPTH:-1000000}
SPIN_MEMLIM=${SPIN_MEMLIM:-16000}
BFS_MAX_STATES=${BFS_MAX_STATES:-0}
MODELS=${MODELS:-racy racy1}
OVERHEAD=${OVERHEAD:-0}
OVERHEAD_MODELS=${OVERHEAD_MODELS:-counter_n6_r4 counter_n7_r4 phil_n5_r3 filter_n3_r3}
OUT=${OUT:-$ROOT/bench/out}

die() { echo "deep.sh: $*" >&2; exit 2; }
command -v "$SPIN" >/dev/null || die "spin not found (set SPIN)"
command -v "$CC" >/dev/null || die "$CC not found (set CC)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/deckdeep.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" || die "cannot create $OUT"

if [ -z "${DECK:-}" ]; then
	go build -o "$WORK/deck" ./cmd/deck || die "go build ./cmd/deck failed"
	DECK=$WORK/deck
fi

# timed OUTFILE CMD...: runs CMD, stdout to OUTFILE; sets MS and RC.
timed() {
	local out=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" >"$out" 2>"$out.err"
	RC=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
}

# best OUTFILE CMD...: the best of REPEAT runs; sets MS and RC (of the last).
best() {
	local out=$1 i bms
	shift
	bms=
	for ((i = 0; i < REPEAT; i++)); do
		timed "$out" "$@"
		if [ -z "$bms" ] || [ "$MS" -lt "$bms" ]; then bms=$MS; fi
	done
	MS=$bms
}

sec() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b < 1) b = 1; printf "%.2f", a / b }'; }
human() { printf "%s" "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

# deck_parse FILE: DV verdict, DS states, DK kind, DSH shortest, DSCHED schedule, DL its cards.
deck_parse() {
	DV=$(grep -m1 '^  "verdict":' "$1" | sed 's/.*: *"\([a-z]*\)".*/\1/')
	DS=$(grep -m1 '^  "states":' "$1" | sed 's/[^0-9]//g')
	DK=$(grep -m1 '"kind":' "$1" | sed 's/.*: *"\([a-z]*\)".*/\1/')
	DSH=$(grep -m1 '"shortest":' "$1" | sed 's/.*: *\([a-z]*\).*/\1/')
	DSCHED=$(grep -m1 '"schedule":' "$1" | sed 's/.*: *"\(.*\)".*/\1/')
	DL=$(printf '%s' "$DSCHED" | awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { k = split($i, p, "*"); n += (k == 2 ? p[2] : 1) } print n }')
	HS=$(sed -n '/"hunt": {/,/}/p' "$1" | grep -m1 '"states":' | sed 's/[^0-9]//g')
	[ -n "$DV" ] || DV=none
	[ -n "$HS" ] || HS=0
}

FAIL=0
ROWS=()
CSV=$OUT/deep.csv
echo "model,n,r,deck_auto_ms,deck_auto_states,deck_auto_hunt_states,deck_auto_cards,deck_auto_shortest,deck_hunt_ms,deck_hunt_cards,spin_build_ms,spin_search_ms,spin_depth,bfs_ms,bfs_verdict,bfs_states" >"$CSV"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for model in $MODELS; do for n in $SIZES; do
	r=$n
	name=${model}_n${n}_r${r}
	go run ./bench/gen -out "$WORK/models" "$model" "$n" "$r" >/dev/null || die "bench/gen $model $n $r failed"
	deckf=$WORK/models/$name.deck
	pmlf=$WORK/models/$name.pml
	echo "== $name" >&2

	best "$WORK/auto.json" "$DECK" check --progress off --workers 2 --json "$deckf"
	ams=$MS
	deck_parse "$WORK/auto.json"
	av=$DV as=$DS ak=$DK ash=$DSH al=$DL ahs=$HS asched=$DSCHED
	best "$WORK/hunt.json" "$DECK" check --progress off --workers 2 --search hunt --json "$deckf"
	hms=$MS
	deck_parse "$WORK/hunt.json"
	hv=$DV hl=$DL hsched=$DSCHED
	echo "   deck auto: $av ($ak, $al cards, shortest $ash) in $(sec "$ams") s; hunt: $hv in $(sec "$hms") s" >&2
	for s in "$asched" "$hsched"; do
		"$DECK" run --replay "$s" "$deckf" >"$WORK/replay.txt" 2>&1
		grep -q 'increment was lost' "$WORK/replay.txt" || { FAIL=1; echo "   the schedule does not replay to the lost increment: $s" >&2; }
	done
	[ "$av" = violation ] && [ "$ak" = assert ] && [ "$hv" = violation ] || { FAIL=1; echo "   deck did not find the violation" >&2; }

	sdir=$WORK/spin/$name
	mkdir -p "$sdir"
	cp "$pmlf" "$sdir/model.pml"
	(cd "$sdir" && best build.log bash -c "'$SPIN' -a model.pml && '$CC' -O2 -DSAFETY -DMEMLIM=$SPIN_MEMLIM -o pan pan.c" && echo "$MS" >ms)
	[ -x "$sdir/pan" ] || die "building pan for $name failed"
	read -r sbms <"$sdir/ms"
	(cd "$sdir" && best search.log ./pan -m"$SPIN_DEPTH" && echo "$MS" >ms)
	read -r ssms <"$sdir/ms"
	sd=$(grep -m1 'at depth' "$sdir/search.log" | sed 's/.*at depth \([0-9]*\).*/\1/')
	grep -q 'errors: [1-9]' "$sdir/search.log" || { FAIL=1; echo "   spin found no error" >&2; }
	stot=$((sbms + ssms))
	echo "   spin: build $(sec "$sbms") s, search $(sec "$ssms") s, trail depth $sd" >&2

	bms= bv= bs=
	bfscell="not run"
	if [ "$BFS_MAX_STATES" -gt 0 ]; then
		timed "$WORK/bfs.json" "$DECK" check --progress off --workers 2 --search bfs --max-states "$BFS_MAX_STATES" --json "$deckf"
		bms=$MS
		deck_parse "$WORK/bfs.json"
		bv=$DV bs=$DS
		bfscell="$bv after $(human "$bs") states, $(sec "$bms") s"
		echo "   bfs: $bfscell" >&2
	fi

	ROWS+=("| $model | $n | $r | $(sec "$ams") | $(human "$as") + $(human "$ahs") | $al | $ash | $(sec "$hms") | $hl | $(sec "$sbms") | $(sec "$ssms") | $(sec "$stot") | $sd | $(ratio "$ams" "$stot") | $bfscell |")
	echo "$model,$n,$r,$ams,$as,$ahs,$al,$ash,$hms,$hl,$sbms,$ssms,$sd,$bms,$bv,$bs" >>"$CSV"
done; done

# The hunt's cost on correct programs: --search bfs against auto.
OROWS=()
if [ "$OVERHEAD" -gt 0 ]; then
	for m in $OVERHEAD_MODELS; do
		f=bench/models/$m.deck
		[ -f "$f" ] || die "missing $f (run: go run ./bench/gen)"
		: >"$WORK/bfs.ms"
		: >"$WORK/auto.ms"
		for ((i = 0; i < OVERHEAD; i++)); do
			for s in bfs auto; do
				timed "$WORK/o.json" "$DECK" check --progress off --workers 2 --search "$s" --json "$f"
				echo "$MS" >>"$WORK/$s.ms"
				[ "$s" = bfs ] && deck_parse "$WORK/o.json" && os=$DS
			done
		done
		bb=$(sort -n "$WORK/bfs.ms" | head -n 1) ab=$(sort -n "$WORK/auto.ms" | head -n 1)
		bm=$(sort -n "$WORK/bfs.ms" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
		am=$(sort -n "$WORK/auto.ms" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
		echo "== $m: bfs best $(sec "$bb") median $(sec "$bm"); auto best $(sec "$ab") median $(sec "$am")" >&2
		OROWS+=("| $m | $(human "$os") | $(sec "$bb") | $(sec "$ab") | $(ratio "$ab" "$bb") | $(sec "$bm") | $(sec "$am") | $(ratio "$am" "$bm") |")
	done
fi
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "## Deep violations: the racy counters, deck check vs Spin"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- $(go version 2>/dev/null | sed 's/^go version //;s/^/go /'); $("$SPIN" -V | head -n 1); $("$CC" --version | head -n 1)"
	echo "- deck at $(git rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ] && echo ' (uncommitted changes)'); best of $REPEAT runs; load average before/after: $LOAD0 / $LOAD1"
	echo
	echo "| model | N | R | deck (s) | deck states: breadth-first + hunt | cards | shortest | deck --search hunt (s) | cards | Spin build (s) | Spin search (s) | Spin total (s) | Spin trail depth | deck / Spin total | deck --search bfs |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
	printf '%s\n' "${ROWS[@]}"
	echo
	if [ ${#OROWS[@]} -gt 0 ]; then
		echo "### What the hunt costs correct programs (2 workers, $OVERHEAD runs each, interleaved)"
		echo
		echo "| model | states | bfs best (s) | auto best (s) | auto / bfs | bfs median (s) | auto median (s) | auto / bfs |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		printf '%s\n' "${OROWS[@]}"
		echo
	fi
	if [ "$FAIL" = 0 ]; then
		echo "Every run found the lost increment, and deck's counterexamples replay with deck run --replay."
	else
		echo "SOME RUN DID NOT FIND THE VIOLATION, see the log above."
	fi
} | tee "$OUT/deep.md"
exit "$FAIL"
