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
package expect

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Header is what an example says about itself.
type Header struct {
	Verdict    string          // "ok" or "violation"
	Violations map[string]bool // distinct violation kinds
	Outcomes   map[string]bool // distinct outcome keys
}

// Parse reads the header of src: every `// key: value` line before the
// first line that is not a comment.
func Parse(src []byte) (*Header, error) {
	h := &Header{Violations: map[string]bool{}, Outcomes: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(src))
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
		case "verdict":
			h.Verdict = val
		case "violation":
			h.Violations[val] = true
		case "outcome":
			h.Outcomes[val] = true
		}
	}
	if h.Verdict != "ok" && h.Verdict != "violation" {
		return nil, fmt.Errorf("header has no `// verdict: ok|violation` line")
	}
	if (h.Verdict == "ok") != (len(h.Violations) == 0) {
		return nil, fmt.Errorf("verdict %s does not fit the violation lines %v", h.Verdict, h.Violations)
	}
	return h, nil
}
