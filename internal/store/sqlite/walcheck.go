package sqlite

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// The write-ahead log's format ("WAL-mode File Format" in the SQLite
// documentation): a 32-byte header, then frames of a 24-byte frame header
// and one page each. All header fields are big-endian.
const (
	walHeaderSize      = 32
	walFrameHeaderSize = 24
	walMagic           = 0x377f0682 // | 1: the checksums read big-endian words
	walVersion         = 3007000
)

// WALReport is what Open found in the write-ahead log before SQLite read it.
//
// SQLite reads a log from its start and stops at the first frame that is not
// whole, whose salts differ from the header's or whose checksum fails; of the
// frames before that, it uses those up to the last commit. The rest of the
// file is ignored. Some ignored bytes are normal: frames of an earlier
// generation of the log (which SQLite restarts from its beginning once a
// checkpoint has copied every frame into the database, overwriting as far as
// it gets), and the frames of a transaction that a crash cut off before its
// commit.
type WALReport struct {
	// Bytes is the log's size; 0 if there is none.
	Bytes int64
	// PageSize is the page size the header names; 0 if the header is
	// invalid or missing.
	PageSize int
	// Frames is the number of frames SQLite accepts, up to the first it
	// rejects.
	Frames int
	// Commits is the number of transactions among them that committed:
	// what the log adds to the database file.
	Commits int
	// UsedBytes is the length of the part of the log SQLite uses: the header
	// and the frames up to the last commit.
	UsedBytes int64
	// Uncommitted is the number of accepted frames after the last commit:
	// a transaction cut off by a crash, which SQLite discards.
	Uncommitted int
	// Stale is the number of whole frames after the accepted ones that
	// belong to an earlier generation of the log (other salts).
	Stale int
	// Damage says why the log is damaged, or is empty if it is not: SQLite
	// would drop transactions that were committed.
	Damage string
}

// IgnoredBytes is the part of the log that SQLite ignores.
func (r WALReport) IgnoredBytes() int64 { return r.Bytes - r.UsedBytes }

// checkWAL reads the log at path and reports what SQLite will make of it.
// A missing log is an empty one.
func checkWAL(path string) (WALReport, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return WALReport{}, nil
	}
	if err != nil {
		return WALReport{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return WALReport{}, err
	}
	r, err := scanWAL(bufio.NewReaderSize(f, 64<<10), fi.Size())
	if err != nil {
		return WALReport{}, fmt.Errorf("read %s: %w", path, err)
	}
	return r, nil
}

// scanWAL walks a log of size bytes read from rd.
func scanWAL(rd io.Reader, size int64) (WALReport, error) {
	rep := WALReport{Bytes: size}
	if size < walHeaderSize {
		// A log is created with its header and first frame in one write:
		// a shorter file holds no transaction.
		return rep, nil
	}
	var hdr [walHeaderSize]byte
	if _, err := io.ReadFull(rd, hdr[:]); err != nil {
		return rep, err
	}
	magic := binary.BigEndian.Uint32(hdr[0:])
	pageSize := binary.BigEndian.Uint32(hdr[8:])
	bigEndian := magic&1 == 1
	s0, s1 := walChecksum(bigEndian, hdr[:24], 0, 0)
	switch {
	case magic&^1 != walMagic:
		rep.Damage = "its header is not a write-ahead log header (bad magic number)"
	case binary.BigEndian.Uint32(hdr[4:]) != walVersion:
		rep.Damage = fmt.Sprintf("its header names format version %d, not %d", binary.BigEndian.Uint32(hdr[4:]), walVersion)
	case pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0:
		rep.Damage = fmt.Sprintf("its header names an impossible page size, %d", pageSize)
	case s0 != binary.BigEndian.Uint32(hdr[24:]) || s1 != binary.BigEndian.Uint32(hdr[28:]):
		rep.Damage = "the checksum of its header fails"
	}
	if rep.Damage != "" {
		if size == walHeaderSize {
			rep.Damage = "" // nothing follows the header: nothing to lose
		} else {
			rep.Damage += fmt.Sprintf(", so SQLite would ignore the whole log, %d bytes of frames", size-walHeaderSize)
		}
		return rep, nil
	}
	rep.PageSize = int(pageSize)
	salts := hdr[16:24]

	frameSize := int64(walFrameHeaderSize) + int64(pageSize)
	frame := make([]byte, frameSize)
	off := int64(walHeaderSize)
	rep.UsedBytes = off
	broken := int64(-1) // offset of the first frame SQLite rejects
	why := ""           // why it rejects it
	lostCommits := 0    // commits with the current salts from there on
	lostEnd := int64(0) // the end of the last of them
	for ; off+frameSize <= size; off += frameSize {
		if _, err := io.ReadFull(rd, frame); err != nil {
			return rep, err
		}
		pgno := binary.BigEndian.Uint32(frame[0:])
		commit := binary.BigEndian.Uint32(frame[4:]) != 0
		current := bytes.Equal(frame[8:16], salts)
		if broken < 0 {
			c0, c1 := walChecksum(bigEndian, frame[:8], s0, s1)
			c0, c1 = walChecksum(bigEndian, frame[walFrameHeaderSize:], c0, c1)
			if current && pgno != 0 && c0 == binary.BigEndian.Uint32(frame[16:]) && c1 == binary.BigEndian.Uint32(frame[20:]) {
				s0, s1 = c0, c1
				rep.Frames++
				rep.Uncommitted++
				if commit {
					rep.Commits++
					rep.Uncommitted = 0
					rep.UsedBytes = off + frameSize
				}
				continue
			}
			broken = off
			switch {
			case !current:
				why = "its salts are not the log's"
			case pgno == 0:
				why = "its page number is 0"
			default:
				why = "its checksum fails"
			}
		}
		// Past the point where SQLite stops. SQLite writes frames in order,
		// so in an intact log every frame with the header's salts comes
		// before that point. A commit with them after it is a transaction
		// that committed and that SQLite would silently drop: the bytes
		// between were lost or changed. (A transaction that never
		// committed, such as one rolled back after spilling pages to the
		// log, leaves frames without a commit mark.)
		switch {
		case !current:
			rep.Stale++
		case commit:
			lostCommits++
			lostEnd = off + frameSize
		}
	}
	if lostCommits > 0 {
		rep.Damage = fmt.Sprintf("SQLite stops reading it at the frame at byte %d (%s), but from there to byte %d it holds %d more commits, which SQLite would silently drop",
			broken, why, lostEnd, lostCommits)
	}
	return rep, nil
}

// walChecksum continues SQLite's log checksum (s0, s1) over b, whose length
// is a multiple of 8, reading words in the byte order the log's magic number
// names.
func walChecksum(bigEndian bool, b []byte, s0, s1 uint32) (uint32, uint32) {
	order := binary.ByteOrder(binary.LittleEndian)
	if bigEndian {
		order = binary.BigEndian
	}
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}
