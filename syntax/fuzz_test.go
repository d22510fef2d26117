package syntax

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, and that whatever it reports
// is an ErrorList of at most maxErrors errors (then a count of the
// others), each at a position inside the source. A parse without errors
// must give a tree whose every position is inside the source too, since
// the compiler reports errors there.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"proc main() {\n\tlet a[3] = 0\n\tlet w[N]\n\tw[a[1]] = spawn f(m, fork[i])\n}\n",
		"const N = 3\nvar x = 0\nvar flag[2] = false\nvar slots[N]\n",
		"mutex m\nsem s(2)\nchan c(3)\nchan d\nevent done\nmutex fork[N]\nsem sl[N](1)\nalways x <= 2\n",
		"proc main() {\n\tlet t = x + 1\n\tx = t\n\tx += 2; x -= 1; x++; x--\n}\n",
		"proc main() {\n\tif a { lock m } else if b { unlock m } else { yield }\n\twhile x < 3 { x++ }\n}",
		"proc w(i) {\n\tfor j in 0..N+1 { print \"j is\", j }\n\tassert x == 1, \"bad\"\n\tatomic { await x > 0 }\n}",
		"proc main() {\n\tlet h = spawn f(a, b)\n\tjoin h\n\tsend c, 1\n\tlet v = recv c\n\tnotify e; wait e\n\treturn v\n}",
		"proc main() {\n\tlet v = choose 0..3\n\teither { x = 1 } or { x = 2 } or {}\n\tf(a[i], -b, !c)\n}",
		"proc main() {\n\tx = \n}",
		"proc main() {\n\tif x\n\t\ty = 1\n\t}\n}",
		"proc main() {\n\tif x {\n\t}\n\telse {\n\t}\n}",
		"proc (\n",
		"const N = 99999999999999999999\nproc main() { print \"abc\n}",
		"proc main() {\n\tlet 1 = 2 @ \"\\q\"\n\tx = ((((1\n",
		"}}}{{{ else or ..  && || 1.5 0x3 λ \xff \x00",
		"proc main() {\n\teither { x = 1 }\n\tor { x = 2 }\n\tvar y\n}\nproc f(a b) {",
		"eventually done == N\nwant[0] leadsto in[0] || x > 2\ndaemon proc s() { while true { yield } }\n",
		"eventually\nx leadsto\nleadsto x\n(x) leadsto y leadsto z\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		file, err := Parse("fuzz.deck", []byte(src))
		if file == nil {
			t.Fatal("Parse returned a nil *File")
		}
		lines := bytes.Split([]byte(src), []byte("\n"))
		validPos := func(p Pos) bool {
			return p.Line >= 1 && int(p.Line) <= len(lines) &&
				p.Col >= 1 && int(p.Col) <= len(lines[p.Line-1])+1
		}
		if err == nil {
			checkTreePositions(t, file, validPos)
			_ = Dump(file)
			return
		}
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("error is a %T, want ErrorList: %v", err, err)
		}
		if len(list) == 0 || len(list) > maxErrors+1 || len(list) == maxErrors+1 && list[maxErrors].Dropped == 0 {
			t.Fatalf("got %d errors", len(list))
		}
		for _, e := range list {
			if e.Dropped > 0 {
				continue // the count of the errors past maxErrors
			}
			if strings.HasPrefix(e.Msg, "internal error") || !validPos(e.Pos) {
				t.Fatalf("bad error %v in %q", e, src)
			}
		}
		_ = Format(err, []byte(src))
		_ = Dump(file)
	})
}

// checkTreePositions walks a tree by reflection and checks every Pos in it.
func checkTreePositions(t *testing.T, file *File, valid func(Pos) bool) {
	t.Helper()
	posType := reflect.TypeFor[Pos]()
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return // File.Src
			}
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		case reflect.Struct:
			if v.Type() == posType {
				if p := v.Interface().(Pos); !valid(p) {
					t.Fatalf("node position %s outside the source", p)
				}
				return
			}
			for i := 0; i < v.NumField(); i++ {
				walk(v.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(file))
}
