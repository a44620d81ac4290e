package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/starlingcfg/starling/internal/config"
)

// chooseTarget settles which store or server the command cmd (import,
// export) works on: exactly one of --data, --store and --endpoint given on
// the command line (set holds the names of the flags given), or else the
// store of STARLING_STORE, or else --endpoint's default. It sets *store
// from the environment in that case, and checks the choice.
func chooseTarget(cmd string, set map[string]bool, dataDir, store *string, endpoint string, getenv func(string) string) error {
	var given []string
	for _, name := range []string{"data", "store", "endpoint"} {
		if set[name] {
			given = append(given, "--"+name)
		}
	}
	if len(given) > 1 {
		return fmt.Errorf("%s: give one of --data, --store and --endpoint, not %s", cmd, strings.Join(given, " and "))
	}
	if len(given) == 0 {
		env := getenv(config.EnvPrefix + "STORE")
		if env != "" && getenv(config.EnvPrefix+"ENDPOINT") != "" {
			return errors.New(cmd + ": both STARLING_STORE and STARLING_ENDPOINT are set; give --store or --endpoint")
		}
		*store = env
	}
	switch {
	case set["data"] && *dataDir == "":
		return errors.New(cmd + ": --data is empty")
	case set["store"] && *store == "":
		return errors.New(cmd + ": --store is empty")
	case *store != "" && !config.IsPostgresDSN(*store):
		return errors.New(cmd + ": --store: want a PostgreSQL URL, postgres://user:password@host:5432/dbname (a data directory is --data)")
	case *dataDir == "" && *store == "" && endpoint == "":
		return errors.New(cmd + ": --endpoint is empty")
	}
	return nil
}

// parseInterspersed parses args with fs, letting flags come after the
// positional arguments too (flag.FlagSet stops at the first of them), and
// returns the positional arguments; after "--" every argument is one.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// commandFlags returns the flag set of a subcommand: errors go to stderr,
// after the usage text and the flags' defaults.
func commandFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}
