// Package pagetoken makes and checks the opaque NextToken strings of
// paginated operations.
//
// A token names the last item of the page it ends and the scope it was made
// for: the operation, the caller's account and region, and the request's
// filters. It is authenticated with HMAC-SHA256 under a key the server keeps
// in its store, so a client cannot forge one, and a token replayed with
// another account, region, operation or filter is refused.
package pagetoken

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/starlingcfg/starling/internal/store"
)

// b64 decodes strictly, so that each token has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// ErrInvalid is returned for a token that was not made by this server for
// this scope.
var ErrInvalid = errors.New("pagetoken: invalid token")

// Codec encodes and decodes tokens under one key.
type Codec struct {
	key []byte
}

// NewCodec returns a codec using key (at least 32 bytes).
func NewCodec(key []byte) *Codec {
	return &Codec{key: append([]byte(nil), key...)}
}

// Scope identifies what a token may be used for. Its parts are joined
// unambiguously, so ("a", "bc") and ("ab", "c") differ.
func Scope(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(base64.RawURLEncoding.EncodeToString([]byte(p)))
		b.WriteByte('.')
	}
	return b.String()
}

// Encode returns a token that resumes after the item with key after, valid
// only for scope.
func (c *Codec) Encode(scope, after string) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(after))
	return payload + "." + base64.RawURLEncoding.EncodeToString(c.mac(scope, payload))
}

// Decode returns the key a token resumes after, or ErrInvalid if the token
// was not made by Encode for scope.
func (c *Codec) Decode(scope, token string) (string, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok {
		return "", ErrInvalid
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, c.mac(scope, payload)) {
		return "", ErrInvalid
	}
	after, err := b64.DecodeString(payload)
	if err != nil {
		return "", ErrInvalid
	}
	return string(after), nil
}

func (c *Codec) mac(scope, payload string) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write([]byte(payload))
	return h.Sum(nil)[:16]
}

// Where the key is kept: a record of Starling's own namespace, so that
// every replica sharing a store signs and checks with the same key, and a
// reset (which keeps store.System) leaves outstanding tokens valid.
const (
	keyKind = store.Kind("StarlingSecret")
	keyID   = "pagetoken"
)

// LoadKey returns the token key kept in st, creating and storing a random
// one if there is none yet.
func LoadKey(ctx context.Context, st store.Store) ([]byte, error) {
	var key []byte
	err := st.Update(ctx, func(tx store.Tx) error {
		k, err := tx.Get(store.System, keyKind, keyID)
		if err == nil {
			key = k
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return tx.Create(store.System, keyKind, keyID, key)
	})
	return key, err
}
