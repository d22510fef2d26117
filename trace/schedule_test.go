package trace

import (
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"0", "0"},
		{"0,0,0", "0*3"},
		{"0*2,1:2,2+1,0", "0*2,1:2,2+1,0"},
		{" 0*2 ,\n 1 + 2 ,\t0:1 \n", "0*2,1+2,0:1"},
		{"3:0", "3"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := s.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0 1", `space inside "0 1"`},
		{"0,\n1 2", `space inside "1 2"`},
		{"0,,1", "tick 2 is empty"},
		{"0*0", "bad repeat count"},
		{"0*x", "bad repeat count"},
		{"a", `"a" is not a move: a stack's number`},
		{"q", `"q" is not a move`},
		{"h3", `"h3" is not a move`},
		{"heal", "a schedule writes a heal as h"},
		{"-1", "is not a stack number"},
		{"0+", "a move is missing"},
		{"+", "a move is missing"},
		{"*3", "a move is missing"},
		{"xyz", `"xyz" is not a move: a stack's number`},
		{"m0", `"m0" is not a network move`},
		{"x", `"x" is not a network move`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", tt.in, err, tt.want)
		}
	}
}

func TestParseCycle(t *testing.T) {
	tests := []struct {
		in, want   string
		ticks, cyc int
	}{
		{"0,1*2,(1,2*3)", "0,1*2,(1,2*3)", 7, 4},
		{"(1,2)", "(1,2)", 2, 2},
		{"1,1,(1,1)", "1*2,(1*2)", 4, 2},
		{" 0 , ( 1 , 2 ) ", "0,(1,2)", 3, 2},
	}
	for _, tt := range tests {
		s, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := s.String(); got != tt.want || s.NumTicks() != tt.ticks || s.Cycle != tt.cyc {
			t.Errorf("Parse(%q) = %q (%d ticks, cycle %d), want %q (%d, %d)", tt.in, got, s.NumTicks(), s.Cycle, tt.want, tt.ticks, tt.cyc)
		}
	}
	for _, bad := range []string{"0,()", "(1),(2)", "(1),2", "0(1)", "0,(1", "0,1)"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): no error", bad)
		}
	}
}

// TestScheduleTooLong: a schedule over the limit says what the limit is.
func TestScheduleTooLong(t *testing.T) {
	_, err := Parse("0,1*16777216")
	if err == nil || err.Error() != "schedule: too long: at most 16777216 moves" {
		t.Fatalf("err %v", err)
	}
}
