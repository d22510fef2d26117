package main

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// TestServe starts deck serve on a free port of 127.0.0.1, fetches the page
// and the gallery, and stops it with an interrupt. The first line printed
// is the address.
func TestServe(t *testing.T) {
	te := newTestEnv()
	ready := make(chan string, 1)
	serveReady = func(addr string) { ready <- addr }
	defer func() { serveReady = nil }()
	code := make(chan int)
	go func() { code <- run(&te.env, []string{"serve"}) }()
	addr := <-ready
	<-te.watching
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("listening on %s, want 127.0.0.1", addr)
	}
	for _, path := range []string{"/", "/api/examples"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d, %d bytes", path, resp.StatusCode, len(body))
		}
	}
	te.sig <- os.Interrupt
	if c := <-code; c != exitOK {
		t.Errorf("exit status %d, stderr %s", c, te.stderr.String())
	}
	first, _, _ := strings.Cut(te.stdout.String(), "\n")
	if first != "http://"+addr+"/" {
		t.Errorf("first line %q, want http://%s/", first, addr)
	}
	if c := run(&newTestEnv().env, []string{"serve", "x.deck"}); c != exitUsage {
		t.Errorf("deck serve FILE: status %d", c)
	}
}
