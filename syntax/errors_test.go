package syntax

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	long := "let a = 1" + strings.Repeat(" + 1", 1000)
	tests := []struct {
		name string
		src  string
		pos  Pos
		want string // the two lines, joined by "\n"
	}{
		{"plain", "x = y +\n", Pos{1, 7}, " 1 | x = y +\n   |       ^"},
		{"tabs kept", "\tif x\n", Pos{1, 5}, " 1 | \tif x\n   | \t   ^"},
		{"crlf", "x = 1\r\ny\r\n", Pos{2, 1}, " 2 | y\n   | ^"},
		{"past the end", "ab\n", Pos{1, 9}, " 1 | ab\n   |   ^"},
		{"empty last line", "ab\n", Pos{2, 1}, " 2 | \n   | ^"},
		{"no such line", "ab\n", Pos{3, 1}, ""},
		{"escape", "let a\x1b[31m = 1\n", Pos{1, 6}, ` 1 | let a\x1b[31m = 1` + "\n" + `   |      ^`},
		{"after escapes", "\x07\x1b x\n", Pos{1, 4}, ` 1 | \x07\x1b x` + "\n" + `   |          ^`},
		{"raw bytes", "a\xff\xfeb\n", Pos{1, 4}, ` 1 | a\xff\xfeb` + "\n" + `   |          ^`},
		{"bidi override", "x = \u202ey\n", Pos{1, 8}, ` 1 | x = \u202ey` + "\n" + `   |           ^`},
		{"utf-8 is one column", "é = ü\n", Pos{1, 6}, " 1 | é = ü\n   |     ^"},
		{"wide characters are two columns", "x = \"日本\" $\n", Pos{1, 14}, " 1 | x = \"日本\" $\n   |            ^"},
		{"hangul, kana, fullwidth and emoji", "\"한カＡ😀\", ü\n", Pos{1, 18}, " 1 | \"한カＡ😀\", ü\n   |             ^"},
		{"combining marks take no column", "e\u0301 = x\n", Pos{1, 7}, " 1 | e\u0301 = x\n   |     ^"},
		{"long line of wide characters", strings.Repeat("日", 80) + " $\n", Pos{1, 242},
			" 1 | ..." + strings.Repeat("日", 49) + " $\n   |    " + strings.Repeat(" ", 99) + "^"},
		{"long line, caret at the end", long + " @\n", Pos{1, int32(len(long)) + 2},
			" 1 | ..." + (long + " @")[len(long)+2-100:] + "\n   |    " + strings.Repeat(" ", 99) + "^"},
		{"long line, caret at the start", long + "\n", Pos{1, 1},
			" 1 | " + long[:100] + "...\n   | ^"},
		{"long line, caret in the middle", long + "\n", Pos{1, 2002},
			" 1 | ..." + long[1951:2051] + "...\n   |    " + strings.Repeat(" ", 50) + "^"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.TrimSuffix(Snippet([]byte(tt.src), tt.pos), "\n")
			if got != tt.want {
				t.Errorf("Snippet(%v):\n%s\nwant\n%s", tt.pos, got, tt.want)
			}
			// Format takes the same line from its index.
			e := &Error{File: "f.deck", Pos: tt.pos, Msg: "m"}
			want := e.Error() + "\n"
			if tt.want != "" {
				want += tt.want + "\n"
			}
			if got := Format(e, []byte(tt.src)); got != want {
				t.Errorf("Format:\n%s\nwant\n%s", got, want)
			}
			for _, c := range got {
				if c < 0x20 && c != '\t' && c != '\n' {
					t.Errorf("snippet holds control character %#x", c)
				}
			}
		})
	}
}

func TestErrorListLimit(t *testing.T) {
	var l ErrorList
	for k := range 25 {
		l.Add("f.deck", Pos{Line: int32(k + 1), Col: 1}, "error %d", k)
	}
	l.Limit(MaxErrors)
	if len(l) != MaxErrors+1 || l.Count() != 25 {
		t.Fatalf("after Limit: %d entries standing for %d errors, want %d for 25", len(l), l.Count(), MaxErrors+1)
	}
	if got, want := l[MaxErrors].Error(), "... and 15 more errors"; got != want {
		t.Errorf("last entry %q, want %q", got, want)
	}
	if got, want := l.Error(), "f.deck:1:1: error 0 (and 24 more errors)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	out := Format(l, nil)
	if !strings.HasSuffix(out, "f.deck:10:1: error 9\n... and 15 more errors\n") {
		t.Errorf("Format ends:\n%s", out[max(len(out)-80, 0):])
	}
}

// TestFormatManyErrors holds Format to one pass over the source: it used
// to split the whole source again for every error (20,000 errors on as
// many lines: 12 s).
func TestFormatManyErrors(t *testing.T) {
	const n = 20000
	var src strings.Builder
	var l ErrorList
	for k := range n {
		fmt.Fprintf(&src, "    u%d = 1\n", k)
		l.Add("f.deck", Pos{Line: int32(k + 1), Col: 5}, "undefined: u%d", k)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	out := Format(l, []byte(src.String()))
	runtime.ReadMemStats(&after)
	if !strings.Contains(out, " 20000 |     u19999 = 1\n") {
		t.Errorf("the last snippet is missing")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 32<<20 {
		t.Errorf("Format of %d errors allocates %d MB, want at most 32 MB", n, got>>20)
	}
}

func TestCaretPad(t *testing.T) {
	for _, tc := range []struct {
		line string
		col  int32
		want string
	}{
		{"x = 1", 3, "  "},
		{"\tx = 1", 2, "\t"},
		{"print \"日本\", zz", 15, strings.Repeat(" ", 12)},
		{"print \"é\", zz", 12, strings.Repeat(" ", 10)},
		{"short", 40, "     "},
	} {
		if got := CaretPad(tc.line, tc.col); got != tc.want {
			t.Errorf("CaretPad(%q, %d) = %q, want %q", tc.line, tc.col, got, tc.want)
		}
	}
}

func TestRuneWidth(t *testing.T) {
	for _, tt := range []struct {
		r    rune
		want int
	}{
		{'a', 1}, {'é', 1}, {'ü', 1}, {'λ', 1}, {'ж', 1}, {'→', 1}, {'─', 1},
		{'\u0301', 0}, {'\u20dd', 0}, // combining acute, enclosing circle
		{'日', 2}, {'語', 2}, {'한', 2}, {'ᄀ', 2}, {'あ', 2}, {'カ', 2}, {'、', 2},
		{'Ａ', 2}, {'！', 2}, {'￥', 2}, {'ｱ', 1}, // halfwidth katakana is narrow
		{'😀', 2}, {'🚀', 2}, {'🤖', 2}, {'⌚', 2}, {'⭐', 2}, {'\U00020000', 2},
		{'\uffff', 1}, {'\U0010ffff', 1},
	} {
		if got := RuneWidth(tt.r); got != tt.want {
			t.Errorf("RuneWidth(%U %q) = %d, want %d", tt.r, tt.r, got, tt.want)
		}
	}
	// The table is sorted and its ranges do not overlap, as the binary
	// search needs.
	for k := 1; k < len(wideRanges); k++ {
		if wideRanges[k-1][1] >= wideRanges[k][0] || wideRanges[k][0] > wideRanges[k][1] {
			t.Errorf("wideRanges[%d] %U..%U is out of order", k, wideRanges[k][0], wideRanges[k][1])
		}
	}
}
