// Package examples embeds the gallery's programs (the *.deck files of this
// directory), so that the web playground can offer them without reading the
// repository at run time.
package examples

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.deck
var files embed.FS

// Example is one program of the gallery.
type Example struct {
	Name   string // the file name without .deck, e.g. "lost_update"
	Source []byte
}

// All returns every example, sorted by name.
func All() []Example {
	names, _ := fs.Glob(files, "*.deck")
	sort.Strings(names)
	out := make([]Example, 0, len(names))
	for _, n := range names {
		src, err := files.ReadFile(n)
		if err != nil {
			continue
		}
		out = append(out, Example{Name: strings.TrimSuffix(n, ".deck"), Source: src})
	}
	return out
}

// Get returns the example called name (without .deck).
func Get(name string) (Example, bool) {
	src, err := files.ReadFile(name + ".deck")
	if err != nil || strings.ContainsAny(name, "/\\") {
		return Example{}, false
	}
	return Example{Name: name, Source: src}, true
}
