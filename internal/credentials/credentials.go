// Package credentials reads the principals that `starling serve --auth
// verify` accepts from a file in the AWS shared-credentials format: one
// [profile] per principal with its access key id, its secret access key and
// the 12-digit account it acts as:
//
//	# the management account
//	[management]
//	aws_access_key_id     = AKIAEXAMPLEMANAGEMENT
//	aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
//	aws_account_id        = 111111111111
//
// The reader is strict, so that a mistake is found at startup rather than as
// a puzzling signature error later: an unknown key, a key given twice, a
// profile given twice, an access key id used by two profiles or a profile
// missing a key is an error naming its line. Lines starting with # or ; are
// comments. Errors never quote a line, since it may hold a secret.
package credentials

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/starlingcfg/starling/internal/identity"
)

// Key names a principal's profile must set.
const (
	KeyAccessKeyID     = "aws_access_key_id"
	KeySecretAccessKey = "aws_secret_access_key"
	KeyAccountID       = "aws_account_id"
)

// requiredKeys are the keys of a profile, in the order errors list them.
var requiredKeys = []string{KeyAccessKeyID, KeySecretAccessKey, KeyAccountID}

// Principal is one signer Starling knows.
type Principal struct {
	// Profile is the section name in the file.
	Profile         string
	AccessKeyID     string
	SecretAccessKey string
	// AccountID is the 12-digit account the principal acts as.
	AccountID string
}

// String describes the principal without its secret.
func (p Principal) String() string {
	return "profile " + p.Profile + " (" + p.AccessKeyID + ", account " + p.AccountID + ")"
}

// GoString is String, so that %#v does not print the secret either.
func (p Principal) GoString() string { return p.String() }

// LogValue logs the principal without its secret.
func (p Principal) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("profile", p.Profile),
		slog.String("access_key_id", p.AccessKeyID),
		slog.String("account", p.AccountID))
}

// Set is the principals of one credentials file, by access key id.
type Set struct {
	byKey map[string]Principal
}

// Lookup returns the principal with the access key id.
func (s *Set) Lookup(accessKeyID string) (Principal, bool) {
	if s == nil {
		return Principal{}, false
	}
	p, ok := s.byKey[accessKeyID]
	return p, ok
}

// Len returns the number of principals.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.byKey)
}

// Load reads the credentials file at path.
func Load(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads a credentials file from r; name labels its errors.
func Parse(r io.Reader, name string) (*Set, error) {
	type profile struct {
		Principal
		line int
		set  map[string]int // key → line
	}
	var (
		profiles  []*profile
		byName    = map[string]*profile{}
		cur       *profile
		sawHeader bool
		errs      []error
	)
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Bytes()
		if n == 1 {
			text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
		}
		line := strings.TrimSpace(string(text))
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			sawHeader = true
			if line[len(line)-1] != ']' {
				fail(n, "a profile header must end with ']'")
				cur = nil
				continue
			}
			pname := strings.TrimSpace(line[1 : len(line)-1])
			if pname == "" {
				fail(n, "empty profile name")
				cur = nil
				continue
			}
			if prev, dup := byName[pname]; dup {
				fail(n, "profile [%s] is already defined on line %d", pname, prev.line)
				cur = nil
				continue
			}
			cur = &profile{Principal: Principal{Profile: pname}, line: n, set: map[string]int{}}
			byName[pname] = cur
			profiles = append(profiles, cur)
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				fail(n, "expected a [profile] header or key = value")
				continue
			}
			key, value = strings.TrimSpace(key), strings.TrimSpace(value)
			if cur == nil {
				// After a broken header its keys are skipped: the header's
				// error says what is wrong.
				if !sawHeader {
					fail(n, "%s is outside any [profile]", quoteKey(key))
				}
				continue
			}
			if prev, dup := cur.set[key]; dup {
				fail(n, "%s is already set on line %d in profile [%s]", quoteKey(key), prev, cur.Profile)
				continue
			}
			switch key {
			case KeyAccessKeyID:
				if !validKeyID(value) {
					fail(n, "%s in profile [%s] must be 1 to 128 letters, digits, '.', '_' or '-'", key, cur.Profile)
					continue
				}
				cur.AccessKeyID = value
			case KeySecretAccessKey:
				if value == "" || strings.ContainsAny(value, " \t") {
					fail(n, "%s in profile [%s] must be a non-empty value without spaces", key, cur.Profile)
					continue
				}
				cur.SecretAccessKey = value
			case KeyAccountID:
				if !identity.IsAccountID(value) {
					fail(n, "%s in profile [%s] must be a 12-digit account id", key, cur.Profile)
					continue
				}
				cur.AccountID = value
			default:
				fail(n, "unknown key %s in profile [%s]: want %s", quoteKey(key), cur.Profile, strings.Join(requiredKeys, ", "))
				continue
			}
			cur.set[key] = n
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	set := &Set{byKey: make(map[string]Principal, len(profiles))}
	keyLine := map[string]int{}
	for _, p := range profiles {
		var missing []string
		for _, k := range requiredKeys {
			if _, ok := p.set[k]; !ok {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			fail(p.line, "profile [%s] is missing %s", p.Profile, strings.Join(missing, ", "))
			continue
		}
		if prev, dup := keyLine[p.AccessKeyID]; dup {
			fail(p.set[KeyAccessKeyID], "access key id %s is already used on line %d", p.AccessKeyID, prev)
			continue
		}
		keyLine[p.AccessKeyID] = p.set[KeyAccessKeyID]
		set.byKey[p.AccessKeyID] = p.Principal
	}
	if len(errs) == 0 && len(profiles) == 0 {
		errs = append(errs, fmt.Errorf("%s: no [profile] with credentials", name))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return set, nil
}

// quoteKey quotes a key name for an error. A key that does not look like a
// key name is not quoted: it may be part of a pasted secret.
func quoteKey(k string) string {
	if len(k) > 40 {
		return "(an unrecognised key)"
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return "(an unrecognised key)"
		}
	}
	return strconv.Quote(k)
}

// validKeyID reports whether s can be an access key id. AWS's are upper-case
// letters and digits; Starling also allows lower case, '.', '_' and '-', so
// that a key can be a readable name, but nothing that would break the
// Credential=<key>/<date>/... element of an Authorization header.
func validKeyID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
