package trace

import "fmt"

// Fairness is what a run must grant its stacks to count as fair: the
// progress check considers only fair runs, and a replayed cycle that a
// fair dealer would not repeat forever shows no livelock or starvation.
type Fairness uint8

const (
	FairWeak   Fairness = iota // a stack enabled from some point on moves
	FairStrong                 // a stack enabled infinitely often moves
	FairNone                   // every cycle counts
)

func (f Fairness) String() string { return [...]string{"weak", "strong", "none"}[f] }

// ParseFairness reads weak, strong or none.
func ParseFairness(s string) (Fairness, error) {
	switch s {
	case "weak":
		return FairWeak, nil
	case "strong":
		return FairStrong, nil
	case "none":
		return FairNone, nil
	}
	return 0, fmt.Errorf("fairness %q: want weak, strong or none", s)
}
