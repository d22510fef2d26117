package main

// BEEM's two discrete-time mutual exclusion models, at (Alur–Taubenfeld)
// and fischer (Fischer's protocol). BEEM models time with a Timer process
// and a clock t[i] per process: 255 is "no deadline", a process sets t[i]
// when it enters a control state, and the Timer ticks (decrements every
// running clock at once) only while no clock is 0, so a process whose clock
// reached 0 must move before time goes on (an upper bound), and a guard
// t[i] == 0 waits for a delay to pass (a lower bound). The time is part of
// the state, so both twins keep it: the deck twin has the same Timer
// process, one guarded atomic card per tick.

import (
	"fmt"
	"strconv"
	"strings"
)

// joinf joins f(0), ..., f(n-1) with sep.
func joinf(n int, sep string, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, sep)
}

// timerDeck is the deck twin of BEEM's Timer process over the clocks t[0..n).
func timerDeck(n int) string {
	return fmt.Sprintf(`proc Timer() {
    while true {
        atomic {                                         // q: one tick, while no clock is 0
            await %s
%s
        }
    }
}

`, joinf(n, " && ", func(i int) string { return fmt.Sprintf("t[%d] != 0", i) }),
		joinf(n, "\n", func(i int) string { return fmt.Sprintf("            if t[%d] != 255 { t[%d] = t[%d] - 1 }", i, i, i) }))
}

// timerPml is BEEM's Timer proctype and the init that sets the clocks to
// 255 and runs every process, as BEEM's generated at.4.prom and
// fischer.6.prom have them.
func timerPml(b *strings.Builder, n int) {
	b.WriteString("init { \n d_step { \n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(b, "t[%d] =255; ", i)
	}
	b.WriteString("}\natomic { \nrun Timer();\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(b, "run P_%d();\n", i)
	}
	b.WriteString("} }\n\nproctype Timer() { \n\nq: if\n::  d_step {")
	b.WriteString(joinf(n, " && ", func(i int) string { return fmt.Sprintf("t[%d]!=0", i) }))
	b.WriteString(";")
	for i := 0; i < n; i++ {
		fmt.Fprintf(b, "t[%d] = (t[%d]-1)|((t[%d]==255)*255);", i, i, i)
	}
	b.WriteString("}  goto q; \n\nfi;\n}\n\n")
}

// spawnTimed is main's body for the timed models: the Timer and every
// process start in one card.
func spawnTimed(b *strings.Builder, n int) {
	spawnAll(b, n, "        spawn Timer()\n")
}

// ---- at (BEEM at.*: Alur and Taubenfeld's fast timed mutual exclusion) ----

func atDeck(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `// BEEM at: Alur and Taubenfeld's timed mutual exclusion for N = %d processes,
// in BEEM's discrete time (a Timer process and a clock t[i] per process,
// 255 = no deadline; the delays 1 and 3 are those of BEEM's at.4).
// 255 is BEEM's "nobody" for y.
// %s

const N = %d

var x = 0
var y = 255
var z = 0
var t[N] = 255

`, n, header, n)
	b.WriteString(timerDeck(n))
	b.WriteString(`proc P(me) {
    let c = 0
    while true {
        atomic { x = me; t[me] = 255 }                   // NCS
        atomic { await y == 255; t[me] = 1 }             // p3
        atomic { y = me; t[me] = 1 }                     // p4
        atomic { c = 0; if x == me { t[me] = 1; c = 1 } else { t[me] = 3 } }   // p5: -> p9 | p6
        if c == 0 {
            atomic { await t[me] == 0; t[me] = 1 }       // p6: the delay
            atomic { c = 0; if y != me { t[me] = 1 } else { t[me] = 255; c = 2 } }   // p7: -> NCS | p8
            if c == 2 {
                await z == 0                             // p8 -> CS
            }
        } else {
            atomic { z = 1; t[me] = 255 }                // p9 -> CS
        }
        if c != 0 {
            atomic { z = 0; t[me] = 1 }                  // CS
            atomic { c = 0; if y == me { t[me] = 1; c = 1 } else { t[me] = 255 } }   // p12: -> p13 | NCS
            if c == 1 {
                atomic { y = 255; t[me] = 255 }          // p13
            }
        }
    }
}

`)
	spawnTimed(&b, n)
	return b.String()
}

