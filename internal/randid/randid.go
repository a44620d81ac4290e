// Package randid makes the random parts of AWS resource ids, such as the
// "floqpus3" of config-aggregator-floqpus3 or the "a1b2c3d4e5" of
// o-a1b2c3d4e5.
package randid

import "io"

// Alphabets of AWS ids.
const (
	LowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	Digits     = "0123456789"
)

// String returns n characters drawn uniformly from alphabet (at most 256
// characters long), reading randomness from r.
func String(r io.Reader, alphabet string, n int) (string, error) {
	// Bytes at or above the largest multiple of len(alphabet) are rejected,
	// so that every character is equally likely.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
