//go:build linux

package doctor

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// staUnsync is the kernel's "clock not synchronised" status bit.
const staUnsync = 0x0040

// kernelSync reads the clock's state with adjtimex (read only), as
// timedatectl's "System clock synchronized" does.
func kernelSync() (ClockSync, error) {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return ClockSync{}, err
	}
	return ClockSync{
		Synced:   state != unix.TIME_ERROR && tx.Status&staUnsync == 0,
		MaxError: time.Duration(tx.Maxerror) * time.Microsecond,
	}, nil
}

func statFS(path string) (free, total int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0, err
	}
	return int64(st.Bavail) * st.Bsize, int64(st.Blocks) * st.Bsize, nil
}
