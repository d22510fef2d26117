package main

import "testing"

// TestWantsJSON: --json as the flag package takes it, in every spelling.
func TestWantsJSON(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"f.deck", "--json"}, true},
		{[]string{"-json", "f.deck"}, true},
		{[]string{"--json=1"}, true},
		{[]string{"--json=T"}, true},
		{[]string{"-json=True"}, true},
		{[]string{"--json=false"}, false},
		{[]string{"--json=0"}, false},
		{[]string{"json"}, false},
		{[]string{"--jsonx"}, false},
		{[]string{"f.deck"}, false},
	} {
		if got := wantsJSON(tc.args); got != tc.want {
			t.Errorf("wantsJSON(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
