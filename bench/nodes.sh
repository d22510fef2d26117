#!/usr/bin/env bash
# nodes.sh: deck check and Spin on the models with stacks on network nodes.
#
#   bench/nodes.sh [PATTERN]
#
# For every line of bench/nodes.txt (or only the model names that match the
# grep pattern PATTERN), on the files in bench/models:
#
#   - deck check, --net ordered and unordered, --por on and off, --workers 1
#     and 2 (tpcsr: one node, so no network; reduction on only);
#   - the same deck file with every procedure placed on home ("local": no
#     network, the same program on one machine), reduction on;
#   - Spin on the ordered and unordered twins (NAME.pml, NAME_unordered.pml),
#     with its default partial-order reduction and with -DNOREDUCE;
#
# and, for scale, deck on two models without nodes of similar size
# (counter_n6_r3, phil_n5_r3). Prints one markdown table: states,
# transitions, time, states/s (per worker). Times are wall-clock, the best
# of REPEAT runs (default 3); Spin's time is the search (./pan) alone, its
# build (spin -a, gcc) is a separate column. The exit status is 1 when a
# verdict is not ok or deck's counts differ between 1 and 2 workers.
#
# Environment: DECK (default: built from this checkout), SPIN, CC, REPEAT,
# SPIN_DEPTH (pan -m, default 1000000), OUT (default bench/out).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
PATTERN=${1:-.}
REPEAT=${REPEAT:-3}
SPIN=${SPIN:-spin}
CC=${CC:-gcc}
SPIN_DEPTH=${SPIN_DEPTH:-1000000}
OUT=${OUT:-$ROOT/bench/out}

die() { echo "nodes.sh: $*" >&2; exit 2; }
command -v "$SPIN" >/dev/null || die "spin not found (set SPIN)"
command -v "$CC" >/dev/null || die "$CC not found (set CC)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/decknodes.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" || die "cannot create $OUT"
if [ -z "${DECK:-}" ]; then
	go build -o "$WORK/deck" ./cmd/deck || die "go build ./cmd/deck failed"
	DECK=$WORK/deck
fi

