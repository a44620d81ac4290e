package pagetoken

import (
	"errors"
	"strings"
	"testing"
)

func TestCodec(t *testing.T) {
	c := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	scope := Scope("Op", "111111111111", "us-east-1", "a/b")
	tok := c.Encode(scope, "name-7")
	if strings.Contains(tok, "name-7") {
		t.Errorf("token %q shows its key in clear", tok)
	}
	got, err := c.Decode(scope, tok)
	if err != nil || got != "name-7" {
		t.Fatalf("Decode(Encode(name-7)) = %q, %v", got, err)
	}
	other := NewCodec([]byte("another key, another key, another"))
	tests := []struct {
		name  string
		codec *Codec
		scope string
		token string
	}{
		{"other account", c, Scope("Op", "222222222222", "us-east-1", "a/b"), tok},
		{"other region", c, Scope("Op", "111111111111", "us-west-2", "a/b"), tok},
		{"other filter", c, Scope("Op", "111111111111", "us-east-1", "a"), tok},
		{"other operation", c, Scope("Op2", "111111111111", "us-east-1", "a/b"), tok},
		{"parts joined differently", c, Scope("Op", "111111111111", "us-east-1a/", "b"), tok},
		{"other key", other, scope, tok},
		{"tampered payload", c, scope, flip(tok[0]) + tok[1:]},
		{"tampered signature", c, scope, tok[:len(tok)-2] + flip(tok[len(tok)-2]) + tok[len(tok)-1:]},
		{"non-canonical signature spelling", c, scope, tok[:len(tok)-1] + flip(tok[len(tok)-1])},
		{"no separator", c, scope, "abc"},
		{"empty", c, scope, ""},
		{"plain name", c, scope, "name-7"},
		{"bad base64", c, scope, "!!!.???"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.codec.Decode(tt.scope, tt.token); !errors.Is(err, ErrInvalid) {
				t.Errorf("Decode = %v; want ErrInvalid", err)
			}
		})
	}
}

// flip returns a base64url character other than b.
func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}
