# ab.sh: sourced by bench/cpu_ab.sh, bench/ir_ab.sh and bench/wall_ab.sh. Given $a and $b
# (two revisions), it makes a temporary directory $tmp (removed on exit)
# and builds deck at each revision into $tmp/deck.a and $tmp/deck.b.
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/src" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

build() { # build REV OUT
	git worktree add --detach "$tmp/src" "$1" >/dev/null 2>&1
	(cd "$tmp/src" && go build -o "$2" ./cmd/deck)
	git worktree remove --force "$tmp/src" >/dev/null
}
build "$a" "$tmp/deck.a"
build "$b" "$tmp/deck.b"
