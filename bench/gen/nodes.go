package main

// Models with stacks on network nodes (bench/nodes.sh, bench/nodes.txt).
//
//	tpc N        two-phase commit: a coordinator (main, on home) and N
//	             participants, each on its own node P0..P(N-1)
//	pingpong K   a ball passed back and forth K times (K round trips)
//	             between main on home and a player on node B
//	tpcsr N      two-phase commit at the granularity of Stateright's model
//	             (the TLA+ spec's actions, each one atomic block), on one node
//
// The deck file carries its placement (place declarations), so a plain
// `deck check FILE` checks it placed; `--net unordered` changes the network.
// The Promela twins model deck's network faithfully: one channel per link
// (ordered pair of nodes) holds the messages in flight on it, and a
// delivering process per link takes a message out and does what deck's
// delivery does (puts a value into the receiving channel's buffer when it
// has room, starts a spawned stack, marks a stack done). NAME.pml is the
// ordered network: the link is a FIFO channel and the delivering process
// only takes its head (l?KIND,v). NAME_unordered.pml is the unordered one:
// senders insert in sorted order (l!!KIND,v), so that the link holds a
// canonical multiset as deck's state does, and the delivering process may
// take any message of the link (random receive l??KIND,v: the first
// message of that kind anywhere in the link). Every link in these models
// carries at most one message of each kind at a time, so offering one
// delivery per kind offers every in-flight message.

import (
	"fmt"
	"strings"
)

func init() {
	models["tpc"] = model{1, func(a []int) string { return fmt.Sprintf("tpc_n%d", a[0]) },
		func(a []int) string { return tpcDeck(a[0]) },
		func(a []int) string { return tpcPml(a[0], false) }}
	models["pingpong"] = model{1, func(a []int) string { return fmt.Sprintf("pingpong_k%d", a[0]) },
		func(a []int) string { return pingDeck(a[0]) },
		func(a []int) string { return pingPml(a[0], false) }}
	models["tpcsr"] = model{1, func(a []int) string { return fmt.Sprintf("tpcsr_n%d", a[0]) },
		func(a []int) string { return tpcsrDeck(a[0]) }, nil}
	unorderedPml["tpc"] = func(a []int) string { return tpcPml(a[0], true) }
	unorderedPml["pingpong"] = func(a []int) string { return pingPml(a[0], true) }
}

// unorderedPml: the models that also have a Promela twin for an unordered
// network, written as NAME_unordered.pml.
var unorderedPml = map[string]func(a []int) string{}

// ---- two-phase commit ----

