#!/usr/bin/env bash
# compare.sh: state counts and times of deck check and Spin on the BEEM twins.
#
#   bench/beem/compare.sh [PATTERN]
#
# For every line of bench/beem/sizes.txt (or the names matching the grep
# PATTERN), on the files bench/beem/gen writes (regenerated into a temporary
# directory, so any size works): deck check --progress off (reduced, 2
# workers and 1 worker) and --por off (1 worker); Spin with its partial-order
# reduction (-DSAFETY) and without (-DSAFETY -DNOREDUCE). Prints a markdown
# table of states and times, and one of speed (states a second per worker),
# and writes them, with a CSV, to bench/out/beem.{md,csv}.
#
# Environment: DECK (a deck binary; default: built from this checkout), SPIN,
# CC, REPEAT (1: best of N runs), SPIN_DEPTH (1000000), NOPOR_MAX (30000000:
# --max-states for deck --por off; "-" skips the unreduced deck run),
# NOREDUCE ("-" skips Spin -DNOREDUCE), SIZES (bench/beem/sizes.txt; the
# large sizes, 1 M to 96 M states, are in bench/beem/sizes-large.txt).
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
PATTERN=${1:-.}
REPEAT=${REPEAT:-1}
SPIN=${SPIN:-spin}
CC=${CC:-gcc}
SPIN_DEPTH=${SPIN_DEPTH:-1000000}
NOPOR_MAX=${NOPOR_MAX:-30000000}
NOREDUCE=${NOREDUCE:-}
SIZES=${SIZES:-bench/beem/sizes.txt}
OUT=${OUT:-$ROOT/bench/out}

die() { echo "compare.sh: $*" >&2; exit 2; }
command -v "$SPIN" >/dev/null || die "spin not found (apt-get install spin, or set SPIN)"
command -v "$CC" >/dev/null || die "$CC not found"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/deckbeem.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
if [ -z "${DECK:-}" ]; then
	go build -o "$WORK/deck" ./cmd/deck || die "go build ./cmd/deck failed"
	DECK=$WORK/deck
fi
go build -o "$WORK/gen" ./bench/beem/gen || die "go build ./bench/beem/gen failed"

# timed CMD...: best wall-clock of REPEAT runs into MS; output of the last
# run in $WORK/out; exit status in RC.
timed() {
	local i t0 t1 ms
	MS=
	for ((i = 0; i < REPEAT; i++)); do
		t0=$(date +%s%N)
		"$@" >"$WORK/out" 2>"$WORK/err"
		RC=$?
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		if [ -z "$MS" ] || [ "$ms" -lt "$MS" ]; then MS=$ms; fi
	done
}
sec() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }
# osec MS: sec, or "-" for a run skipped (MS empty).
osec() { if [ -z "$1" ]; then printf -- -; else sec "$1"; fi; }
human() { printf "%s" "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b < 1) print "-"; else printf "%.2f", a / b }'; }
# rate STATES MS WORKERS: states a second per worker, as 1.23M or 456k.
rate() { awk -v s="$1" -v ms="$2" -v w="$3" 'BEGIN { if (ms < 1 || s == "") { print "-"; exit } r = s / (ms / 1000) / w; if (r >= 1e6) printf "%.2fM", r / 1e6; else printf "%.0fk", r / 1e3 }'; }
deck_states() { grep -m1 '^  "states":' "$WORK/out" | sed 's/[^0-9]//g'; }
deck_verdict() { grep -m1 '^  "verdict":' "$WORK/out" | sed 's/.*: *"\([a-z]*\)".*/\1/'; }
spin_states() { grep -m1 'states, stored' "$WORK/out" | awk '{ printf "%d", $1 }'; }
spin_errors() { grep -m1 'errors:' "$WORK/out" | sed 's/.*errors: *\([0-9]*\).*/\1/'; }

CSV=$OUT/beem.csv
MD=$OUT/beem.md
echo "model,size,deck_verdict,deck_states,deck_ms_w2,deck_ms_w1,deck_nopor_states,deck_nopor_ms,spin_errors,spin_states,spin_build_ms,spin_search_ms,spin_nr_states,spin_nr_search_ms,beem_states" >"$CSV"
ROWS=()
SPEED=()
FAIL=0
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)

