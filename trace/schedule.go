// Package trace owns what a run leaves behind: schedules (the compact,
// replayable text form of a shuffle), the steps of a trace with the values
// each card read and wrote, and their renderings as text and JSON.
package trace

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Move is one card dealt: which stack took it, and which alternative it
// chose when the card was a choose or either (0 otherwise).
type Move struct {
	Stack  int32
	Choice int32
}

// Network moves of placed programs use a negative Stack, and Choice holds
// the number of the message (in send order, from 1).
const (
	NetDeliver int32 = -1 // deliver the message: "m3"
	NetDrop    int32 = -2 // lose it: "x3"
	NetDup     int32 = -3 // deliver a copy and keep it in flight: "d3"
	// Node faults: Choice is the node (crash) or the set of nodes cut
	// off from home, a bit per node (split).
	NetCrash int32 = -4 // "c2": node 2 crashes
	NetSplit int32 = -5 // "p6": nodes 1 and 2 are cut off from home
	NetHeal  int32 = -6 // "h": the network is whole again
)

// IsNet reports whether the move is the network's rather than a stack's.
func (m Move) IsNet() bool { return m.Stack < 0 }

// netLetter is the schedule letter of a network move.
func netLetter(stack int32) byte {
	switch stack {
	case NetDrop:
		return 'x'
	case NetDup:
		return 'd'
	case NetCrash:
		return 'c'
	case NetSplit:
		return 'p'
	case NetHeal:
		return 'h'
	}
	return 'm'
}

// writeMove writes one move: "2", "2:1", "m3".
func writeMove(b *strings.Builder, m Move) {
	if m.IsNet() {
		b.WriteByte(netLetter(m.Stack))
		if m.Stack != NetHeal {
			b.WriteString(strconv.Itoa(int(m.Choice)))
		}
		return
	}
	b.WriteString(strconv.Itoa(int(m.Stack)))
	if m.Choice != 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(int(m.Choice)))
	}
}

// Schedule is a shuffle: the moves of every tick, in order. Within a tick
// the moves are listed in the order they took effect. It is stored flat
// (Ends[t] is one past the last move of tick t) so that a run of millions
// of cards costs a few bytes per card.
type Schedule struct {
	Moves []Move
	Ends  []int32
	// Cycle, when positive, says that the last Cycle ticks are a cycle
	// that can repeat forever (a progress violation's lasso): the text
	// form writes them in parentheses, "0,1*2,(1,2*3)".
	Cycle int
}

// Prefix returns the number of ticks before the cycle (all of them when
// there is no cycle).
func (s *Schedule) Prefix() int { return s.NumTicks() - s.Cycle }

// Len returns the number of moves.
func (s *Schedule) Len() int { return len(s.Moves) }

// CycleMoves returns the number of moves in the cycle (0 without one).
func (s *Schedule) CycleMoves() int {
	if s.Cycle <= 0 {
		return 0
	}
	if pre := s.Prefix(); pre > 0 {
		return s.Len() - int(s.Ends[pre-1])
	}
	return s.Len()
}

// NumTicks returns the number of ticks.
func (s *Schedule) NumTicks() int { return len(s.Ends) }

// Tick returns the moves of tick t.
func (s *Schedule) Tick(t int) []Move {
	start := int32(0)
	if t > 0 {
		start = s.Ends[t-1]
	}
	return s.Moves[start:s.Ends[t]]
}

// Add appends a tick.
func (s *Schedule) Add(moves ...Move) {
	s.Moves = append(s.Moves, moves...)
	s.Ends = append(s.Ends, int32(len(s.Moves)))
}

// Truncate keeps the first n ticks.
func (s *Schedule) Truncate(n int) {
	if n >= len(s.Ends) {
		return
	}
	s.Ends = s.Ends[:n]
	s.Cycle = 0
	end := int32(0)
	if n > 0 {
		end = s.Ends[n-1]
	}
	s.Moves = s.Moves[:end]
}

// movesHint lists what a schedule's moves look like, for its errors.
const movesHint = "a stack's number (0, or 2:1 for its choice 1), or a network's move (m3, x3, d3, c1, p6, h)"

