package compile_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSites: the operations that can fail at run time are sites, quoted
// as the user wrote them: shared reads by name, not by the temporaries
// they were moved into, and an inlined call's locals without the call's
// prefix. A long chain keeps its positions but not its texts, which would
// be quadratic in its length.
func TestSites(t *testing.T) {
	long := "x" + strings.Repeat(" + x", 20)
	p := mustCompile(t, `var x = 1
var a[3]
proc div(n, d) {
    return n / d
}
proc main() {
    let i = 2
    let r = 10 / x + a[i] * -i
    let q = div(r, 0)
    let l = `+long+`
}
`)
	var got []string
	for _, e := range p.Exprs {
		for _, s := range e.Sites {
			got = append(got, s.Pos.String()+" "+s.Src)
		}
	}
	want := []string{
		"4:14 n / d",
		"8:22 a[i]",
		"8:29 -i",
		"8:27 a[i] * -i",
		"8:16 10 / x",
		"8:20 10 / x + a[i] * -i",
	}
	text := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(text, w+"\n") && !strings.HasSuffix(text, w) {
			t.Errorf("no site %q in\n%s", w, text)
		}
	}
	// The chain's last + (the line's last but two columns, after
	// "    let l = ") has a position and no text.
	last := fmt.Sprintf("10:%d", 12+len(long)-2)
	if !strings.Contains(text, last+" \n") && !strings.HasSuffix(text, last+" ") {
		t.Errorf("no site %q without text in\n%s", last, text)
	}
}
