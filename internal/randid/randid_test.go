package randid

import (
	"bytes"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		name     string
		alphabet string
		n        int
		random   []byte
		want     string
	}{
		// 256 % 36 = 4: bytes 252..255 are rejected; 36 wraps to 'a'.
		{"lower alnum", LowerAlnum, 6, []byte{255, 0, 35, 36, 252, 25, 26, 1}, "a9az0b"},
		// 256 % 10 = 6: bytes 250..255 are rejected.
		{"digits", Digits, 4, []byte{250, 9, 10, 255, 123, 0}, "9030"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := String(bytes.NewReader(append(tt.random, make([]byte, 64)...)), tt.alphabet, tt.n)
			if err != nil || got != tt.want {
				t.Errorf("String() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if _, err := String(strings.NewReader(""), Digits, 12); err == nil {
		t.Error("String with an exhausted source succeeded; want an error")
	}
}
