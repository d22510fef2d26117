#!/usr/bin/env bash
# compare.sh: time deck's checker against Spin on the same models.
#
#   bench/compare.sh [PATTERN]
#
# Runs every line of bench/sizes.txt (or only the model names that match the
# grep pattern PATTERN) on the files in bench/models: deck check with 1 and 2
# workers, and Spin (spin -a, gcc, ./pan) with its default partial-order
# reduction; lines marked nr also run deck --por=off and Spin -DNOREDUCE.
# Prints markdown tables and writes them, with a CSV of every measurement,
# to bench/out/ (override with OUT=DIR).
#
# Environment: DECK (a deck binary; default: built from this checkout),
# SPIN (spin), CC (gcc), REPEAT (3: best of N runs), REPEAT_MAX_MS (10000: a
# run longer than this is not repeated), SPIN_DEPTH (1000000: pan -m),
# SPIN_MEMLIM (16000: MB, -DMEMLIM).
#
# Exit status: 0 when every tool gave the expected verdict on every model,
# 1 when some verdict was wrong or the tools disagree, 2 on a setup error.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
PATTERN=${1:-.}
REPEAT=${REPEAT:-3}
REPEAT_MAX_MS=${REPEAT_MAX_MS:-10000}
SPIN=${SPIN:-spin}
CC=${CC:-gcc}
SPIN_DEPTH=${SPIN_DEPTH:-1000000}
SPIN_MEMLIM=${SPIN_MEMLIM:-16000}
OUT=${OUT:-$ROOT/bench/out}
TIME=/usr/bin/time

die() { echo "compare.sh: $*" >&2; exit 2; }
command -v "$SPIN" >/dev/null || die "spin not found (set SPIN)"
command -v "$CC" >/dev/null || die "$CC not found (set CC)"
[ -x "$TIME" ] || die "$TIME (GNU time) not found"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/deckbench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" || die "cannot create $OUT"

if [ -z "${DECK:-}" ]; then
	go build -o "$WORK/deck" ./cmd/deck || die "go build ./cmd/deck failed"
	DECK=$WORK/deck
fi

# The committed models must be what bench/gen writes for sizes.txt.
if go run ./bench/gen -out "$WORK/gen" >/dev/null 2>&1; then
	if ! diff -rq "$WORK/gen" bench/models >/dev/null 2>&1; then
		echo "warning: bench/models differs from what bench/gen writes; run: go run ./bench/gen" >&2
	fi
else
	echo "warning: go run ./bench/gen failed; using bench/models as it is" >&2
fi

# run_timed OUTFILE CMD...: runs CMD once, stdout to OUTFILE, stderr to
# OUTFILE.err; sets MS (wall-clock milliseconds), RSS (max resident KB), RC.
run_timed() {
	local out=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$TIME" -f %M -o "$WORK/rss" "$@" >"$out" 2>"$out.err"
	RC=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	RSS=$(tail -n 1 "$WORK/rss")
}

# best OUTFILE CMD...: best of REPEAT runs (a run over REPEAT_MAX_MS is not
# repeated). Keeps the output of the last run; sets MS, RSS, RC.
best() {
	local out=$1 i bms brss
	shift
	bms=
	for ((i = 0; i < REPEAT; i++)); do
		run_timed "$out" "$@"
		if [ -z "$bms" ] || [ "$MS" -lt "$bms" ]; then bms=$MS; brss=$RSS; fi
		[ "$MS" -gt "$REPEAT_MAX_MS" ] && break
	done
	MS=$bms
	RSS=$brss
}

