// Package check explores every shuffle of a program: every interleaving of
// cards and every choose/either alternative, breadth-first so that every
// counterexample is a shortest one. It reports violations, the set of
// outcomes of terminal states, and races. Cards run only through vm.Step.
package check

import (
	"time"

	"github.com/deck-lang/deck/trace"
	"github.com/deck-lang/deck/vm"
)

// MaxWorkers is the most parallel workers a search uses (a state's arena
// reference has 7 bits for its worker).
const MaxWorkers = 128

// MaxReportedOutcomes bounds the outcomes a report lists (each is rebuilt
// by replaying its path); Report.OutcomesFound counts them all.
const MaxReportedOutcomes = 1000

// Options configure an exploration.
type Options struct {
	Workers       int   // parallel workers; 0 means runtime.GOMAXPROCS(0), the CPUs
	All           bool  // keep going after the first violation
	Deterministic bool  // a second distinct outcome is a violation
	MaxStates     int64 // stop (incomplete) after this many states; 0: no limit
	MaxMemory     int64 // bytes; stop (incomplete) before using more; 0: default
	NoPOR         bool  // turn partial-order reduction off (--por=off)
	// IgnorePrints leaves printed lines out of the states (--ignore-prints,
	// vm.Machine.IgnorePrints): a program that prints inside an endless
	// loop then has finitely many states. Outcomes are told apart by their
	// variables alone; each shows the lines of the shuffle that reached it.
	IgnorePrints bool
	// NoSleepSets keeps the rest of the reduction but takes every
	// transition it allows: the same states, more transitions (sleep.go).
	// For tests and measurements.
	NoSleepSets bool
	// MemoryBase is what the process holds besides the search when it
	// starts (the program, the Go runtime, the executable's pages): it
	// counts against MaxMemory, so that MaxMemory bounds the whole process
	// and not only the search. 0 for a search that shares its process.
	MemoryBase int64
	// CheckProgress asks, after the safety search, whether every stack
	// that is not a daemon finishes in every fair run (progress.go).
	CheckProgress     bool
	Fairness          Fairness // of the runs the progress check considers
	MaxProgressStates int64    // the progress graph's bound; 0: DefaultMaxProgressStates
	// Progress, when set, is called about once a second from one goroutine.
	Progress func(Progress)
	// Stop, when closed, stops the search as a limit would: the verdict is
	// incomplete (unless a violation was found), and Incomplete starts with
	// "interrupted". Workers poll it when they claim a chunk of states and
	// at every level barrier.
	Stop <-chan struct{}
	// Search chooses breadth-first search alone (SearchBFS, the zero
	// value), with a depth-first hunt for deep violations beside it
	// (SearchAuto), or the hunt alone (SearchHunt); see hunt.go.
	Search Search
	// HuntAfter is the states the breadth-first search stores before
	// SearchAuto starts hunting (0: DefaultHuntAfter).
	HuntAfter int64
	// HuntSeed varies the hunt's random orders.
	HuntSeed uint64

	// maxDepth > 0 stops the search once it has expanded every level up
	// to maxDepth (exactCounterexamples).
	maxDepth int
}

// Progress is a snapshot of a running exploration.
type Progress struct {
	States      int64
	Transitions int64
	Depth       int
	Queue       int64
	Memory      int64 // bytes held by the visited set and the queue
	Elapsed     time.Duration
}

// Verdicts.
const (
	VerdictOK         = "ok"
	VerdictViolation  = "violation"
	VerdictIncomplete = "incomplete"
)

// KindOutcome is the violation kind of --deterministic: the result depends
// on the shuffle.
const KindOutcome = "outcome"

// Report is the result of an exploration.
type Report struct {
	Verdict     string
	States      int64 // distinct states visited
	Transitions int64 // transitions explored
	Depth       int   // the deepest breadth-first level reached
	Violations  []Counterexample
	Outcomes    []Outcome // sorted by Key
	// OutcomesFound is how many distinct outcomes the search found:
	// Outcomes holds the first MaxReportedOutcomes (in the order they
	// were reached) when there were more.
	OutcomesFound int
	Races         []Race
	// Incomplete says what was and was not explored when a limit stopped
	// the search ("" when the search was complete).
	Incomplete    string
	BytesPerState float64 // memory per stored state
	Elapsed       time.Duration
	Workers       int
	// Progress is what the progress check did (nil when it did not run).
	Progress *ProgressReport
	// Hunt is what the depth-first hunt did (nil when it did not run).
	Hunt *HuntStats
	// IgnorePrints: printed lines were left out of the states
	// (Options.IgnorePrints), so outcomes that differ only in them are
	// one, shown with the lines of the shuffle that reached it.
	IgnorePrints bool
}

// Counterexample is a shortest shuffle that reaches a violation. For a
// progress violation the schedule ends with a cycle (Schedule.Cycle ticks)
// that can repeat forever, and Steps holds the prefix and one pass of it.
type Counterexample struct {
	Violation *trace.Violation
	Schedule  trace.Schedule
	Steps     []trace.Step // the shuffle card by card, with values read and written
	// Progress marks what the progress check found (a lasso, a failed
	// eventually or leadsto): the safety search did not stop for it.
	Progress bool
	// Hunted: a depth-first walk found it (see hunt.go), and replays
	// shortened it; it is not proven shortest.
	Hunted bool
	// Unproven: a search with reduction found it and shortened it, and
	// the search without reduction that confirms its length stopped at
	// its bound before that length (exactCounterexamples): it may be a
	// few cards longer than the shortest.
	Unproven bool
}

// Outcome is one distinct outcome of the terminal states, with a shortest
// shuffle that reaches it.
type Outcome struct {
	vm.Outcome
	Key      string
	Schedule trace.Schedule
}

// Race is a pair of cards of different stacks that touch the same shared
// variable, at least one writing, and can both be next in some reachable
// state with nothing ordering them.
type Race struct {
	Var  string // "x", "a[1]" or "a[?]"
	A, B RaceSide
}

// RaceSide is one card of a race.
type RaceSide struct {
	Proc  string
	Card  string // number within its procedure
	Pos   string // file:line:col
	Text  string // the card's label
	Write bool
}
