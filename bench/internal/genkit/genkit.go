// Package genkit holds what the benchmark model generators (bench/gen and
// bench/beem/gen) share: reading a size list, finding their directory,
// parsing a model's sizes and writing its files.
package genkit

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SizeLines splits a size list into the fields of its lines, without
// comments (from #) and blank lines.
func SizeLines(text string) [][]string {
	var lines [][]string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if fields := strings.Fields(line); len(fields) > 0 {
			lines = append(lines, fields)
		}
	}
	return lines
}

// Dir returns the first of dirs that holds sizes.txt (the generators run
// from the repository root or from their own directory), or the first.
func Dir(dirs ...string) string {
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "sizes.txt")); err == nil {
			return d
		}
	}
	return dirs[0]
}

// Sizes parses the nargs size parameters that follow a model's name in
// fields (words after them are for the comparison scripts), each within
// [lo, hi].
func Sizes(fields []string, nargs, lo, hi int) ([]int, error) {
	if len(fields)-1 < nargs {
		return nil, fmt.Errorf("model %s wants %d size parameters, got %d", fields[0], nargs, len(fields)-1)
	}
	a := make([]int, nargs)
	for i, s := range fields[1 : 1+nargs] {
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return nil, fmt.Errorf("model %s: bad size %q (%d..%d)", fields[0], s, lo, hi)
		}
		a[i] = v
	}
	return a, nil
}

// Write writes each file (a suffix such as ".deck" and its text) next to
// base, and prints base.
func Write(base string, files [][2]string) error {
	for _, f := range files {
		if err := os.WriteFile(base+f[0], []byte(f[1]), 0o644); err != nil {
			return err
		}
	}
	fmt.Println(base)
	return nil
}

// Fail reports err and exits with status 2.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(2)
}
