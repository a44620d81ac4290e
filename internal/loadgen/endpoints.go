package loadgen

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ParseEndpoints parses the comma-separated list of Starling base URLs that
// `starling-load run --endpoint` takes, for example
// "http://10.0.0.1:4566,http://10.0.0.2:4566": one URL per replica. Spaces
// around an entry are ignored and a trailing slash is dropped. It refuses an
// empty list, an empty entry (as in "a,,b" or "a,"), an entry that is not an
// absolute http:// or https:// URL of a host, one with a query or a
// fragment (the tool appends paths to it), and an entry given twice (whose
// metrics would be counted twice).
func ParseEndpoints(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, errors.New("no endpoint: want one or more comma-separated base URLs such as http://127.0.0.1:4566")
	}
	entries := strings.Split(list, ",")
	out := make([]string, 0, len(entries))
	seen := make(map[string]int, len(entries))
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, fmt.Errorf("endpoint %d of %d in %q is empty", i+1, len(entries), list)
		}
		if err := checkBaseURL(e); err != nil {
			return nil, fmt.Errorf("endpoint %q: %w", e, err)
		}
		e = strings.TrimRight(e, "/")
		key := strings.ToLower(e)
		if j, dup := seen[key]; dup {
			return nil, fmt.Errorf("endpoint %q is given twice (entries %d and %d)", e, j+1, i+1)
		}
		seen[key] = i
		out = append(out, e)
	}
	return out, nil
}

// checkBaseURL reports why s is not a base URL the tool can send to.
func checkBaseURL(s string) error {
	if !strings.Contains(s, "://") { // host:port, which url.Parse takes for a scheme or a path
		return errors.New("want an http:// or https:// URL such as http://127.0.0.1:4566")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL: %w", errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("want an http:// or https:// URL")
	case u.Opaque != "" || u.Hostname() == "":
		return errors.New("no host: want a base URL such as http://127.0.0.1:4566")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return errors.New("want a base URL without a query or fragment")
	}
	return nil
}
