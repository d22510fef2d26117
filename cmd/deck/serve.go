package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/deck-lang/deck/web"
)

const serveHelp = `usage: deck serve [--addr HOST:PORT]

Serves the playground in the browser: the gallery's examples with goals,
an editor, you as the dealer (a button per move, undo, the full state),
and the checker's shortest counterexample played back card by card.
The first line printed is the address to open. Ctrl-C stops it.

--addr HOST:PORT  where to listen (default 127.0.0.1:0: this machine only,
                  on a free port)`

// serveReady, when set (by tests), receives the address once the server
// listens.
var serveReady func(addr string)

func cmdServe(e *env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	// A bad flag's message in deck's words, then the usage, once (and to
	// standard output alone for -h).
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	addr := fs.String("addr", "127.0.0.1:0", "where to listen")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, serveHelp)
			return exitOK
		}
		fmt.Fprintf(stderr, "deck serve: %v\n%s\n", err, serveHelp)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "deck serve: takes no FILE (pick a program in the page), got %q\n", fs.Arg(0))
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "deck serve: %v\n", err)
		return exitUsage
	}
	host := ln.Addr().(*net.TCPAddr)
	url := fmt.Sprintf("http://%s/", host)
	fmt.Fprintln(stdout, url)
	if !host.IP.IsLoopback() {
		fmt.Fprintf(stderr, "deck serve: listening on %s: other machines can reach the playground\n", host)
	}
	fmt.Fprintln(stdout, "deck playground: open the address above in a browser; Ctrl-C stops it")
	srv := &http.Server{Handler: web.New(web.Options{}), ReadHeaderTimeout: 10 * time.Second}
	stop, done := e.watch()
	defer done()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if serveReady != nil {
		serveReady(host.String())
	}
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "deck serve: %v\n", err)
		return exitUsage
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	return exitOK
}