while read -r model rest; do
	case "$model" in '' | '#'*) continue ;; esac
	rest=${rest%%#*}
	nums=() deadlock=no beem=
	for w in $rest; do
		case "$w" in
		[0-9]*) nums+=("$w") ;;
		deadlock) deadlock=yes ;;
		beem=*) beem=${w#beem=} ;;
		esac
	done
	base=$("$WORK/gen" -out "$WORK/models" "$model" "${nums[@]}") || die "gen $model ${nums[*]} failed"
	name=$(basename "$base")
	echo "$name" | grep -qE -- "$PATTERN" || continue
	case "$model" in
	bakery) size="N=${nums[0]} MAX=${nums[1]}" ;;
	msmie) size="S=${nums[0]} M=${nums[1]} B=${nums[2]}" ;;
	*) size="N=${nums[0]}" ;;
	esac
	echo "== $name" >&2
	dflags=(--progress off --json)
	pflags=(-m"$SPIN_DEPTH")
	want=ok
	if [ "$deadlock" = yes ]; then dflags+=(--all); pflags+=(-E); want=violation; fi

	timed "$DECK" check "${dflags[@]}" --workers 2 "$base.deck"
	dv=$(deck_verdict) ds=$(deck_states) dms=$MS
	if [ "$dv" != "$want" ]; then FAIL=1; echo "   deck says $dv, expected $want" >&2; fi
	timed "$DECK" check "${dflags[@]}" --workers 1 "$base.deck"
	d1ms=$MS
	dns=- dnms=
	if [ "$NOPOR_MAX" != - ]; then
		timed "$DECK" check "${dflags[@]}" --workers 1 --por off --max-states "$NOPOR_MAX" "$base.deck"
		dns=$(deck_states) dnms=$MS
		# stopped by --max-states: a lower bound (a deadlock found first still reads "violation")
		[ "${dns#>}" -ge "$NOPOR_MAX" ] 2>/dev/null && dns=">${dns#>}"
	fi
	echo "   deck: $dv, $ds states ($(sec "$dms") s on 2 workers, $(sec "$d1ms") s on 1); --por off: $dns ($(sec "${dnms:-0}") s)" >&2

	sdir=$WORK/spin/$name
	mkdir -p "$sdir"
	cp "$base.pml" "$sdir/model.pml"
	t0=$(date +%s%N)
	(cd "$sdir" && "$SPIN" -a model.pml >/dev/null && "$CC" -O2 -DSAFETY -DMEMLIM=16000 -o pan pan.c) || die "building pan for $name failed"
	sbms=$((($(date +%s%N) - t0) / 1000000))
	timed "$sdir/pan" "${pflags[@]}"
	se=$(spin_errors) ss=$(spin_states) ssms=$MS
	if grep -q 'max search depth too small' "$WORK/out"; then FAIL=1; echo "   spin: depth limit reached" >&2; fi
	snr=- snrms=
	if [ "$NOREDUCE" != - ]; then
		(cd "$sdir" && "$CC" -O2 -DSAFETY -DNOREDUCE -DMEMLIM=16000 -o pannr pan.c) || die "building pannr for $name failed"
		timed "$sdir/pannr" "${pflags[@]}"
		snr=$(spin_states) snrms=$MS
	fi
	if [ "$want" = ok ] && [ "$se" != 0 ]; then FAIL=1; echo "   spin reports $se errors" >&2; fi
	echo "   spin: $ss states (build $(sec "$sbms") s, search $(sec "$ssms") s); NOREDUCE: $snr ($(sec "${snrms:-0}") s)" >&2

	ROWS+=("| $model | $size | $(human "$ds") | $(if [ "$dns" = - ]; then printf -- -; else human "${dns#>}" | sed "s/^/${dns%%[0-9]*}/"; fi) | $(human "$ss") | $(human "$snr") | ${beem:--} | $(ratio "$ds" "$snr") | $(sec "$dms") | $(osec "$dnms") | $(sec $((sbms + ssms))) ($(sec "$ssms")) | $(osec "$snrms") |")
	SPEED+=("| $model | $size | $(human "$ds") | $(sec "$d1ms") | $(sec "$dms") | $(ratio "$d1ms" "$dms") | $(rate "$ds" "$d1ms" 1) | $(rate "$ds" "$dms" 2) | $(human "$ss") | $(sec "$ssms") | $(rate "$ss" "$ssms" 1) | $(ratio "$((sbms + ssms))" "$dms") |")
	echo "$model,$size,$dv,$ds,$dms,$d1ms,$dns,$dnms,$se,$ss,$sbms,$ssms,$snr,$snrms,$beem" >>"$CSV"
done <"$SIZES"

{
	echo "## BEEM models: deck check vs Spin"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1); load average before/after: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- deck at $(git rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ] && echo ' (uncommitted changes)'); $("$SPIN" -V | head -n 1); best of $REPEAT"
	echo "- deck: \`check --progress off\`, 2 workers (reduced), 1 worker (\`--por off\`); models that deadlock add \`--all\`, and pan \`-E\`, so both explore every state"
	echo
	echo "| model | size | deck states | deck --por off | Spin states | Spin -DNOREDUCE | BEEM | deck / Spin NOREDUCE | deck 2w (s) | deck --por off 1w (s) | Spin total (search) (s) | Spin NOREDUCE search (s) |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "Speed: each tool's states a second per worker. deck's times are the whole process (compiling the model included), reduced, on 1 and 2 workers; Spin's are its search alone (without its build), with its reduction. The last column is Spin's build and search against deck on 2 workers."
	echo
	echo "| model | size | deck states | deck 1w (s) | deck 2w (s) | 2w speed-up | deck states/s 1w | deck states/s/worker 2w | Spin states | Spin search (s) | Spin states/s | Spin total / deck 2w |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	printf '%s\n' "${SPEED[@]}"
	echo
	echo "Whole run: $(($(date +%s) - START)) s."
} | tee "$MD"
exit "$FAIL"