func tpcDeck(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Two-phase commit across %d participants, each on its own node; the\n", n)
	b.WriteString("// coordinator (main) runs on home. main sends prepare to every participant,\n")
	b.WriteString("// each votes yes (1) or no (0) on the votes channel, and main sends commit (2)\n")
	b.WriteString("// if all voted yes and abort (1) otherwise. Every participant records the\n")
	b.WriteString("// decision in its own variable; the invariant says no two decided differently.\n")
	fmt.Fprintf(&b, "// %s\n\nconst N = %d\n\n", header, n)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "chan prep%d(1)\nchan dec%d(1)\n", i, i)
	}
	fmt.Fprintf(&b, "chan votes(%d)\n", n)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "var d%d = 0\n", i)
	}
	b.WriteString("always " + tpcAgree(n, "||") + "\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "place part%d on P%d\n", i, i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
proc part%[1]d() {
    recv prep%[1]d
    either { send votes, 1 } or { send votes, 0 }
    d%[1]d = recv dec%[1]d
}
`, i)
	}
	b.WriteString("\nproc main() {\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    let h%d = spawn part%d()\n", i, i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    send prep%d, 1\n", i)
	}
	b.WriteString(`    let yes = 0
    for i in 0..N {
        let v = recv votes
        yes += v
    }
    let dec = 1
    if yes == N { dec = 2 }
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    send dec%d, dec\n", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    join h%d\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

// tpcAgree: no two participants decided differently. Decisions are 0 (not
// yet), 1 (abort) or 2 (commit), so that is: not (some aborted and some
// committed), linear in N (the pairwise form, quadratic, made the invariant
// 40 % of deck's time at N = 6).
func tpcAgree(n int, or string) string {
	var ab, co []string
	for i := 0; i < n; i++ {
		ab = append(ab, fmt.Sprintf("d%d == 1", i))
		co = append(co, fmt.Sprintf("d%d == 2", i))
	}
	return fmt.Sprintf("!((%s) && (%s))", strings.Join(ab, " "+or+" "), strings.Join(co, " "+or+" "))
}

// send and recv on a link, ordered or unordered.
func linkOps(unordered bool) (send, recv, poll string) {
	if unordered {
		return "!!", "??", "??"
	}
	return "!", "?", "?"
}

func tpcPml(n int, unordered bool) string {
	snd, rcv, poll := linkOps(unordered)
	var b strings.Builder
	net := "ordered: each link is a FIFO channel, delivered from its head"
	if unordered {
		net = "unordered: each link is a sorted channel (a multiset), any message of it may be delivered"
	}
	fmt.Fprintf(&b, "/* Two-phase commit across %d participants, each on its own node; the\n", n)
	fmt.Fprintf(&b, "   coordinator (init) on home. Network %s. */\n", net)
	fmt.Fprintf(&b, "/* %s */\n\n#define N %d\n\n", header, n)
	b.WriteString("mtype = { START, PREP, DEC, VOTE, DONE };\n\n")
	b.WriteString("/* the network: one channel per link, holding the messages in flight */\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "chan l_h_p%d = [3] of { mtype, byte };   /* home -> P%d: start, prepare, decision */\n", i, i)
		fmt.Fprintf(&b, "chan l_p%d_h = [2] of { mtype, byte };   /* P%d -> home: vote, done */\n", i, i)
	}
	b.WriteString("\n/* deck's channels, on their receivers' nodes */\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "chan prep%d = [1] of { byte };\nchan dec%d = [1] of { byte };\n", i, i)
	}
	b.WriteString("chan votes = [N] of { byte };\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "byte d%d = 0;\n", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "bit done%d = 0;   /* part%d's done message delivered: join h%d may go on */\n", i, i, i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "bit started%d = 0;   /* part%d's start message delivered */\n", i, i)
	}
	b.WriteString("/* The participants are active processes, each waiting for its start\n   message: created by the delivery (run), they would get process numbers\n   in delivery order and Spin would store every order as another state. */\n")
	fmt.Fprintf(&b, "\n#define AGREE (%s)\n", tpcAgree(n, "||"))
	b.WriteString("/* always AGREE: d0.. change only in the d_steps that assert it */\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
active proctype part%[1]d() {                   /* exists from the start, like deck's stack record */
    byte t;
    atomic { started%[1]d && nempty(prep%[1]d) -> prep%[1]d?_ }   /* recv prep%[1]d, once started */
    if                                          /* either: vote yes or no */
    :: l_p%[1]d_h%[2]sVOTE,1
    :: l_p%[1]d_h%[2]sVOTE,0
    fi;
    dec%[1]d?t;                                   /* t = recv dec%[1]d */
    d_step { d%[1]d = t; t = 0; assert(AGREE) };  /* d%[1]d = t */
    l_p%[1]d_h%[2]sDONE,0                           /* return: done message to home */
}
`, i, snd)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
active proctype net_h_p%[1]d() {                 /* delivers link home -> P%[1]d */
    byte v;
end:
    do
    :: atomic { l_h_p%[1]d%[2]sSTART,_ -> started%[1]d = 1 }  /* part%[1]d may take its first card */
    :: atomic { nfull(prep%[1]d) && l_h_p%[1]d%[3]s[PREP,_] -> l_h_p%[1]d%[2]sPREP,v; prep%[1]d!v; v = 0 }
    :: atomic { nfull(dec%[1]d) && l_h_p%[1]d%[3]s[DEC,_] -> l_h_p%[1]d%[2]sDEC,v; dec%[1]d!v; v = 0 }
    od
}

active proctype net_p%[1]d_h() {                 /* delivers link P%[1]d -> home */
    byte v;
end:
    do
    :: atomic { nfull(votes) && l_p%[1]d_h%[3]s[VOTE,_] -> l_p%[1]d_h%[2]sVOTE,v; votes!v; v = 0 }
    :: atomic { l_p%[1]d_h%[2]sDONE,_ -> done%[1]d = 1 }
    od
}
`, i, rcv, poll)
	}
	b.WriteString("\ninit {\n    byte yes = 0, i = 0, v, dec;\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    l_h_p%d%sSTART,0;                            /* h%d = spawn part%d(): start message */\n", i, snd, i, i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    l_h_p%d%sPREP,1;                             /* send prep%d, 1 */\n", i, snd, i)
	}
	b.WriteString(`    do
    :: i < N ->
        votes?v;                                /* v = recv votes */
        d_step { yes = yes + v; v = 0 };        /* yes += v */
        i++
    :: else -> break
    od;
    atomic { if :: yes == N -> dec = 2 :: else -> dec = 1 fi; yes = 0; i = 0 };
`)
	for i := 0; i < n; i++ {
		if i == n-1 {
			fmt.Fprintf(&b, "    atomic { l_h_p%d%sDEC,dec; dec = 0 };           /* send dec%d, dec */\n", i, snd, i)
		} else {
			fmt.Fprintf(&b, "    l_h_p%d%sDEC,dec;                            /* send dec%d, dec */\n", i, snd, i)
		}
	}
	for i := 0; i < n; i++ {
		sep := ";"
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    done%d == 1%s                                 /* join h%d */\n", i, sep, i)
	}
	b.WriteString("}\n")
	return b.String()
}

