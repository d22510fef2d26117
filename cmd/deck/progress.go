package main

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// How long work runs before poll first shows its line, and how often it
// redraws it. Work that ends sooner never shows a line.
var (
	progressDelay = 500 * time.Millisecond
	progressEvery = 250 * time.Millisecond
)

// poll shows text() on the line, first after progressDelay and then every
// progressEvery, until the returned function is called; that function
// clears the line. text is called from another goroutine.
func (pl *progressLine) poll(text func() string) (end func()) {
	if !pl.on {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTimer(progressDelay)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				pl.show(text())
				t.Reset(progressEvery)
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
		pl.clear()
	}
}

// countingWriter counts the bytes written through it, for a progress line
// to read while they are written.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	return n, err
}