# best OUTFILE CMD...: best wall-clock of REPEAT runs in MS; RC of the last.
best() {
	local out=$1 i t0 t1 ms
	shift
	MS=
	for ((i = 0; i < REPEAT; i++)); do
		t0=$(date +%s%N)
		"$@" >"$out" 2>"$out.err"
		RC=$?
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		if [ -z "$MS" ] || [ "$ms" -lt "$MS" ]; then MS=$ms; fi
		[ "$ms" -gt 10000 ] && break
	done
}
sec() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }
rate() { awk -v n="$1" -v ms="$2" -v w="${3:-1}" 'BEGIN { if (ms < 1) ms = 1; r = n / (ms / 1000) / w; if (r >= 1e6) printf "%.2fM", r / 1e6; else printf "%.0fk", r / 1e3 }'; }
human() { printf "%s" "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

ROWS=()
FAIL=0
CSV=$OUT/nodes.csv
echo "model,engine,net,reduction,workers,verdict,states,transitions,ms" >"$CSV"

row() { # model engine net reduction workers verdict states transitions ms [build_ms]
	local per
	per=$(rate "$7" "$9" "$5")
	ROWS+=("| $1 | $2 | $3 | $4 | $5 | $(human "$7") | $(human "$8") | $(sec "$9") | $per | ${10:-} |")
	echo "$1,$2,$3,$4,$5,$6,$7,$8,$9" >>"$CSV"
	echo "   $2 $3 reduction=$4 w=$5: $6, $7 states, $8 transitions, $(sec "$9") s" >&2
	[ "$6" = ok ] || { FAIL=1; echo "   UNEXPECTED VERDICT $6" >&2; }
}

# deck_run MODEL FILE NETLABEL REDUCTION WORKERS ARGS...
deck_run() {
	local model=$1 f=$2 net=$3 por=$4 w=$5 v s t
	shift 5
	best "$WORK/d.json" "$DECK" check --progress off --json --workers "$w" --por "$por" "$@" "$f"
	v=$(grep -m1 '^  "verdict":' "$WORK/d.json" | sed 's/.*: *"\([a-z]*\)".*/\1/')
	s=$(grep -m1 '^  "states":' "$WORK/d.json" | sed 's/[^0-9]//g')
	t=$(grep -m1 '^  "transitions":' "$WORK/d.json" | sed 's/[^0-9]//g')
	row "$model" deck "$net" "$por" "$w" "${v:-none}" "${s:-0}" "${t:-0}" "$MS"
	DS=${s:-0}
}

# spin_run MODEL PML NETLABEL REDUCTION(on|off)
spin_run() {
	local model=$1 pml=$2 net=$3 red=$4 dir flags="" b0 b1 v s t errs
	dir=$WORK/spin/$(basename "$pml" .pml)-$red
	mkdir -p "$dir" && cp "$pml" "$dir/model.pml"
	[ "$red" = off ] && flags=-DNOREDUCE
	b0=$(date +%s%N)
	(cd "$dir" && "$SPIN" -a model.pml >build.log 2>&1 && "$CC" -O2 -DSAFETY -DMEMLIM=16000 $flags -o pan pan.c >>build.log 2>&1) ||
		die "building $pml: $(cat "$dir/build.log")"
	b1=$(date +%s%N)
	(cd "$dir" && best search.log ./pan -m"$SPIN_DEPTH"; echo "$MS" >ms)
	read -r MS <"$dir/ms"
	s=$(grep -m1 'states, stored' "$dir/search.log" | awk '{ printf "%d", $1 }')
	t=$(grep -m1 'transitions (= stored+matched)' "$dir/search.log" | awk '{ printf "%d", $1 }')
	errs=$(grep -m1 'errors:' "$dir/search.log" | sed 's/.*errors: *\([0-9]*\).*/\1/')
	v=ok
	[ "$errs" = 0 ] || v=violation
	grep -q 'max search depth too small' "$dir/search.log" && v=truncated
	row "$model" spin "$net" "$red" 1 "$v" "${s:-0}" "${t:-0}" "$MS" "$(sec $(((b1 - b0) / 1000000)))"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
while read -r model arg _; do
	case "$model" in '' | '#'*) continue ;; esac
	case "$model" in
	tpc) name=tpc_n$arg ;;
	pingpong) name=pingpong_k$arg ;;
	tpcsr) name=tpcsr_n$arg ;;
	*) die "unknown model $model in nodes.txt" ;;
	esac
	echo "$name" | grep -qE -- "$PATTERN" || continue
	f=bench/models/$name.deck
	[ -f "$f" ] || die "missing $f (run: go run ./bench/gen)"
	echo "== $name" >&2
	if [ "$model" = tpcsr ]; then
		for w in 1 2; do deck_run "$name" "$f" "one node" on "$w"; done
		continue
	fi
	for net in ordered unordered; do
		for por in on off; do
			deck_run "$name" "$f" "$net" "$por" 1 --net "$net"
			d1=$DS
			deck_run "$name" "$f" "$net" "$por" 2 --net "$net"
			[ "$d1" = "$DS" ] || { FAIL=1; echo "   STATES DIFFER: $d1 with 1 worker, $DS with 2" >&2; }
		done
	done
	# the same program with every procedure on home: no network
	local_place=$(grep -o '^place [a-z0-9_]* on' "$f" | awk '{ printf "%s%s=home", sep, $2; sep = "," }')
	for w in 1 2; do deck_run "$name" "$f" "local" on "$w" --place "$local_place"; done
	for red in on off; do
		spin_run "$name" "bench/models/$name.pml" ordered "$red"
		spin_run "$name" "bench/models/${name}_unordered.pml" unordered "$red"
	done
done <bench/nodes.txt

# programs without nodes, for the per-worker rate
for name in counter_n6_r3 phil_n5_r3; do
	echo "$name" | grep -qE -- "$PATTERN" || [ "$PATTERN" = . ] || continue
	echo "== $name (no nodes)" >&2
	for w in 1 2; do deck_run "$name" "bench/models/$name.deck" "no nodes" on "$w"; done
done

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "## Stacks on nodes: deck check and Spin"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
	echo "- deck at $(git rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ] && echo ' (uncommitted changes)'); $("$SPIN" -V | head -n 1)"
	echo "- best of $REPEAT runs, wall-clock; load average before/after: $LOAD0 / $LOAD1"
	echo "- deck: the whole process (start-up included); Spin: ./pan's search alone (its build, spin -a and gcc, in the last column)"
	echo
	echo "| model | tool | network | reduction | workers | states | transitions | time (s) | states/s per worker | Spin build (s) |"
	echo "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	printf '%s\n' "${ROWS[@]}"
	echo
	[ "$FAIL" = 0 ] && echo "Verdicts: ok everywhere; deck's counts are the same with 1 and 2 workers." ||
		echo "Verdicts: SOMETHING DIFFERS, see the log above and $CSV."
	echo
	echo "Whole run: $(($(date +%s) - START)) s."
} | tee "$OUT/nodes.md"
exit "$FAIL"
