// Package config holds Starling's settings and reads them from the command
// line and the environment: each flag --name has an environment variable
// STARLING_NAME (upper case, dashes as underscores) that sets its default;
// a flag given on the command line wins.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/identity"
)

// Config is everything `starling serve` can be told.
type Config struct {
	Addr    string
	DataDir string
	// Store, when set, is the DSN of a PostgreSQL database (postgres://…)
	// that holds both stores instead of SQLite under DataDir; several
	// servers may share it.
	Store           string
	DefaultAccount  string
	MaxBodyBytes    int64
	DisableReset    bool
	LogLevel        slog.Level
	LogFormat       string
	ShutdownTimeout time.Duration
	Quotas          Quotas
	// Regions are the regions an aggregator with AllAwsRegions reads from;
	// empty means AWS's commercial regions.
	Regions []string
	// Timeouts bound how long a client may take: to send its headers (which
	// cuts off slowloris clients), its whole request, and to read the
	// response; IdleTimeout closes idle keep-alive connections.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// TLSCert and TLSKey, both set, make the server speak HTTPS.
	TLSCert string
	TLSKey  string
	// Auth is how requests are authenticated: AuthAccept or AuthVerify.
	Auth string
	// CredentialsFile is the AWS shared-credentials file of the principals
	// that AuthVerify accepts.
	CredentialsFile string
	// Sync is what an acknowledged write survives: SyncFull or SyncNormal.
	Sync string
	// AllowedHosts are host names, besides IP addresses and localhost, by
	// which the reset and backup endpoints may be reached (the Host header
	// of the request), such as a docker-compose service name; "*" is any.
	AllowedHosts []string
}

// Durability modes of the store (--sync).
const (
	// SyncFull fsyncs the write-ahead log before acknowledging a write, so
	// the write survives power loss.
	SyncFull = "full"
	// SyncNormal acknowledges a write once it is in the write-ahead log (the
	// operating system's page cache): it survives kill -9, not power loss.
	SyncNormal = "normal"
)

// Authentication modes.
const (
	// AuthAccept trusts the access key and region a request's Authorization
	// header names without checking its signature: the emulator mode.
	AuthAccept = "accept"
	// AuthVerify checks every request's SigV4 signature against the
	// principals in CredentialsFile, as AWS does.
	AuthVerify = "verify"
)

// Quotas are the AWS service quotas Starling enforces. AWS lets customers
// raise them, so they are settings ("AWS Config endpoints and quotas" in the
// AWS General Reference, section "Service quotas", lists them and which are
// adjustable).
type Quotas struct {
	// AggregatorsPerRegion is the number of configuration aggregators one
	// account may have in one region (AWS default 50).
	AggregatorsPerRegion int
	// AccountsPerAggregator is the number of source accounts one aggregator
	// may list (AWS: 10,000).
	AccountsPerAggregator int
}

// Defaults returns the default configuration.
func Defaults() Config {
	return Config{
		Addr:              "127.0.0.1:4566",
		DataDir:           "./starling-data",
		DefaultAccount:    identity.DefaultAccountID,
		MaxBodyBytes:      8 << 20,
		LogLevel:          slog.LevelInfo,
		LogFormat:         "text",
		ShutdownTimeout:   10 * time.Second,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		Auth:              AuthAccept,
		Sync:              SyncNormal,
		Quotas: Quotas{
			AggregatorsPerRegion:  50,
			AccountsPerAggregator: 10000,
		},
	}
}

// EnvPrefix starts every environment variable Starling reads.
const EnvPrefix = "STARLING_"

