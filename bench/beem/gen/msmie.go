package main

// BEEM msmie: the multiprocessor shared-memory information exchange
// protocol (MSMIE, Santoline et al.). Slaves write data into a pool of
// buffers and masters read it, all under one semaphore. A buffer is 0
// (free), 1 (full, the newest data), 2 (being written by the slaves) or 3
// (being read by the masters). BEEM's generated Promela (msmie.4.prom: 10
// slaves, 10 masters, 5 buffers) is generated from a DVE model whose
// masters test and change b[0] where the DVE model meant each buffer
// (no_readers, chnlge); the twins keep that, so a master can wait forever
// at chnlge holding the semaphore, and the model deadlocks (as BEEM's does).

import (
	"fmt"
	"strings"
)

// align moves a trailing // comment of line to column 57, the column of
// the models' comments (or one space after a longer statement).
func align(line string) string {
	code, comment, ok := strings.Cut(line, "//")
	if !ok {
		return line
	}
	code = strings.TrimRight(code, " ")
	return code + strings.Repeat(" ", max(1, 57-len(code))) + "//" + comment
}

// msmieEither is a guarded either over the buffers: one branch per buffer i,
// `atomic { await b[i] == from; b[i] = to }` (Promela's
// `d_step {b[i]==from; b[i] = to}`: the test, the choice and the write are
// one card), and a last branch guarded by "no buffer is from", whose
// effect, if any, is in the same card (an atomic block: Promela's
// `d_step {none; effect}`), followed by after (lines, or nothing).
func msmieEither(b *strings.Builder, nb, from, to int, indent, comment, effect string, after ...string) {
	fmt.Fprintf(b, "%seither {%s\n", indent, comment)
	for i := 0; i < nb; i++ {
		if i > 0 {
			fmt.Fprintf(b, "%s} or {\n", indent)
		}
		extra := ""
		if to == 3 {
			extra = "; m = 1"
		}
		fmt.Fprintf(b, "%s    atomic { await b[%d] == %d; b[%d] = %d%s }\n", indent, i, from, i, to, extra)
	}
	none := joinf(nb, " && ", func(i int) string { return fmt.Sprintf("b[%d] != %d", i, from) })
	if effect == "" {
		fmt.Fprintf(b, "%s} or {\n%s    await %s\n", indent, indent, none)
	} else {
		fmt.Fprintf(b, "%s} or {\n%s    atomic { await %s; %s }\n", indent, indent, none, effect)
	}
	for _, l := range after {
		fmt.Fprintf(b, "%s\n", align(indent+"    "+l))
	}
	fmt.Fprintf(b, "%s}\n", indent)
}

func msmieDeck(ns, nm, nb int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `// BEEM msmie: the multiprocessor shared-memory information exchange protocol
// with S = %d slaves, M = %d masters and B = %d buffers (0 free, 1 full,
// 2 being written, 3 being read), as BEEM's generated Promela has it: its
// masters test and change b[0] at no_readers and chnlge, and can deadlock.
// bsem is BEEM's sem (a reserved word in deck).
// %s

const B = %d

var b[B]
var readers = 0
var bsem = 1
var chnlge_to = 0

proc Slave() {
    while true {
        atomic { await bsem == 1; bsem = 0 }             // idle
`, ns, nm, nb, header, nb)
	msmieEither(&b, nb, 1, 0, "        ", "                                         // q0: empty the full buffer, if any", "")
	msmieEither(&b, nb, 2, 1, "        ", "                                         // q1: the written buffer is full", "", "await false // error_state")
	msmieEither(&b, nb, 0, 2, "        ", "                                         // q2: take a free buffer to write", "", "await false // error_state")
	b.WriteString(`        bsem = 1                                         // q3
    }
}

proc Master() {
    let m = 0
    while true {
        atomic { await bsem == 1; bsem = 0 }             // idle
        either {                                         // q0
            await `)
	b.WriteString(joinf(nb, " || ", func(i int) string { return fmt.Sprintf("b[%d] == 3", i) }))
	b.WriteString(`
            m = 1                                        // -> master
        } or {
            await `)
	b.WriteString(joinf(nb, " && ", func(i int) string { return fmt.Sprintf("b[%d] != 3", i) }))
	b.WriteString(" // -> no_master\n")
	msmieEither(&b, nb, 1, 3, "            ", "                                     // no_master: read the full buffer (the last branch: -> idle)", "bsem = 1; m = 0")
	b.WriteString(`        }
        if m == 1 {
            atomic { readers = readers + 1; bsem = 1 }   // master
            atomic { await bsem == 1; bsem = 0; readers = readers - 1 }   // reading
            either {                                     // r0
                await readers == 0
                atomic { if b[0] == 1 { chnlge_to = 0 } else { chnlge_to = 1 } }   // no_readers
                atomic { await b[0] == 3; b[0] = chnlge_to }                       // chnlge
            } or {
                await readers > 0
            }
            bsem = 1                                     // r1
        }
    }
}

proc main() {
    atomic {
        b[B - 1] = 2
`)
	for i := 0; i < ns; i++ {
		b.WriteString("        spawn Slave()\n")
	}
	for i := 0; i < nm; i++ {
		b.WriteString("        spawn Master()\n")
	}
	b.WriteString("    }\n}\n")
	return b.String()
}

