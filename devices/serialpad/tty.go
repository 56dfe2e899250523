package serialpad

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openTTY opens a serial line, raw: no echo, no line editing, no
// translation of bytes, 8 bits, and 115200 baud (a CDC-ACM pad ignores the
// rate; a UART bridge needs it).
func openTTY(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("open pad %s: %w (is it plugged in? the agent's user needs the dialout group)", path, err)
	}
	if err := makeRawFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("set pad %s raw: %w (is it a serial line?)", path, err)
	}
	return f, nil
}

// MakeRaw puts the terminal fd in raw mode, like cfmakeraw(3).
func MakeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CLOCAL | unix.CREAD | unix.B115200
	t.Ispeed, t.Ospeed = unix.B115200, unix.B115200
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// makeRawFile is MakeRaw without f.Fd, which would put the line in
// blocking mode and so make read deadlines (a cancelled Sign) not work.
func makeRawFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	if err := rc.Control(func(fd uintptr) { rerr = MakeRaw(int(fd)) }); err != nil {
		return err
	}
	return rerr
}
