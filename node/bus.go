package node

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// UsageError is a mistake in what the caller asked for, found before any
// run started: a program that is not placed, a node that is not in the
// placement, a bus URL that is not one or that cannot be reached. deck
// exits with status 2 for it, as for any bad argument.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// CheckBusURL checks a --bus value as the NATS client reads it: one URL
// or several, comma-separated, each HOST:PORT or nats://, tls://, ws://
// or wss:// and a host.
func CheckBusURL(s string) error {
	for _, u := range strings.Split(s, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			return &UsageError{fmt.Sprintf("--bus %q: an empty URL", s)}
		}
		if !strings.Contains(u, "://") {
			u = "nats://" + u
		}
		pu, err := url.Parse(u)
		if err != nil {
			return &UsageError{fmt.Sprintf("--bus %q: %v", s, err)}
		}
		switch pu.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return &UsageError{fmt.Sprintf("--bus %q: a NATS URL is nats://HOST:PORT (or tls://, ws://, wss://), not %s://", s, pu.Scheme)}
		}
		if pu.Hostname() == "" {
			return &UsageError{fmt.Sprintf("--bus %q: no host", s)}
		}
	}
	return nil
}

// startBus starts an embedded NATS server on the loopback interface, on a
// free port, with no logging, no signal handlers and no JetStream, that
// only clients with token may use.
func startBus(token string) (*server.Server, error) {
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT,
		NoLog: true, NoSigs: true, Authorization: token,
		MaxPayload: 1 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("the embedded message bus: %v", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("the embedded message bus did not start")
	}
	return ns, nil
}

// connect connects to the bus. A dead bus fails fast: the client tries
// again a few times, not the default minute; closed is called once the
// connection is gone for good.
func connect(url, token, name string, closed func()) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(5),
		nats.ReconnectWait(200 * time.Millisecond),
		nats.Timeout(5 * time.Second),
		nats.ClosedHandler(func(*nats.Conn) {
			if closed != nil {
				closed()
			}
		}),
	}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, &UsageError{fmt.Sprintf("cannot reach the message bus at %s: %v", url, err)}
	}
	return nc, nil
}

// randomID returns n random bytes in hex.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
