//go:build !linux

package doctor

import "errors"

func kernelSync() (ClockSync, error) {
	return ClockSync{}, errors.New("the clock's state is read on Linux only")
}

func statFS(string) (int64, int64, error) {
	return 0, 0, errors.New("free space is read on Linux only")
}
