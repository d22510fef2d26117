package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/deck-lang/deck/card"
	"github.com/deck-lang/deck/compile"
	"github.com/deck-lang/deck/syntax"
)

// placeFlags are --place and --net, shared by run, check and play.
type placeFlags struct {
	place, net, crash string
	partitions        int
}

func addPlaceFlags(fs *flag.FlagSet) *placeFlags {
	pf := &placeFlags{}
	fs.StringVar(&pf.place, "place", "", "run procedures on network nodes: proc=NODE,proc=NODE (overrides the file's place declarations; unnamed procedures run on home)")
	fs.StringVar(&pf.net, "net", "ordered", "what the network between nodes may do: ordered or unordered, plus lossy and dup (comma-separated)")
	fs.StringVar(&pf.crash, "crash", "", "these nodes may crash at any point (NODE,NODE): their stacks stop and messages to them are lost")
	fs.IntVar(&pf.partitions, "partitions", 0, "the network may split in two, losing the messages between the parts, and heal, up to this many times")
	return pf
}

// args repeats the placement flags the user gave, for replay hints:
// " --place worker=Y --net lossy", or "". The values are written as the
// user wrote them, without the spaces a user may have put around the
// commas, so that the hint is one word a flag and pastes into a shell.
func (pf *placeFlags) args() string {
	s := ""
	if pf.place != "" {
		pairs, err := compile.ParsePlacement(pf.place)
		if err != nil { // (apply refused it already)
			return ""
		}
		var items []string
		for _, pr := range pairs {
			items = append(items, pr[0]+"="+pr[1])
		}
		s += " --place " + strings.Join(items, ",")
	}
	if pf.net != "" && pf.net != "ordered" {
		s += " --net " + noSpaces(pf.net)
	}
	if pf.crash != "" {
		s += " --crash " + noSpaces(pf.crash)
	}
	if pf.partitions != 0 {
		s += fmt.Sprintf(" --partitions %d", pf.partitions)
	}
	return s
}

// noSpaces writes a comma-separated flag value without the spaces around
// its items: "ordered, lossy" as "ordered,lossy".
func noSpaces(v string) string {
	items := strings.Split(v, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return strings.Join(items, ",")
}

// apply places prog as the flags and the file's place declarations say.
// On error it prints the message and returns false (exit status 2).
func (pf *placeFlags) apply(e *env, cmd string, prog *card.Program) (*card.Program, bool) {
	stderr := e.stderr
	var pairs [][2]string
	if pf.place != "" {
		var err error
		if pairs, err = compile.ParsePlacement(pf.place); err != nil {
			fmt.Fprintf(stderr, "deck %s: %v\n", cmd, err)
			return nil, false
		}
	}
	mode, err := card.ParseNetMode(pf.net)
	if err != nil {
		fmt.Fprintf(stderr, "deck %s: --net: %v\n", cmd, err)
		return nil, false
	}
	placed, err := compile.Place(prog, pairs, mode)
	if err == nil && placed.Net == nil && mode != 0 {
		// As --crash and --partitions are refused without nodes.
		err = fmt.Errorf("--net %s needs stacks on other nodes (--place proc=NODE, or place declarations in the file): on one node nothing crosses the network", noSpaces(pf.net))
	}
	if err == nil {
		var crash []string
		if pf.crash != "" {
			crash = strings.Split(pf.crash, ",")
		}
		err = compile.Faults(placed, crash, pf.partitions) // placed is a copy when it has a network
	}
	if err != nil {
		if l, ok := err.(syntax.ErrorList); ok {
			e.errs = l
			fmt.Fprint(stderr, syntax.Format(err, prog.Src))
			if l.Count() > 1 {
				fmt.Fprintf(stderr, "%d errors\n", l.Count())
			}
		} else {
			fmt.Fprintf(stderr, "deck %s: %v\n", cmd, err)
		}
		return nil, false
	}
	return placed, true
}
