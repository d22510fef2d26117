package check

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// DefaultMaxMemory is the memory budget of a search when Options.MaxMemory
// is 0: half of the physical memory (MemTotal in /proc/meminfo), or of the
// cgroup limit when that is lower, and at most 64 GiB. Where neither can be
// read it is 4 GiB. The budget covers the visited set, the parent records,
// the level table and the queued states, and with Options.MemoryBase (as
// deck check sets it) what the process held before the search: the other
// half is left to the rest of the machine.
func DefaultMaxMemory() int64 {
	const fallback = 4 << 30
	total := memTotal()
	if lim := cgroupLimit(); lim > 0 && (total == 0 || lim < total) {
		total = lim
	}
	if total <= 0 {
		return fallback
	}
	return min(total/2, 64<<30)
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

func cgroupLimit() int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 || v > 1<<50 {
			return 0
		}
		return v
	}
	return 0
}