// ---- ping-pong across two nodes ----

func pingDeck(k int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Ping-pong across two nodes: main (on home) and a player (on B) pass a ball\n")
	fmt.Fprintf(&b, "// back and forth %d times over two channels, adding 1 at every pass.\n", k)
	fmt.Fprintf(&b, "// %s\n\nconst K = %d\n\nchan ping(1)\nchan pong(1)\n\nplace player on B\n", header, k)
	b.WriteString(`
proc player() {
    for i in 0..K {
        let ball = recv ping
        send pong, ball + 1
    }
}

proc main() {
    let p = spawn player()
    let ball = 0
    for i in 0..K {
        send ping, ball + 1
        ball = recv pong
    }
    join p
    assert ball == 2 * K, "the ball was lost"
}
`)
	return b.String()
}

func pingPml(k int, unordered bool) string {
	snd, rcv, poll := linkOps(unordered)
	net := "ordered: each link is a FIFO channel, delivered from its head"
	if unordered {
		net = "unordered: each link is a sorted channel (a multiset), any message of it may be delivered"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "/* Ping-pong across two nodes: init (on home) and a player (on B) pass a ball\n")
	fmt.Fprintf(&b, "   back and forth %d times. Network %s. */\n", k, net)
	fmt.Fprintf(&b, "/* %s */\n\n#define K %d\n\n", header, k)
	b.WriteString("mtype = { START, PING, PONG, DONE };\n\n")
	b.WriteString("chan l_h_b = [2] of { mtype, int };   /* home -> B: start, ping */\n")
	b.WriteString("chan l_b_h = [2] of { mtype, int };   /* B -> home: pong, done */\n")
	b.WriteString("chan ping = [1] of { int };           /* on B */\nchan pong = [1] of { int };           /* on home */\n")
	b.WriteString("bit done_b = 0;                       /* player's done message delivered */\n")
	b.WriteString("bit started = 0;                      /* player's start message delivered */\n")
	fmt.Fprintf(&b, `
active proctype player() {                     /* waits for its start message */
    int i = 0, ball;
    do
    :: i < K ->
        atomic { started && nempty(ping) -> ping?ball };   /* ball = recv ping */
        atomic { l_b_h%[1]sPONG,ball + 1; ball = 0 };  /* send pong, ball + 1 */
        i++
    :: else -> break
    od;
    l_b_h%[1]sDONE,0                               /* return: done message */
}

active proctype net_h_b() {
    int v;
end:
    do
    :: atomic { l_h_b%[2]sSTART,_ -> started = 1 }
    :: atomic { nfull(ping) && l_h_b%[3]s[PING,_] -> l_h_b%[2]sPING,v; ping!v; v = 0 }
    od
}

active proctype net_b_h() {
    int v;
end:
    do
    :: atomic { nfull(pong) && l_b_h%[3]s[PONG,_] -> l_b_h%[2]sPONG,v; pong!v; v = 0 }
    :: atomic { l_b_h%[2]sDONE,_ -> done_b = 1 }
    od
}

init {
    int ball = 0, i = 0;
    l_h_b%[1]sSTART,0;                     /* p = spawn player() */
    do
    :: i < K ->
        l_h_b%[1]sPING,ball + 1;           /* send ping, ball + 1 */
        pong?ball;                       /* ball = recv pong */
        i++
    :: else -> break
    od;
    done_b == 1;                         /* join p */
    assert(ball == 2 * K)
}
`, snd, rcv, poll)
	return b.String()
}

