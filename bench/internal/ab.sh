# ab.sh: sourced by bench/cpu_ab.sh, bench/ir_ab.sh and bench/wall_ab.sh
# with their arguments REV_A REV_B MODEL.deck...: it takes the two
# revisions into $a and $b (leaving the models in "$@"), makes a temporary
# directory $tmp (removed on exit), builds deck at each revision into
# $tmp/deck.a and $tmp/deck.b, and defines report (below).
if [ $# -lt 3 ]; then
	echo "usage: bench/$(basename "$0") REV_A REV_B MODEL.deck..." >&2
	exit 2
fi
a=$1 b=$2
shift 2
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/src" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

build() { # build REV OUT
	git worktree add --detach "$tmp/src" "$1" >/dev/null 2>&1
	(cd "$tmp/src" && go build -o "$2" ./cmd/deck)
	git worktree remove --force "$tmp/src" >/dev/null
}
build "$a" "$tmp/deck.a"
build "$b" "$tmp/deck.b"

# report FILE: for each build, the seconds of FILE's lines "a SECONDS" or
# "b SECONDS [FAULTS]", sorted, with their median and, when the lines
# have them, the page faults of the slowest run.
report() {
	for v in a b; do
		rev=$a
		[ "$v" = b ] && rev=$b
		grep "^$v " "$1" | sort -k2 -n | awk -v rev="$rev" '
			{ t[NR] = $2; line = line " " $2; faults = $3 }
			END {
				printf "  %-12s median %.2f s  (%s )", rev, (NR % 2 ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2), line
				if (faults != "") printf "  page faults %s", faults
				printf "\n"
			}'
	done
}
