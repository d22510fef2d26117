package node

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill a node process when the coordinator
// dies, so that no node outlives its run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
