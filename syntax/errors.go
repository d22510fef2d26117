package syntax

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxErrors is how many errors a list reports: the parser stops at this
// many, and the compiler keeps the first ones by position and counts the
// rest (ErrorList.Limit). Past a few, later errors are mostly echoes of the
// first and only bury them.
const MaxErrors = 10

// Error is a problem in the source, at a position.
type Error struct {
	File string
	Pos  Pos
	Msg  string
	// Dropped, when positive, makes this entry stand for that many errors
	// left out of the list (see ErrorList.Limit); it has no position.
	Dropped int
}

func (e *Error) Error() string {
	if e.Dropped > 0 {
		return fmt.Sprintf("... and %d more error%s", e.Dropped, plural(e.Dropped))
	}
	if !e.Pos.IsValid() {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ErrorList is a list of errors, sorted by position when reported.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(file string, pos Pos, format string, args ...any) {
	*l = append(*l, &Error{File: file, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sort orders the list by position and drops exact repeats and second
// errors on the same line (the first one is almost always the real cause).
func (l *ErrorList) Sort() {
	s := l.byPos()
	out := s[:0]
	for i, e := range s {
		if i > 0 && e.Pos.Line == s[i-1].Pos.Line && e.File == s[i-1].File {
			continue
		}
		out = append(out, e)
	}
	*l = out
}

// SortAll orders the list by position, dropping only exact repeats: for
// errors that each name their own subject, where a second on a line is
// not an echo of the first.
func (l *ErrorList) SortAll() {
	s := l.byPos()
	out := s[:0]
	for i, e := range s {
		if i > 0 && *e == *s[i-1] {
			continue
		}
		out = append(out, e)
	}
	*l = out
}

// byPos sorts the list by position, keeping the order of errors at one
// position, and returns it.
func (l *ErrorList) byPos() ErrorList {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Pos.Line != s[j].Pos.Line {
			return s[i].Pos.Line < s[j].Pos.Line
		}
		return s[i].Pos.Col < s[j].Pos.Col
	})
	return s
}

// Limit keeps the first n errors of the list and replaces the others by
// one entry that counts them ("... and 12 more errors").
func (l *ErrorList) Limit(n int) {
	s := *l
	if len(s) <= n {
		return
	}
	dropped := 0
	for _, e := range s[n:] {
		dropped += max(e.Dropped, 1)
	}
	*l = append(s[:n:n], &Error{File: s[0].File, Dropped: dropped})
}

// Count is the number of errors the list stands for, dropped ones
// included.
func (l ErrorList) Count() int {
	n := 0
	for _, e := range l {
		n += max(e.Dropped, 1)
	}
	return n
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

func (l ErrorList) Error() string {
	switch n := l.Count(); n {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	default:
		return fmt.Sprintf("%s (and %d more errors)", l[0], n-1)
	}
}

// snippetWidth is how many columns of a source line a snippet shows at
// most: a longer line is cut to a window around the caret, marked with
// "..." where it was cut.
const snippetWidth = 100

// Snippet renders the source line of pos with a caret under the column:
//
//	3 |     x = y +
//	  |            ^
//
// Control characters, invalid UTF-8 and other characters a terminal would
// not print as themselves are escaped (\x1b, \u202e), and the caret stays
// under the escaped text; wide characters (such as CJK) count two columns
// (RuneWidth). It returns "" when the position is not inside src.
func Snippet(src []byte, pos Pos) string {
	if !pos.IsValid() {
		return ""
	}
	// Find the line without splitting the whole source.
	start := 0
	for line := int32(1); line < pos.Line; line++ {
		k := bytes.IndexByte(src[start:], '\n')
		if k < 0 {
			return ""
		}
		start += k + 1
	}
	var b strings.Builder
	writeSnippet(&b, src[start:], pos)
	return b.String()
}

// lineIndex holds the offset of every line start of a source, so that
// formatting many errors costs one pass over the source, not one each.
type lineIndex []int

func newLineIndex(src []byte) lineIndex {
	idx := lineIndex{0}
	for k, c := range src {
		if c == '\n' {
			idx = append(idx, k+1)
		}
	}
	return idx
}

// snippet is Snippet with the line looked up in the index.
func (idx lineIndex) snippet(b *strings.Builder, src []byte, pos Pos) {
	if !pos.IsValid() || int(pos.Line) > len(idx) {
		return
	}
	writeSnippet(b, src[idx[pos.Line-1]:], pos)
}

// writeSnippet writes the snippet of pos, whose line starts rest.
func writeSnippet(b *strings.Builder, rest []byte, pos Pos) {
	line := rest
	if k := bytes.IndexByte(rest, '\n'); k >= 0 {
		line = rest[:k]
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	caret := min(max(int(pos.Col)-1, 0), len(line)) // byte offset

	// First pass: the display width of the line, and of the part before
	// the caret.
	total, at := 0, -1
	for k := 0; k < len(line); {
		if k >= caret && at < 0 {
			at = total
		}
		_, w, size := glyph(line[k:])
		total += w
		k += size
	}
	if at < 0 {
		at = total
	}
	// The window of display columns [lo, hi) to show.
	lo, hi := 0, total
	if total > snippetWidth {
		lo = max(at-snippetWidth/2, 0)
		hi = min(lo+snippetWidth, total)
		lo = max(hi-snippetWidth, 0)
	}
	num := strconv.Itoa(int(pos.Line))
	b.WriteByte(' ')
	b.WriteString(num)
	b.WriteString(" | ")
	var marks strings.Builder // the caret line, after its "|"
	if lo > 0 {
		b.WriteString("...")
		marks.WriteString("   ")
	}
	col := 0
	for k := 0; k < len(line) && col < hi; {
		g, w, size := glyph(line[k:])
		if col >= lo && col+w <= hi {
			b.WriteString(g)
			if k < caret {
				// Keep tabs in the caret line so that the caret lines up
				// in any terminal.
				if g == "\t" {
					marks.WriteByte('\t')
				} else {
					marks.WriteString(spaces(w))
				}
			}
		}
		col += w
		k += size
	}
	if hi < total {
		b.WriteString("...")
	}
	b.WriteString("\n ")
	b.WriteString(strings.Repeat(" ", len(num)))
	b.WriteString(" | ")
	b.WriteString(marks.String())
	b.WriteString("^\n")
}

// glyph returns how the character at the start of s is shown in a
// snippet, the columns that takes, and the character's length in bytes.
// Printable characters (and tabs) are shown as themselves, in the columns
// a terminal gives them (RuneWidth); control characters, invalid bytes and
// characters that are not printable (such as bidirectional overrides) are
// escaped.
func glyph(s []byte) (text string, width, size int) {
	c := s[0]
	if c >= 0x20 && c < 0x7f || c == '\t' {
		return asciiGlyph[c : c+1], 1, 1
	}
	if c < 0x80 {
		return `\x` + hex2(c), 4, 1
	}
	r, size := utf8.DecodeRune(s)
	if r == utf8.RuneError && size == 1 {
		return `\x` + hex2(c), 4, 1
	}
	if !unicode.IsPrint(r) {
		text = fmt.Sprintf(`\u%04x`, r)
		if r > 0xffff {
			text = fmt.Sprintf(`\U%08x`, r)
		}
		return text, len(text), size
	}
	return string(s[:size]), RuneWidth(r), size
}

// CaretPad returns what goes before a caret under byte column col (from 1)
// of line, as the line itself shows: a tab for each tab, and spaces as
// wide as each other character (RuneWidth). For a caret drawn under the
// raw line, as a browser shows it; Snippet escapes what a terminal would
// not show and pads for that.
func CaretPad(line string, col int32) string {
	var b strings.Builder
	for k, r := range line {
		if k >= int(col)-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteString(spaces(RuneWidth(r)))
		}
	}
	return b.String()
}

// RuneWidth is the number of terminal columns a printable character
// takes: 2 for wide characters (CJK ideographs, Hangul, Hiragana and
// Katakana, fullwidth forms, most emoji), 0 for combining marks, which
// sit on the character before them, and 1 for the others. Snippets pad
// the caret line with it, so that the caret stays under its column after
// wide characters.
func RuneWidth(r rune) int {
	if r < 0x300 {
		return 1
	}
	if unicode.In(r, unicode.Mn, unicode.Me) {
		return 0
	}
	if r < 0x1100 {
		return 1
	}
	// Binary search in the table of wide ranges.
	lo, hi := 0, len(wideRanges)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch {
		case r < wideRanges[m][0]:
			hi = m
		case r > wideRanges[m][1]:
			lo = m + 1
		default:
			return 2
		}
	}
	return 1
}

// wideRanges are the ranges of characters a terminal shows two columns
// wide: East Asian Wide and Fullwidth characters (Unicode's UAX #11),
// simplified to whole blocks, and the emoji that default to their picture.
// Sorted, not overlapping.
var wideRanges = [...][2]rune{
	{0x1100, 0x115f}, // Hangul Jamo initial consonants
	{0x231a, 0x231b}, // watch, hourglass
	{0x2329, 0x232a}, // angle brackets
	{0x23e9, 0x23ec},
	{0x23f0, 0x23f0},
	{0x23f3, 0x23f3},
	{0x25fd, 0x25fe},
	{0x2614, 0x2615},
	{0x2648, 0x2653}, // zodiac
	{0x267f, 0x267f},
	{0x2693, 0x2693},
	{0x26a1, 0x26a1},
	{0x26aa, 0x26ab},
	{0x26bd, 0x26be},
	{0x26c4, 0x26c5},
	{0x26ce, 0x26ce},
	{0x26d4, 0x26d4},
	{0x26ea, 0x26ea},
	{0x26f2, 0x26f3},
	{0x26f5, 0x26f5},
	{0x26fa, 0x26fa},
	{0x26fd, 0x26fd},
	{0x2705, 0x2705},
	{0x270a, 0x270b},
	{0x2728, 0x2728},
	{0x274c, 0x274c},
	{0x274e, 0x274e},
	{0x2753, 0x2755},
	{0x2757, 0x2757},
	{0x2795, 0x2797},
	{0x27b0, 0x27b0},
	{0x27bf, 0x27bf},
	{0x2b1b, 0x2b1c},
	{0x2b50, 0x2b50},
	{0x2b55, 0x2b55},
	{0x2e80, 0x303e},   // CJK radicals, Kangxi, CJK symbols and punctuation
	{0x3041, 0x33ff},   // Hiragana, Katakana, Bopomofo, Hangul Jamo, CJK compatibility
	{0x3400, 0x4dbf},   // CJK extension A
	{0x4e00, 0x9fff},   // CJK unified ideographs
	{0xa000, 0xa4cf},   // Yi
	{0xa960, 0xa97f},   // Hangul Jamo extended A
	{0xac00, 0xd7a3},   // Hangul syllables
	{0xf900, 0xfaff},   // CJK compatibility ideographs
	{0xfe10, 0xfe19},   // vertical forms
	{0xfe30, 0xfe6f},   // CJK compatibility forms, small forms
	{0xff00, 0xff60},   // fullwidth forms
	{0xffe0, 0xffe6},   // fullwidth signs
	{0x16fe0, 0x16fe4}, // ideographic symbols
	{0x17000, 0x18cff}, // Tangut, Khitan
	{0x1b000, 0x1b2ff}, // Kana supplement and extensions, Nushu
	{0x1f004, 0x1f004},
	{0x1f0cf, 0x1f0cf},
	{0x1f18e, 0x1f18e},
	{0x1f191, 0x1f19a},
	{0x1f200, 0x1f2ff}, // enclosed ideographic supplement
	{0x1f300, 0x1f64f}, // pictographs, emoticons
	{0x1f680, 0x1f6ff}, // transport and map symbols
	{0x1f7e0, 0x1f7eb},
	{0x1f90c, 0x1f9ff}, // supplemental symbols and pictographs
	{0x1fa70, 0x1faff}, // symbols and pictographs extended A
	{0x20000, 0x2fffd}, // CJK extensions B to F
	{0x30000, 0x3fffd}, // CJK extension G and later
}

func spaces(n int) string {
	const blank = "          "
	if n <= len(blank) {
		return blank[:n]
	}
	return strings.Repeat(" ", n)
}

const asciiGlyph = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f" +
	" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// Format writes every error of err as `file:line:col: message`, each
// followed by a caret snippet taken from src. It indexes the lines of src
// once, so that many errors cost no more than one pass over the source
// each plus their lines.
func Format(err error, src []byte) string {
	var b strings.Builder
	var idx lineIndex
	write := func(e *Error) {
		b.WriteString(e.Error())
		b.WriteByte('\n')
		if e.Dropped > 0 || !e.Pos.IsValid() {
			return
		}
		if idx == nil {
			idx = newLineIndex(src)
		}
		idx.snippet(&b, src, e.Pos)
	}
	switch e := err.(type) {
	case ErrorList:
		for _, x := range e {
			write(x)
		}
	case *Error:
		write(e)
	default:
		b.WriteString(err.Error())
		b.WriteByte('\n')
	}
	return b.String()
}