sec() { awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }'; }
rate() { awk -v n="$1" -v ms="$2" -v w="${3:-1}" 'BEGIN { if (ms < 1) ms = 1; r = n / (ms / 1000) / w; if (r >= 1e6) printf "%.2fM", r / 1e6; else printf "%.0fk", r / 1e3 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b < 1) b = 1; printf "%.2f", a / b }'; }
# rate_num N MS: N per second, as a plain number; tper T S: T/S to 2 places
rate_num() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms < 1) ms = 1; printf "%.0f", n / (ms / 1000) }'; }
tper() { awk -v t="$1" -v s="$2" 'BEGIN { if (s < 1) s = 1; printf "%.2f", t / s }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# human N: 1234567 -> 1,234,567
human() { printf "%s" "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

# deck_parse FILE: sets DV (verdict), DS (states), DT (transitions), DK
# (first violation kind), DL (cards in the first counterexample).
deck_parse() {
	DV=$(grep -m1 '^  "verdict":' "$1" | sed 's/.*: *"\([a-z]*\)".*/\1/')
	DS=$(grep -m1 '^  "states":' "$1" | sed 's/[^0-9]//g')
	DT=$(grep -m1 '^  "transitions":' "$1" | sed 's/[^0-9]//g')
	DK=$(grep -m1 '"kind":' "$1" | sed 's/.*: *"\([a-z]*\)".*/\1/')
	DL=$(grep -m1 '"schedule":' "$1" | sed 's/.*: *"\(.*\)".*/\1/' |
		awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { k = split($i, p, "*"); n += (k == 2 ? p[2] : 1) } print n }')
	[ -n "$DV" ] || DV=none
	[ -n "$DS" ] || DS=0
	[ -n "$DT" ] || DT=0
}

# spin_parse FILE: sets SV (ok|violation|truncated|none), SS (states stored),
# ST (transitions), SD (depth of the error trail), SMEM (pan's total memory,
# MB).
spin_parse() {
	local errs
	SS=$(grep -m1 'states, stored' "$1" | awk '{ printf "%d", $1 }')
	ST=$(grep -m1 'transitions (= stored+matched)' "$1" | awk '{ printf "%d", $1 }')
	errs=$(grep -m1 'errors:' "$1" | sed 's/.*errors: *\([0-9]*\).*/\1/')
	SD=$(grep -m1 'at depth' "$1" | sed 's/.*at depth \([0-9]*\).*/\1/')
	SMEM=$(grep -m1 'total actual memory usage' "$1" | awk '{ printf "%.0f", $1 }')
	if grep -q 'max search depth too small' "$1"; then
		SV=truncated
	elif [ -z "$errs" ]; then
		SV=none
	elif [ "$errs" = 0 ]; then
		SV=ok
	else
		SV=violation
	fi
	[ -n "$SS" ] || SS=0
	[ -n "$ST" ] || ST=0
}

# spin_build DIR PML BIN CFLAGS...: spin -a and gcc, timed together (best of
# REPEAT); sets MS.
spin_build() {
	local dir=$1 pml=$2 bin=$3
	shift 3
	mkdir -p "$dir"
	cp "$pml" "$dir/model.pml"
	(cd "$dir" && best build.log bash -c "'$SPIN' -a model.pml && '$CC' -O2 -DSAFETY -DMEMLIM=$SPIN_MEMLIM $* -o $bin pan.c" && echo "$MS" >ms)
	[ -x "$dir/$bin" ] || die "building $bin for $pml failed: $(cat "$dir/build.log" "$dir/build.log.err")"
	read -r MS <"$dir/ms"
}

CSV=$OUT/results.csv
MD=$OUT/results.md
echo "model,size,expected,deck_verdict,deck_states,deck_ms_w1,deck_ms_w2,deck_rss_kb_w1,deck_rss_kb_w2,spin_verdict,spin_states,spin_build_ms,spin_search_ms,spin_rss_kb,spin_trail_depth,deck_cex_cards,deck_nopor_states,deck_nopor_ms,spin_nr_states,spin_nr_build_ms,spin_nr_search_ms,agree,deck_transitions,spin_transitions,deck_nopor_transitions,spin_nr_transitions" >"$CSV"

MAIN=()
TRANS=()
NR=()
BUG=()
FAIL=0
START=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD0%% *}" 'BEGIN { exit !(l > 0.5) }'; then
	echo "warning: load average $LOAD0: other processes will slow the runs (2 workers most)" >&2
fi

while read -r model rest; do
	case "$model" in '' | '#'*) continue ;; esac
	rest=${rest%%#*}
	nums=()
	flags=" "
	for w in $rest; do
		case "$w" in [0-9]*) nums+=("$w") ;; *) flags+="$w " ;; esac
	done
	case "$model" in
	buffer) name="buffer_n${nums[0]}_s${nums[1]}_i${nums[2]}"; size="N=${nums[0]} S=${nums[1]} I=${nums[2]}" ;;
	*) name="${model}_n${nums[0]}_r${nums[1]}"; size="N=${nums[0]} R=${nums[1]}" ;;
	esac
	echo "$name" | grep -qE -- "$PATTERN" || continue
	deckf=bench/models/$name.deck
	pmlf=bench/models/$name.pml
	[ -f "$deckf" ] && [ -f "$pmlf" ] || die "missing $deckf or $pmlf (run: go run ./bench/gen)"
	expect=ok
	case "$flags" in *" bug "*) expect=violation ;; esac
	echo "== $name ($size), expecting $expect" >&2

	# deck, 1 and 2 workers
	best "$WORK/d1.json" "$DECK" check --progress off --search bfs --workers 1 --json "$deckf"
	d1ms=$MS d1rss=$RSS d1rc=$RC
	deck_parse "$WORK/d1.json"
	dv1=$DV ds1=$DS dt1=$DT dk=$DK dl=$DL
	best "$WORK/d2.json" "$DECK" check --progress off --search bfs --workers 2 --json "$deckf"
	d2ms=$MS d2rss=$RSS d2rc=$RC
	deck_parse "$WORK/d2.json"
	dv2=$DV ds2=$DS
	echo "   deck: $dv1 $ds1 states, $(sec "$d1ms") s (1 worker), $(sec "$d2ms") s (2 workers)" >&2

	# Spin with partial-order reduction
	sdir=$WORK/spin/$name
	spin_build "$sdir" "$pmlf" pan
	sbms=$MS
	(cd "$sdir" && best search.log ./pan -m"$SPIN_DEPTH"; echo "$MS $RSS" >ms)
	read -r ssms ssrss <"$sdir/ms"
	spin_parse "$sdir/search.log"
	sv=$SV ss=$SS st=$ST sd=$SD
	echo "   spin: $sv $ss states, build $(sec "$sbms") s, search $(sec "$ssms") s" >&2

	# verdicts: both deck runs and Spin must give the expected verdict
	agree=yes
	want_rc=0
	[ "$expect" = violation ] && want_rc=1
	[ "$dv1" = "$expect" ] && [ "$dv2" = "$expect" ] && [ "$sv" = "$expect" ] || agree=NO
	[ "$d1rc" = "$want_rc" ] && [ "$d2rc" = "$want_rc" ] || agree=NO
	# a complete search visits the same states with any number of workers
	[ "$expect" = violation ] || [ "$ds1" = "$ds2" ] || agree=NO
	if [ "$agree" = NO ]; then
		FAIL=1
		echo "   VERDICTS DIFFER: deck $dv1/$dv2 (exit $d1rc/$d2rc, states $ds1/$ds2), spin $sv, expected $expect" >&2
		grep -h -m3 -E 'error|violat|too small' "$sdir/search.log" "$WORK/d1.json.err" >&2 || true
	fi

	dnps= dnpms= snrs= snrb= snrms= dnpt= snrt=
	if [ "$expect" = ok ] && [ "$agree" = yes ]; then
		spintot=$((sbms + ssms))
		MAIN+=("| $model | $size | $(human "$ds1") | $(sec "$d1ms") | $(sec "$d2ms") | $(rate "$ds1" "$d1ms") | $(rate "$ds1" "$d2ms" 2) | $(mb "$d1rss") | $(human "$ss") | $(sec "$sbms") | $(sec "$ssms") | $(sec "$spintot") | $(rate "$ss" "$ssms") | $(mb "$ssrss") | $(ratio "$d1ms" "$spintot") | $(ratio "$d2ms" "$spintot") |")
		TRANS+=("| $model | $size | $(human "$ds1") | $(human "$dt1") | $(tper "$dt1" "$ds1") | $(rate "$dt1" "$d1ms") | $(human "$ss") | $(human "$st") | $(tper "$st" "$ss") | $(rate "$st" "$ssms") | $(ratio "$(rate_num "$dt1" "$d1ms")" "$(rate_num "$st" "$ssms")") |")
	elif [ "$expect" = violation ]; then
		spintot=$((sbms + ssms))
		BUG+=("| $model | $size | $dk, $dl cards | $(human "$ds1") | $(sec "$d1ms") | $(sec "$d2ms") | assert, depth $sd | $(human "$ss") | $(sec "$sbms") | $(sec "$ssms") | $(sec "$spintot") | $(ratio "$d1ms" "$spintot") | $agree |")
	fi

	# without reduction
	if [ "$agree" = yes ]; then case "$flags" in *" nr "*)
		best "$WORK/dn.json" "$DECK" check --progress off --search bfs --workers 1 --por=off --json "$deckf"
		dnpms=$MS
		deck_parse "$WORK/dn.json"
		dnps=$DS dnpt=$DT
		[ "$DV" = "$expect" ] || { FAIL=1; agree=NO; echo "   deck --por=off says $DV" >&2; }
		spin_build "$sdir" "$pmlf" pannr -DNOREDUCE
		snrb=$MS
		(cd "$sdir" && best searchnr.log ./pannr -m"$SPIN_DEPTH"; echo "$MS $RSS" >ms)
		read -r snrms _ <"$sdir/ms"
		spin_parse "$sdir/searchnr.log"
		snrs=$SS snrt=$ST
		[ "$SV" = "$expect" ] || { FAIL=1; agree=NO; echo "   spin -DNOREDUCE says $SV" >&2; }
		echo "   no reduction: deck $dnps states $(sec "$dnpms") s; spin $snrs states, search $(sec "$snrms") s" >&2
		NR+=("| $model | $size | $(human "$dnps") | $(sec "$dnpms") | $(rate "$dnps" "$dnpms") | $(rate "$dnpt" "$dnpms") | $(human "$snrs") | $(sec "$snrb") | $(sec "$snrms") | $(sec $((snrb + snrms))) | $(rate "$snrs" "$snrms") | $(rate "$snrt" "$snrms") | $(ratio "$dnpms" $((snrb + snrms))) |")
		;;
	esac; fi

	echo "$model,$size,$expect,$dv1,$ds1,$d1ms,$d2ms,$d1rss,$d2rss,$sv,$ss,$sbms,$ssms,$ssrss,$sd,$dl,$dnps,$dnpms,$snrs,$snrb,$snrms,$agree,$dt1,$st,$dnpt,$snrt" >>"$CSV"
