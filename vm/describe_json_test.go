package vm_test

import (
	"encoding/json"
	"testing"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/vm"
)

// TestJSONValueNone: a handle that names no stack is null in JSON, not
// the -1 deck keeps for it (which reads as an int).
func TestJSONValueNone(t *testing.T) {
	v := vm.VarValue{Name: "w", Type: card.THandle, Array: true, Values: []int64{1, card.NoStack}}
	b, err := json.Marshal(v.JSONValue())
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "[1,null]" {
		t.Fatalf("JSON %s, want [1,null]", b)
	}
	n := vm.VarValue{Name: "n", Type: card.TInt, Values: []int64{-1}}
	if b, _ := json.Marshal(n.JSONValue()); string(b) != "-1" {
		t.Fatalf("an int -1 is %s in JSON", b)
	}
}