// msmieOptions is one Promela option per buffer i, "d_step {b[i]==from;b[i] = to;}  goto next; ",
// and the option "none is from" that goes to other with effect (or none).
func msmieOptions(b *strings.Builder, nb, from, to int, next, effect, other string) {
	for i := 0; i < nb; i++ {
		fmt.Fprintf(b, "::  d_step {b[%d]==%d;b[%d] = %d;}  goto %s; \n\n", i, from, i, to, next)
	}
	none := joinf(nb, " && ", func(i int) string { return fmt.Sprintf("b[%d]!=%d", i, from) })
	if effect == "" {
		fmt.Fprintf(b, ":: %s; goto %s; \n\n", none, other)
	} else {
		fmt.Fprintf(b, "::  d_step {%s;%s}  goto %s; \n\n", none, effect, other)
	}
}

func msmiePml(ns, nm, nb int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* BEEM msmie, S = %d, M = %d, B = %d: BEEM's generated Promela (msmie.4.prom: S = M = 10, B = 5) for any S, M, B. */\n/* %s */\n", ns, nm, nb, header)
	fmt.Fprintf(&b, "byte b[%d];\nbyte readers=0;\nbyte sem=1;\nbyte chnlge_to=0;\n\n\ninit { \n d_step { \n", nb)
	for i := 0; i < nb; i++ {
		v := 0
		if i == nb-1 {
			v = 2
		}
		fmt.Fprintf(&b, "b[%d] =%d; ", i, v)
	}
	b.WriteString("}\natomic { \n")
	for i := 1; i <= ns; i++ {
		fmt.Fprintf(&b, "run slave_%d();\n", i)
	}
	for i := 1; i <= nm; i++ {
		fmt.Fprintf(&b, "run master_%d();\n", i)
	}
	b.WriteString("} }\n\n")
	for s := 1; s <= ns; s++ {
		fmt.Fprintf(&b, "proctype slave_%d() { \n\nidle: if\n::  d_step {sem==1;sem = 0;}  goto q0; \n\nfi;\nq0: if\n", s)
		msmieOptions(&b, nb, 1, 0, "q1", "", "q1")
		b.WriteString("fi;\nq1: if\n")
		msmieOptions(&b, nb, 2, 1, "q2", "", "error_state")
		b.WriteString("fi;\nq2: if\n")
		msmieOptions(&b, nb, 0, 2, "q3", "", "error_state")
		b.WriteString("fi;\nq3: if\n:: sem = 1; goto idle; \n\nfi;\nerror_state: \n false; }\n\n")
	}
	for m := 1; m <= nm; m++ {
		fmt.Fprintf(&b, "proctype master_%d() { \n\nidle: if\n::  d_step {sem==1;sem = 0;}  goto q0; \n\nfi;\nq0: if\n", m)
		for i := 0; i < nb; i++ {
			fmt.Fprintf(&b, ":: b[%d]==3; goto master; \n\n", i)
		}
		fmt.Fprintf(&b, ":: %s; goto no_master; \n\nfi;\nno_master: if\n", joinf(nb, " && ", func(i int) string { return fmt.Sprintf("b[%d]!=3", i) }))
		msmieOptions(&b, nb, 1, 3, "master", "sem = 1;", "idle")
		b.WriteString("fi;\nmaster: if\n::  d_step {readers = readers+1;sem = 1;}  goto reading; \n\nfi;\n")
		b.WriteString("reading: if\n::  d_step {sem==1;sem = 0;readers = readers-1;}  goto r0; \n\nfi;\n")
		b.WriteString("r0: if\n:: readers==0; goto no_readers; \n\n:: readers>0; goto r1; \n\nfi;\n")
		fmt.Fprintf(&b, "no_readers: if\n::  d_step {%s;chnlge_to = 0;}  goto chnlge; \n\n", joinf(nb, " || ", func(int) string { return "b[0]==1" }))
		fmt.Fprintf(&b, "::  d_step {%s;chnlge_to = 1;}  goto chnlge; \n\nfi;\nchnlge: if\n", joinf(nb, " && ", func(int) string { return "b[0]!=1" }))
		for i := 0; i < nb; i++ {
			b.WriteString("::  d_step {b[0]==3;b[0] = chnlge_to;}  goto r1; \n\n")
		}
		b.WriteString("fi;\nr1: if\n:: sem = 1; goto idle; \n\nfi;\n}\n\n")
	}
	return b.String()
}