done <bench/sizes.txt

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
{
	echo "## deck check vs Spin"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- $(go version 2>/dev/null | sed 's/^go version //;s/^/go /'); $("$SPIN" -V | head -n 1); $("$CC" --version | head -n 1)"
	echo "- deck $("$DECK" version 2>/dev/null | sed 's/^deck //') at $(git rev-parse --short HEAD 2>/dev/null)$( [ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ] && echo ' (uncommitted changes)')"
	echo "- best of $REPEAT runs (runs over $((REPEAT_MAX_MS / 1000)) s: 1); Spin: pan -m$SPIN_DEPTH, -DSAFETY -DMEMLIM=$SPIN_MEMLIM, default -w; load average before/after: $LOAD0 / $LOAD1"
	echo
	if [ ${#MAIN[@]} -gt 0 ]; then
		echo "### Time to verdict, correct models (deck: default reduction; Spin: default partial-order reduction)"
		echo
		echo "| model | size | deck states | deck 1w (s) | deck 2w (s) | deck states/s 1w | deck states/s/worker 2w | deck RSS MB 1w | Spin states | Spin build (s) | Spin search (s) | Spin total (s) | Spin states/s | Spin RSS MB | deck 1w / Spin total | deck 2w / Spin total |"
		echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		printf '%s\n' "${MAIN[@]}"
		echo
	fi
	if [ ${#TRANS[@]} -gt 0 ]; then
		echo "### Transitions, correct models (deck 1 worker; Spin's search)"
		echo
		echo "A transition is one move of the search: a deck transition folds one or more cards, a Spin transition is one statement. deck's reduction stores fewer states, each left by more transitions, so its states per second undercount the work done; transitions per second compare the two engines' speed more closely."
		echo
		echo "| model | size | deck states | deck transitions | deck transitions/state | deck transitions/s | Spin states | Spin transitions | Spin transitions/state | Spin transitions/s | deck / Spin transitions/s |"
		echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		printf '%s\n' "${TRANS[@]}"
		echo
	fi
	if [ ${#NR[@]} -gt 0 ]; then
		echo "### Without reduction (deck --por=off, 1 worker; Spin -DNOREDUCE)"
		echo
		echo "| model | size | deck states | deck (s) | deck states/s | deck transitions/s | Spin states | Spin build (s) | Spin search (s) | Spin total (s) | Spin states/s | Spin transitions/s | deck / Spin total |"
		echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		printf '%s\n' "${NR[@]}"
		echo
	fi
	if [ ${#BUG[@]} -gt 0 ]; then
		echo "### Time to the first counterexample, buggy model (deck: breadth-first, its counterexample shortened; Spin: depth-first, first found)"
		echo
		echo "| model | size | deck finds | deck states | deck 1w (s) | deck 2w (s) | Spin finds | Spin states | Spin build (s) | Spin search (s) | Spin total (s) | deck 1w / Spin total | both found it |"
		echo "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"
		printf '%s\n' "${BUG[@]}"
		echo
	fi
	if [ "$FAIL" = 0 ]; then
		echo "Verdicts: deck (1 and 2 workers, and --por=off) and Spin (with and without reduction) agree on every model: no violation in the correct models, a violation in the buggy ones."
	else
		echo "Verdicts: SOME VERDICTS DIFFER, see the log above and $CSV."
	fi
	echo
	echo "Whole comparison: $(($(date +%s) - START)) s."
} | tee "$MD"
exit "$FAIL"
