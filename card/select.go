package card

// Select. A select card holds the cases of a `select { case ... }`
// statement (Program.Selects[A]) and does the channel operation of one of
// them itself, in one step:
//
//   - a recv case is ready when its channel has a value (a buffered
//     channel is not empty, a rendezvous channel has an offer pending); it
//     takes the value (and, on a rendezvous channel, lets the sender's
//     SendWait go on) into local Dst, if any;
//   - a send case is ready when its buffered channel has room; it enqueues
//     X. The compiler refuses a send case on a rendezvous channel: handing
//     a value over and learning that it was taken are two steps of the
//     sender (Send, then SendWait), and a select must commit to one case
//     in one step;
//   - a timeout case is ready exactly when no other case is.
//
// The card is ready when some case is; its choices are the ready cases,
// numbered 0, 1, ... in source order among the cases ready in the state at
// hand (as with guarded either). Choice k then goes to the first card of
// the k-th ready case's body (Target). Element indices and sent values are
// lowered to expressions over locals and constants, so the card's only
// shared accesses are its channels.

// CaseKind says what a case of a select does.
type CaseKind uint8

const (
	CaseRecv CaseKind = iota
	CaseSend
	CaseTimeout
)

func (k CaseKind) String() string {
	return [...]string{"recv", "send", "timeout"}[k]
}

// SelectCase is one case of a select card.
type SelectCase struct {
	Kind    CaseKind
	Obj     int32 // the channel (recv, send), an index into Program.Globals; -1 for timeout
	Y       Expr  // the element of a channel array, or NoExpr
	X       Expr  // send: the value sent
	Dst     int32 // recv: the local the value goes to, or -1
	DstType Type
	Target  int32  // the first card of the case's body
	Src     string // the case as the select card's text shows it: "v = recv c", "send c, 1", "timeout"
}

// SelectCases returns the cases of select card c.
func SelectCases(p *Program, c *Card) []SelectCase {
	if c.Op != Select || int(c.A) >= len(p.Selects) {
		return nil
	}
	return p.Selects[c.A]
}

// SelectTargets lists where select card c may go: the first card of each
// case's body.
func SelectTargets(p *Program, c *Card) []int32 {
	var ts []int32
	for _, sc := range SelectCases(p, c) {
		ts = append(ts, sc.Target)
	}
	return ts
}
