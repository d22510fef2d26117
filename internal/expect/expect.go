// Package expect reads the expectations an example program states in its
// header comment, so that tests can hold every example to them:
//
//	// verdict: violation
//	// violation: assert
//	// outcome: x=1
//	// outcome: x=2
//
// Outcome lines are vm.Outcome keys; the lists are exhaustive (what
// `deck check --all` finds).
//
// A header may go on with further configurations of the same program, each
// introduced by the flags it is checked with (placement, faults, and the
// progress check's --fairness):
//
//	// with: --place worker=Y --net unordered,lossy
//	// verdict: violation
//	// violation: deadlock
//
// The first section is the program as written (its own place
// declarations, if any, applied).
package expect

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
)

// Header is what an example says about one configuration of itself.
type Header struct {
	Verdict    string          // "ok" or "violation"
	Violations map[string]bool // distinct violation kinds
	Outcomes   map[string]bool // distinct outcome keys
}

// Section is one configuration of an example and what it says about it.
type Section struct {
	With  string // the flags as written ("" for the program as written)
	Place string // the --place value, or ""
	Net   string // the --net value, or ""
	// Crash and Partitions are the node faults: --crash and --partitions.
	Crash      string
	Partitions int
	// Fairness is the progress check's --fairness ("" for weak).
	Fairness string
	*Header
}

// Apply places p as the section says (the file's place declarations, then
// the section's flags).
func (s *Section) Apply(p *card.Program) (*card.Program, error) {
	var pairs [][2]string
	if s.Place != "" {
		var err error
		if pairs, err = compile.ParsePlacement(s.Place); err != nil {
			return nil, err
		}
	}
	mode := card.NetMode(0)
	if s.Net != "" {
		var err error
		if mode, err = card.ParseNetMode(s.Net); err != nil {
			return nil, err
		}
	}
	placed, err := compile.Place(p, pairs, mode)
	if err != nil {
		return nil, err
	}
	var crash []string
	if s.Crash != "" {
		crash = strings.Split(s.Crash, ",")
	}
	return placed, compile.Faults(placed, crash, s.Partitions)
}

// Parse reads the first section of the header of src.
func Parse(src []byte) (*Header, error) {
	all, err := ParseAll(src)
	if err != nil {
		return nil, err
	}
	return all[0].Header, nil
}

// ParseAll reads every section of the header of src: every `// key: value`
// line before the first line that is not a comment.
func ParseAll(src []byte) ([]Section, error) {
	var out []Section
	h := newHeader()
	cur := Section{Header: h}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "//") {
			break
		}
		text := strings.TrimSpace(strings.TrimPrefix(line, "//"))
		key, val, ok := strings.Cut(text, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "with":
			if err := cur.check(); err != nil {
				return nil, err
			}
			out = append(out, cur)
			cur = Section{With: val, Header: newHeader()}
			if err := cur.flags(val); err != nil {
				return nil, err
			}
		case "verdict":
			cur.Verdict = val
		case "violation":
			cur.Violations[val] = true
		case "outcome":
			cur.Outcomes[val] = true
		}
	}
	if err := cur.check(); err != nil {
		return nil, err
	}
	return append(out, cur), nil
}

func newHeader() *Header {
	return &Header{Violations: map[string]bool{}, Outcomes: map[string]bool{}}
}

// flags reads "--place a=X --net lossy".
func (s *Section) flags(text string) error {
	f := strings.Fields(text)
	for i := 0; i < len(f); i += 2 {
		if i+1 >= len(f) {
			return fmt.Errorf("with: %q: %s needs a value", text, f[i])
		}
		switch f[i] {
		case "--place":
			s.Place = f[i+1]
		case "--net":
			s.Net = f[i+1]
		case "--crash":
			s.Crash = f[i+1]
		case "--fairness":
			s.Fairness = f[i+1]
		case "--partitions":
			n, err := strconv.Atoi(f[i+1])
			if err != nil {
				return fmt.Errorf("with: %q: --partitions needs a count", text)
			}
			s.Partitions = n
		default:
			return fmt.Errorf("with: %q: only --place, --net, --crash, --partitions and --fairness, not %s", text, f[i])
		}
	}
	return nil
}

func (s *Section) check() error {
	h := s.Header
	where := ""
	if s.With != "" {
		where = " (with " + s.With + ")"
	}
	if h.Verdict != "ok" && h.Verdict != "violation" {
		return fmt.Errorf("header%s has no `// verdict: ok|violation` line", where)
	}
	if (h.Verdict == "ok") != (len(h.Violations) == 0) {
		return fmt.Errorf("verdict %s%s does not fit the violation lines %v", h.Verdict, where, h.Violations)
	}
	return nil
}
