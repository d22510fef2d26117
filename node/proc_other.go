//go:build !linux

package node

import "os/exec"

// dieWithParent does nothing where the kernel cannot tie a child's life to
// its parent's; a node still quits when its bus connection closes.
func dieWithParent(cmd *exec.Cmd) {}
