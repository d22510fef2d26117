package compile_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/syntax"
)

// compileErrs compiles src and returns its errors as "line:col: message".
func compileErrs(t *testing.T, src string) []string {
	t.Helper()
	_, err := compile.Source("t.deck", []byte(src))
	var list syntax.ErrorList
	if err == nil {
		return nil
	}
	if !errors.As(err, &list) {
		t.Fatalf("error %v is not an ErrorList", err)
	}
	var out []string
	for _, e := range list {
		s := e.Error()
		out = append(out, strings.TrimPrefix(s, "t.deck:"))
	}
	return out
}

// TestLocalArrays: a local array is N slots; a constant index names a
// slot, an index known at run time uses local@ and a Local card with a
// length; `let w[N]` takes its element type (handles) from the first store.
func TestLocalArrays(t *testing.T) {
	p := mustCompile(t, `const N = 3
proc worker(i) { return i }
proc main() {
    let w[N]
    for i in 0..N { w[i] = spawn worker(i) }
    let a[N] = 1
    a[1] += 5
    let s = 0
    for i in 0..N {
        let r = join w[i]
        s = s + r + a[i]
    }
}
`)
	got := cardLines(t, p, "main")
	want := []string{"1 let w[3]", "2 i = 0", "3 for i < N", "4 t1 = spawn worker(i)", "5 w[i] = t1", "6 i = i + 1",
		"7 let a[3] = 1", "8 a[1] = a[1] + 5", "9 let s = 0", "10 i = 0", "11 for i < N", "12 r = join w[i]",
		"13 s = s + r + a[i]", "14 i = i + 1", "15 return"}
	if !slices.Equal(got, want) {
		t.Errorf("cards:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	main := p.Procs[procIndex(t, p, "main")]
	if !slices.Contains(main.Locals, "w[2]") || !slices.Contains(main.Locals, "a[0]") {
		t.Errorf("locals %v, want the elements w[0..2] and a[0..2]", main.Locals)
	}
}

func TestLocalArrayErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      string
	}{
		{"read before any store", "proc main() {\n    let w[2]\n    let v = w[0]\n}", "3:13: w has no element type yet"},
		{"whole array as a value", "proc main() {\n    let a[2] = 0\n    let v = a\n}", "3:13: a is an array: use an element, like a[0]"},
		{"assign the whole array", "proc main() {\n    let a[2] = 0\n    a = 1\n}", "3:5: a is an array: assign to an element, like a[0]"},
		{"element of the wrong type", "proc main() {\n    let a[2] = 0\n    a[0] = true\n}", "3:12: cannot assign a bool to a[0], whose elements are an int"},
		{"second store of another type", "proc main() {\n    let w[2]\n    w[0] = 1\n    w[1] = false\n}", "4:12: cannot assign a bool to w[1], whose elements are an int"},
		{"size not constant", "proc main() {\n    let n = 2\n    let a[n] = 0\n}", "3:11: n is a local variable"},
		{"size too small", "proc main() {\n    let a[0] = 0\n}", "2:11: an array size must be at least 1, not 0"},
		{"bool index", "proc main() {\n    let a[2] = 0\n    a[true] = 1\n}", "3:7: an index must be an int, not a bool"},
		{"duplicate name", "proc main() {\n    let a = 1\n    let a[2] = 0\n}", "3:9: a is already declared in this procedure"},
		{"effect as the value", "chan c(1)\nproc main() {\n    let a[2] = recv c\n}", "3:16: an array's elements start as a plain value"},
		{"handles to different procedures", "proc f() { return 1 }\nproc g() { return true }\nproc main() {\n    let w[2]\n    w[0] = spawn f()\n    w[1] = spawn g()\n}", "6:12: w holds handles to f, and this is a handle to g"},
		{"shared handles after an int read", "var w[2]\nproc f() { }\nproc main() {\n    let v = w[0]\n    w[1] = spawn f()\n}", "5:12: cannot assign a handle to w[1], which is an int"},
		{"shared handles to two procedures", "var w[2]\nproc f() { return 1 }\nproc g() { return true }\nproc main() {\n    w[0] = spawn f()\n    w[1] = spawn g()\n}", "6:12: w[1] holds a handle to f, and this is a handle to g"},
		{"recv into an array", "chan c(1)\nproc main() {\n    let a[2] = 0\n    select {\n    case a = recv c:\n    }\n}", "5:10: cannot receive into a: it is an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := compileErrs(t, tt.src)
			if len(errs) == 0 || !strings.HasPrefix(errs[0], tt.want) {
				t.Errorf("errors %q, want one starting %q", errs, tt.want)
			}
		})
	}
}