func atPml(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* BEEM at, N = %d: BEEM's generated Promela (at.4.prom, N = 5) for any N. */\n/* %s */\n", n, header)
	fmt.Fprintf(&b, "byte x=0;\nbyte y=255;\nbyte z=0;\nbyte t[%d];\n\n\n", n)
	timerPml(&b, n)
	for i := 0; i < n; i++ {
		r := strings.NewReplacer("$I", strconv.Itoa(i))
		b.WriteString(r.Replace(`proctype P_$I() { 

NCS: if
::  d_step {x = $I;t[$I] = 255;}  goto p3; 

fi;
p3: if
::  d_step {y==255;t[$I] = 1;}  goto p4; 

fi;
p4: if
::  d_step {y = $I;t[$I] = 1;}  goto p5; 

fi;
p5: if
::  d_step {x==$I;t[$I] = 1;}  goto p9; 

::  d_step {x!=$I;t[$I] = 3;}  goto p6; 

fi;
p6: if
::  d_step {t[$I]==0;t[$I] = 1;}  goto p7; 

fi;
p7: if
::  d_step {y!=$I;t[$I] = 1;}  goto NCS; 

::  d_step {y==$I;t[$I] = 255;}  goto p8; 

fi;
p8: if
:: z==0; goto CS; 

fi;
p9: if
::  d_step {z = 1;t[$I] = 255;}  goto CS; 

fi;
CS: if
::  d_step {z = 0;t[$I] = 1;}  goto p12; 

fi;
p12: if
::  d_step {y!=$I;t[$I] = 255;}  goto NCS; 

::  d_step {y==$I;t[$I] = 1;}  goto p13; 

fi;
p13: if
::  d_step {y = 255;t[$I] = 255;}  goto NCS; 

fi;
p2: 
 false; }

`))
	}
	return b.String()
}

// ---- fischer (BEEM fischer.*: Fischer's timed mutual exclusion) ----

func fischerDeck(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `// BEEM fischer: Fischer's timed mutual exclusion for N = %d processes, in
// BEEM's discrete time (a Timer process and a clock t[i] per process,
// 255 = no deadline; the bounds 2 and 3 are those of BEEM's fischer.6).
// id = 0: free; id = i + 1: process i.
// %s

const N = %d

var id = 0
var t[N] = 255

`, n, header, n)
	b.WriteString(timerDeck(n))
	b.WriteString(`proc P(me) {
    while true {
        atomic { await id == 0; t[me] = 2 }              // NCS: at most 2 ticks to try
        atomic { t[me] = 3; id = me + 1 }                // try: then wait 3 ticks
        atomic { await t[me] == 0; t[me] = 255 }         // wait: the delay
        either {                                         // wait: t[me] is 255 here
            await t[me] == 255 && id == me + 1
            id = 0                                       // CS
        } or {
            await id != me + 1 && t[me] == 255           // -> NCS
        }
    }
}

`)
	spawnTimed(&b, n)
	return b.String()
}

func fischerPml(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* BEEM fischer, N = %d: BEEM's generated Promela (fischer.6.prom, N = 8) for any N. */\n/* %s */\n", n, header)
	fmt.Fprintf(&b, "byte id=0;\nbyte t[%d];\n\n\n", n)
	timerPml(&b, n)
	for i := 0; i < n; i++ {
		r := strings.NewReplacer("$I", strconv.Itoa(i))
		b.WriteString(r.Replace(`proctype P_$I() { 

NCS: if
::  d_step {id==0;t[$I] = 2;}  goto try; 

fi;
try: if
::  d_step {t[$I] = 3;id = $I+1;}  goto wait; 

fi;
wait: if
::  d_step {t[$I]==0;t[$I] = 255;}  goto wait; 

:: t[$I]==255 && id==$I+1; goto CS; 

:: id!=$I+1 && t[$I]==255; goto NCS; 

fi;
CS: if
:: id = 0; goto NCS; 

fi;
}

`))
	}
	return b.String()
}