// String renders the schedule in its text form:
//
//	0,0,1:2,2*3,1+2
//
// Ticks are separated by commas; a tick with several CPUs joins its moves
// with '+'; a move is a stack number (0 is main, then stacks in order of
// spawning) with ":choice" when it chose, or, in a placed program, a
// network move: "m3" delivers message 3 (messages are numbered from 1 in
// the order they were sent), "x3" drops it, "d3" delivers a copy and keeps
// it in flight; "S*N" repeats a one-move tick N times. When parsing, white space may stand next to a separator (to wrap
// a long schedule), never between two digits.
//
// A cycle (see Schedule.Cycle) is written last, in parentheses.
func (s *Schedule) String() string {
	var b strings.Builder
	if s.Cycle <= 0 || s.Cycle > s.NumTicks() {
		s.write(&b, 0, s.NumTicks())
		return b.String()
	}
	s.write(&b, 0, s.Prefix())
	if b.Len() > 0 {
		b.WriteByte(',')
	}
	b.WriteByte('(')
	s.write(&b, s.Prefix(), s.NumTicks())
	b.WriteByte(')')
	return b.String()
}

// write writes ticks [from, to).
func (s *Schedule) write(b *strings.Builder, from, to int) {
	first := b.Len()
	for i := from; i < to; {
		t := s.Tick(i)
		if b.Len() > first {
			b.WriteByte(',')
		}
		if len(t) == 1 && t[0].Choice == 0 && !t[0].IsNet() {
			n := 1
			for i+n < to && len(s.Tick(i+n)) == 1 && s.Tick(i + n)[0] == t[0] {
				n++
			}
			b.WriteString(strconv.Itoa(int(t[0].Stack)))
			if n > 1 {
				b.WriteByte('*')
				b.WriteString(strconv.Itoa(n))
			}
			i += n
			continue
		}
		for k, m := range t {
			if k > 0 {
				b.WriteByte('+')
			}
			writeMove(b, m)
		}
		i++
	}
}

// maxRepeat bounds "S*N", and a whole schedule's moves, so that a typo
// cannot ask for a huge schedule: 16,777,216 moves take about 200 MB to
// hold (a replay of 64 Mi moves, 10 bytes of text, took 4 GB).
const maxRepeat = 1 << 24

// MaxMoves is the most moves a schedule may have (Parse refuses more), and
// a replay may deal (a cycle's passes count).
const MaxMoves = maxRepeat

// Parse reads a schedule in the text form written by String, with at most
// one cycle in parentheses, at the end.
func Parse(text string) (*Schedule, error) { return ParseMax(text, maxRepeat) }

// ParseMax is Parse for a schedule of at most limit moves (at most Parse's
// own bound), refused before it is expanded: a caller with a smaller
// bound (the playground's) must not first expand "0*16777216".
func ParseMax(text string, limit int) (*Schedule, error) {
	limit = min(limit, maxRepeat)
	open := strings.IndexByte(text, '(')
	if open < 0 {
		if strings.IndexByte(text, ')') >= 0 {
			return nil, fmt.Errorf("schedule: ')' without '('")
		}
		return parseTicks(text, limit)
	}
	body, rest, ok := strings.Cut(text[open+1:], ")")
	if !ok {
		return nil, fmt.Errorf("schedule: '(' without ')'")
	}
	if strings.TrimSpace(rest) != "" || strings.ContainsAny(body, "()") {
		return nil, fmt.Errorf("schedule: the cycle in parentheses must come last, once")
	}
	head := strings.TrimRight(strings.TrimSpace(text[:open]), " \t\r\n")
	if head != "" {
		if !strings.HasSuffix(head, ",") {
			return nil, fmt.Errorf("schedule: put a comma before the cycle's '('")
		}
		head = head[:len(head)-1]
	}
	s, err := parseTicks(head, limit)
	if err != nil {
		return nil, err
	}
	cyc, err := parseTicks(body, limit)
	if err != nil {
		return nil, err
	}
	if cyc.NumTicks() == 0 {
		return nil, fmt.Errorf("schedule: the cycle in parentheses is empty")
	}
	if s.Len()+cyc.Len() > limit {
		return nil, fmt.Errorf("schedule: too long: at most %d moves", limit)
	}
	for t := 0; t < cyc.NumTicks(); t++ {
		s.Add(cyc.Tick(t)...)
	}
	s.Cycle = cyc.NumTicks()
	return s, nil
}