// Load parses the serve flags in args over the defaults, with the
// environment (read through getenv) overriding the defaults and the flags
// overriding the environment. Usage and errors go to output.
func Load(name string, args []string, getenv func(string) string, output io.Writer) (Config, error) {
	c := Defaults()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	logLevel := c.LogLevel.String()
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (host:port)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "directory for the SQLite databases (not used with --store)")
	fs.StringVar(&c.Store, "store", c.Store, "PostgreSQL database for both stores instead of SQLite: postgres://user:password@host:5432/dbname (several servers may share it)")
	fs.StringVar(&c.DefaultAccount, "default-account", c.DefaultAccount, "account id of access keys that are not 12-digit account ids")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body accepted, in bytes")
	fs.BoolVar(&c.DisableReset, "disable-reset", c.DisableReset, "refuse POST /_starling/reset and /moto-api/reset")
	fs.StringVar(&logLevel, "log-level", logLevel, "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long to wait for requests in flight on shutdown")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "longest time a client may take to send a request's headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "longest time a client may take to send a whole request")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "longest time to write a response")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "PEM certificate file; with --tls-key, serve HTTPS")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "PEM private key file; with --tls-cert, serve HTTPS")
	fs.StringVar(&c.Auth, "auth", c.Auth, "request authentication: accept (trust the access key, check no signature) or verify (check SigV4 signatures against --credentials)")
	fs.StringVar(&c.CredentialsFile, "credentials", c.CredentialsFile, "AWS shared-credentials file of the principals --auth verify accepts: a [profile] per principal with aws_access_key_id, aws_secret_access_key and aws_account_id")
	fs.StringVar(&c.Sync, "sync", c.Sync, "what an acknowledged write survives: full (fsync first: power loss too) or normal (kill -9, not power loss; faster)")
	fs.IntVar(&c.Quotas.AggregatorsPerRegion, "max-aggregators", c.Quotas.AggregatorsPerRegion, "configuration aggregators per account per region")
	fs.IntVar(&c.Quotas.AccountsPerAggregator, "max-aggregator-accounts", c.Quotas.AccountsPerAggregator, "source accounts per configuration aggregator")
	fs.Func("allowed-hosts", "comma-separated host names, besides IP addresses and localhost, by which POST /_starling/reset, /moto-api/reset and /_starling/backup may be reached, such as a docker-compose service name; * allows any", func(v string) error {
		c.AllowedHosts = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				c.AllowedHosts = append(c.AllowedHosts, h)
			}
		}
		return nil
	})
	fs.Func("regions", "comma-separated regions that AllAwsRegions covers (default: AWS's commercial regions)", func(v string) error {
		c.Regions = nil
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				c.Regions = append(c.Regions, r)
			}
		}
		if len(c.Regions) == 0 {
			return errors.New("no region given")
		}
		return nil
	})

	var envErrs []error
	fs.VisitAll(func(f *flag.Flag) {
		key := EnvPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(key); v != "" {
			if err := f.Value.Set(v); err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: %v", key, v, err))
			}
		}
	})
	if err := errors.Join(envErrs...); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := c.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return c, fmt.Errorf("log level %q: want debug, info, warn or error", logLevel)
	}
	return c, c.Validate()
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: must not be empty"))
	}
	if c.DataDir == "" && c.Store == "" {
		errs = append(errs, errors.New("data: must not be empty"))
	}
	if c.Store != "" && !IsPostgresDSN(c.Store) {
		errs = append(errs, errors.New("store: want a PostgreSQL URL, postgres://user:password@host:5432/dbname (without --store, data lives in SQLite under --data)"))
	}
	if !identity.IsAccountID(c.DefaultAccount) {
		errs = append(errs, fmt.Errorf("default-account: %q is not a 12-digit account id", c.DefaultAccount))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, errors.New("max-body-bytes: must be at least 1024"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format: %q is not text or json", c.LogFormat))
	}
	if c.Sync != SyncFull && c.Sync != SyncNormal {
		errs = append(errs, fmt.Errorf("sync: %q is not full or normal", c.Sync))
	}
	if c.Quotas.AggregatorsPerRegion < 1 {
		errs = append(errs, errors.New("max-aggregators: must be at least 1"))
	}
	if c.Quotas.AccountsPerAggregator < 1 {
		errs = append(errs, errors.New("max-aggregator-accounts: must be at least 1"))
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("shutdown-timeout: must not be negative"))
	}
	for name, d := range map[string]time.Duration{"read-header-timeout": c.ReadHeaderTimeout, "read-timeout": c.ReadTimeout,
		"write-timeout": c.WriteTimeout, "idle-timeout": c.IdleTimeout} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", name))
		}
	}
	for _, h := range c.AllowedHosts {
		if strings.ContainsAny(h, ":/[] \t") {
			errs = append(errs, fmt.Errorf("allowed-hosts: %q is not a host name: give names without scheme or port (IP addresses and localhost are always allowed)", h))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("tls-cert and tls-key: give both or neither"))
	}
	switch {
	case c.Auth != AuthAccept && c.Auth != AuthVerify:
		errs = append(errs, fmt.Errorf("auth: %q is not accept or verify", c.Auth))
	case c.Auth == AuthVerify && c.CredentialsFile == "":
		errs = append(errs, errors.New("credentials: --auth verify needs a credentials file"))
	case c.Auth == AuthAccept && c.CredentialsFile != "":
		// Refused rather than ignored: whoever gave credentials expects
		// them to be checked.
		errs = append(errs, errors.New("credentials: only used with --auth verify; --auth accept checks no signature"))
	}
	return errors.Join(errs...)
}

// IsPostgresDSN reports whether dsn names a PostgreSQL database: a
// postgres:// or postgresql:// URL.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