// ---- two-phase commit at Stateright's granularity ----

// tpcsrDeck writes the TLA+ two-phase commit (Gray and Lamport) that
// Stateright's example checks, one deck stack per action: each stack loops
// over one guarded atomic block, so a state at rest is exactly the spec's
// state (plus the program counters, which are always at the atomic block
// once a stack has moved). Messages are a set that only grows, as in the
// spec: msgPrepared[i], msgCommit, msgAbort. main spawns the other actions'
// stacks and then runs TMAbort itself.
func tpcsrDeck(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "// Two-phase commit with %d resource managers at the granularity of the TLA+\n", n)
	b.WriteString("// spec (and Stateright's model of it): every action of the spec is one\n")
	b.WriteString("// guarded atomic block, looping on a stack of its own. One node.\n")
	b.WriteString("// rm[i]: 0 working, 1 prepared, 2 committed, 3 aborted; tm: 0 init,\n")
	b.WriteString("// 1 committed, 2 aborted. Messages are a set that only grows.\n")
	fmt.Fprintf(&b, "// %s\n\nconst N = %d\n\n", header, n)
	b.WriteString("var rm[N]\nvar tm = 0\nvar tmPrepared[N]\nvar msgPrepared[N]\nvar msgCommit = 0\nvar msgAbort = 0\n")
	var cons []string
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				cons = append(cons, fmt.Sprintf("!(rm[%d] == 2 && rm[%d] == 3)", i, j))
			}
		}
	}
	b.WriteString("always " + strings.Join(cons, " && ") + "   // consistent: none committed while another aborted\n")
	type act struct{ name, body string }
	var acts []act
	for i := 0; i < n; i++ {
		acts = append(acts,
			act{fmt.Sprintf("rmPrepare%d", i), fmt.Sprintf("await rm[%d] == 0; rm[%d] = 1; msgPrepared[%d] = 1", i, i, i)},
			act{fmt.Sprintf("rmChooseToAbort%d", i), fmt.Sprintf("await rm[%d] == 0; rm[%d] = 3", i, i)},
			act{fmt.Sprintf("rmRcvCommitMsg%d", i), fmt.Sprintf("await msgCommit == 1; rm[%d] = 2", i)},
			act{fmt.Sprintf("rmRcvAbortMsg%d", i), fmt.Sprintf("await msgAbort == 1; rm[%d] = 3", i)})
	}
	for i := 0; i < n; i++ {
		acts = append(acts, act{fmt.Sprintf("tmRcvPrepared%d", i), fmt.Sprintf("await tm == 0 && msgPrepared[%d] == 1; tmPrepared[%d] = 1", i, i)})
	}
	var all []string
	for i := 0; i < n; i++ {
		all = append(all, fmt.Sprintf("tmPrepared[%d] == 1", i))
	}
	acts = append(acts,
		act{"tmCommit", "await tm == 0 && " + strings.Join(all, " && ") + "; tm = 1; msgCommit = 1"},
		act{"tmAbort", "await tm == 0; tm = 2; msgAbort = 1"})
	for _, a := range acts {
		fmt.Fprintf(&b, "\nproc %s() {\n    while true {\n        atomic { %s }\n    }\n}\n", a.name, a.body)
	}
	b.WriteString("\nproc main() {\n")
	for _, a := range acts[:len(acts)-1] {
		fmt.Fprintf(&b, "    spawn %s()\n", a.name)
	}
	b.WriteString("    tmAbort()\n}\n")
	return b.String()
}