func parseTicks(text string, limit int) (*Schedule, error) {
	// Line breaks and spaces may wrap a long schedule, but only next to
	// a separator: "0 1" is not silently stack 01.
	if loc := splitNumber.FindStringIndex(text); loc != nil {
		return nil, fmt.Errorf("schedule: space inside %q: separate ticks with commas", strings.TrimSpace(text[loc[0]:loc[1]]))
	}
	text = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, text)
	s := &Schedule{}
	if text == "" {
		return s, nil
	}
	for ti, tick := range strings.Split(text, ",") {
		if tick == "" {
			return nil, fmt.Errorf("schedule: tick %d is empty", ti+1)
		}
		repeat := 1
		if star := strings.IndexByte(tick, '*'); star >= 0 {
			n, err := strconv.Atoi(tick[star+1:])
			if err != nil || n < 1 || n > limit {
				return nil, fmt.Errorf("schedule: bad repeat count in %q (from 1 to %d)", tick, limit)
			}
			repeat = n
			tick = tick[:star]
		}
		var moves []Move
		for _, mv := range strings.Split(tick, "+") {
			if mv == "h" {
				moves = append(moves, Move{Stack: NetHeal})
				continue
			}
			if mv != "" && strings.IndexByte("mxdcp", mv[0]) >= 0 {
				n, err := strconv.ParseInt(mv[1:], 10, 32)
				kind := map[byte]int32{'m': NetDeliver, 'x': NetDrop, 'd': NetDup, 'c': NetCrash, 'p': NetSplit}[mv[0]]
				least := int64(1)
				if kind == NetCrash {
					least = 0
				}
				if err != nil && strings.Trim(mv[1:], "0123456789") != "" {
					// Not a number after the letter: not meant as one.
					return nil, fmt.Errorf("schedule: %q is not a move: %s", mv, movesHint)
				}
				if err != nil || n < least {
					return nil, fmt.Errorf("schedule: %q is not a network move (m3, x3 or d3: deliver, drop or duplicate message 3; c1: node 1 crashes; p6: a partition cuts nodes 1 and 2 off; h: it heals)", mv)
				}
				moves = append(moves, Move{Stack: kind, Choice: int32(n)})
				continue
			}
			stack, choice, _ := strings.Cut(mv, ":")
			st, err := strconv.ParseInt(stack, 10, 32)
			if err != nil || st < 0 {
				if mv == "heal" {
					return nil, fmt.Errorf("schedule: %q: a schedule writes a heal as h", mv)
				}
				if mv == "" {
					// "0+" or "*3": a move left out beside its + or *.
					return nil, fmt.Errorf("schedule: a move is missing (beside a + or a *)")
				}
				if c := mv[0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
					return nil, fmt.Errorf("schedule: %q is not a move: %s", mv, movesHint)
				}
				return nil, fmt.Errorf("schedule: %q is not a stack number", mv)
			}
			var ch int64
			if choice != "" || strings.Contains(mv, ":") {
				ch, err = strconv.ParseInt(choice, 10, 32)
				if err != nil || ch < 0 {
					return nil, fmt.Errorf("schedule: %q has a bad choice", mv)
				}
			}
			moves = append(moves, Move{Stack: int32(st), Choice: int32(ch)})
		}
		if repeat > 1 && len(moves) > 1 {
			return nil, fmt.Errorf("schedule: only a one-move tick can repeat, not %q", tick)
		}
		if s.Len()+repeat > limit {
			return nil, fmt.Errorf("schedule: too long: at most %d moves", limit)
		}
		for r := 0; r < repeat; r++ {
			s.Add(moves...)
		}
	}
	return s, nil
}

// splitNumber finds digits separated by nothing but white space.
var splitNumber = regexp.MustCompile(`[0-9][ \t\r\n]+[0-9]`)
