package deck_test

import (
	"fmt"

	"github.com/deck-lang/deck"
	"github.com/deck-lang/deck/check"
	"github.com/deck-lang/deck/deal"
)

const lostUpdate = `var x = 0

proc inc() {
	x++
}

proc main() {
	let a = spawn inc()
	let b = spawn inc()
	join a
	join b
}
`

// Check explores every shuffle: the lost update shows up as a second
// outcome, with a shortest shuffle that reaches each.
func ExampleCheck() {
	p, err := deck.Compile("lost.deck", []byte(lostUpdate))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := deck.Check(p, check.Options{Workers: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verdict:", rep.Verdict)
	for _, o := range rep.Outcomes {
		fmt.Printf("%s after %d cards\n", o.Key, o.Schedule.Len())
	}
	// Output:
	// verdict: ok
	// x=1 after 11 cards
	// x=2 after 11 cards
}

// Run deals one shuffle; replaying its schedule deals the same cards again.
func ExampleRun() {
	p, err := deck.Compile("lost.deck", []byte(lostUpdate))
	if err != nil {
		fmt.Println(err)
		return
	}
	first, err := deck.Run(p, deal.Options{Dealer: deal.Random, CPUs: 1, Quantum: 1, Seed: 7})
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := deck.Run(p, deal.Options{CPUs: 1, Quantum: 1, Replay: &first.Schedule})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same schedule:", first.Schedule.String() == again.Schedule.String())
	fmt.Println("same ticks:", first.Ticks == again.Ticks)
	// Output:
	// same schedule: true
	// same ticks: true
}

// Compile reports every error with its position.
func ExampleCompile() {
	_, err := deck.Compile("typo.deck", []byte("proc main() {\n\tx = 1\n}\n"))
	fmt.Println(err)
	// Output:
	// typo.deck:2:2: undefined: x
}
