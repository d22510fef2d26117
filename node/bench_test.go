package node_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/deck-lang/deck/node"
)

// BenchmarkStartup measures how long a 3-node run takes to have every node
// process up and joined (the binary already built).
func BenchmarkStartup(b *testing.B) {
	src := `
proc a() { print "a" }
proc c() { print "c" }
proc main() {
    let x = spawn a()
    let y = spawn c()
    join x; join y
}
`
	p := placedB(b, src, "a=A,c=C")
	file := writeB(b, src)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "a=A,c=C", file}, Timeout: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		total += res.Startup
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/startup")
}

// BenchmarkRendezvousRoundTrip passes a ball over two rendezvous channels
// between two nodes: one round trip is two sends, each with its
// acknowledgement.
func BenchmarkRendezvousRoundTrip(b *testing.B) {
	const trips = 2000
	src := fmt.Sprintf(`
chan ping
chan pong
var total = 0
proc player() {
    for i in 0..%d {
        let v = recv ping
        send pong, v + 1
    }
}
proc main() {
    spawn player()
    let ball = 0
    for i in 0..%d {
        send ping, ball
        ball = recv pong
    }
    total = ball
}
`, trips, trips)
	p := placedB(b, src, "player=Y")
	file := writeB(b, src)
	b.ResetTimer()
	var per time.Duration
	for i := 0; i < b.N; i++ {
		res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "player=Y", file}, Timeout: time.Minute})
		if err != nil || res.Runs[0].Outcome.Key() != fmt.Sprintf("total=%d", trips) {
			b.Fatalf("%v %v", err, res.Runs[0].Outcome.Key())
		}
		per += res.Runs[0].Elapsed / trips
	}
	b.ReportMetric(float64(per.Microseconds())/float64(b.N), "µs/roundtrip")
}

// BenchmarkThroughput sends values into a buffered channel on another
// node as fast as the receiver takes them.
func BenchmarkThroughput(b *testing.B) {
	const n = 50000
	src := fmt.Sprintf(`
chan c(1000)
var sum = 0
proc producer() {
    for i in 0..%d { send c, 1 }
}
proc main() {
    spawn producer()
    let s = 0
    for i in 0..%d {
        let v = recv c
        s += v
    }
    sum = s
}
`, n, n)
	p := placedB(b, src, "producer=Y")
	file := writeB(b, src)
	b.ResetTimer()
	var rate float64
	for i := 0; i < b.N; i++ {
		res, err := node.Run(p, node.Options{Exe: deckBin, NodeArgs: []string{"--place", "producer=Y", file}, Timeout: time.Minute})
		if err != nil || res.Runs[0].Outcome.Key() != fmt.Sprintf("sum=%d", n) {
			b.Fatalf("%v %+v", err, res.Runs[0])
		}
		rate += float64(n) / res.Runs[0].Elapsed.Seconds()
	}
	b.ReportMetric(rate/float64(b.N), "msgs/s")
}
