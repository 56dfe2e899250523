package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The file is a ustar archive in one canonical form: regular files only,
// mode 0444, owner 0, no user or group names, every entry with the same
// modification time, data padded with zeros to 512 bytes, two zero blocks
// at the end and nothing after them. archive/tar reads such files but skips
// padding and trailing bytes without looking; evidence needs every byte
// accounted for, so this package writes and reads the form itself.

const blockSize = 512

// Field offsets of a ustar header.
const (
	offName     = 0
	offMode     = 100
	offUID      = 108
	offGID      = 116
	offSize     = 124
	offMtime    = 136
	offChksum   = 148
	offType     = 156
	offMagic    = 257
	offVersion  = 263
	offDevMajor = 329
	offDevMinor = 337
	offPrefix   = 345
	endPrefix   = 500
)

// maxEntrySize bounds one entry's data (the largest of the files' bounds).
const maxEntrySize = MaxManifestSize

var errHeader = errors.New("not a valid entry header")

// tarHeader is what a canonical header holds.
type tarHeader struct {
	name  string
	size  int64
	mtime int64
}

// encode returns the canonical header block.
func (h tarHeader) encode() ([]byte, error) {
	if !validName(h.name) {
		return nil, fmt.Errorf("entry name %q: use lower-case letters, digits, '.', '-', '_' and '/'", h.name)
	}
	if h.size < 0 || h.size > maxEntrySize || h.mtime < 0 || h.mtime > 0o77777777777 {
		return nil, fmt.Errorf("entry %s: size %d or time %d out of bounds", h.name, h.size, h.mtime)
	}
	prefix, base, ok := splitName(h.name)
	if !ok {
		return nil, fmt.Errorf("entry name %q is too long for ustar", h.name)
	}
	b := make([]byte, blockSize)
	copy(b[offName:], base)
	putOctal(b[offMode:offUID], 0o444)
	putOctal(b[offUID:offGID], 0)
	putOctal(b[offGID:offSize], 0)
	putOctal(b[offSize:offMtime], h.size)
	putOctal(b[offMtime:offChksum], h.mtime)
	b[offType] = '0'
	copy(b[offMagic:], "ustar\x00")
	copy(b[offVersion:], "00")
	putOctal(b[offDevMajor:offDevMinor], 0)
	putOctal(b[offDevMinor:offPrefix], 0)
	copy(b[offPrefix:endPrefix], prefix)
	copy(b[offChksum:offType], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[offChksum:offType], fmt.Sprintf("%06o\x00 ", sum))
	return b, nil
}

// parseHeader reads a header block and accepts it only if it is exactly
// the canonical block for what it says.
func parseHeader(b []byte) (tarHeader, error) {
	if len(b) != blockSize || !bytes.Equal(b[offMagic:offMagic+8], []byte("ustar\x0000")) {
		return tarHeader{}, errHeader
	}
	var h tarHeader
	base, prefix := cstring(b[offName:offMode]), cstring(b[offPrefix:endPrefix])
	h.name = base
	if prefix != "" {
		h.name = prefix + "/" + base
	}
	var err1, err2 error
	h.size, err1 = parseOctal(b[offSize:offMtime])
	h.mtime, err2 = parseOctal(b[offMtime:offChksum])
	if err1 != nil || err2 != nil {
		return tarHeader{}, errHeader
	}
	want, err := h.encode()
	if err != nil || !bytes.Equal(want, b) {
		return tarHeader{}, errHeader
	}
	return h, nil
}

func putOctal(dst []byte, v int64) {
	s := strconv.FormatInt(v, 8)
	s = strings.Repeat("0", len(dst)-1-len(s)) + s
	copy(dst, s)
	dst[len(dst)-1] = 0
}

func parseOctal(b []byte) (int64, error) {
	if len(b) < 2 || b[len(b)-1] != 0 {
		return 0, errHeader
	}
	return strconv.ParseInt(string(b[:len(b)-1]), 8, 64)
}

func cstring(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// splitName splits a name into ustar's prefix (at most 155 bytes) and name
// (at most 100) at a slash.
func splitName(name string) (prefix, base string, ok bool) {
	if len(name) <= offMode {
		return "", name, true
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '/' && len(name)-i-1 <= offMode && i <= endPrefix-offPrefix {
			return name[:i], name[i+1:], len(name)-i-1 > 0
		}
	}
	return "", "", false
}

func validName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("./-_", c)
		if !ok {
			return false
		}
	}
	return true
}
