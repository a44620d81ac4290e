package config

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(Config) bool
		wantErr string
	}{
		{name: "defaults", check: func(c Config) bool {
			return c.Addr == "127.0.0.1:4566" && c.DataDir == "./starling-data" && c.DefaultAccount == "000000000000" &&
				c.Quotas.AggregatorsPerRegion == 50 && c.Quotas.AccountsPerAggregator == 10000 && !c.DisableReset
		}},
		{name: "flags", args: []string{"--addr", ":9000", "--data", "/tmp/x", "--max-aggregators", "7", "--disable-reset"}, check: func(c Config) bool {
			return c.Addr == ":9000" && c.DataDir == "/tmp/x" && c.Quotas.AggregatorsPerRegion == 7 && c.DisableReset
		}},
		{name: "environment", env: map[string]string{"STARLING_ADDR": "0.0.0.0:1", "STARLING_DATA": "d", "STARLING_MAX_AGGREGATOR_ACCOUNTS": "3", "STARLING_LOG_LEVEL": "debug"},
			check: func(c Config) bool {
				return c.Addr == "0.0.0.0:1" && c.DataDir == "d" && c.Quotas.AccountsPerAggregator == 3 && c.LogLevel == slog.LevelDebug
			}},
		{name: "flag beats environment", args: []string{"--addr", "127.0.0.1:2"}, env: map[string]string{"STARLING_ADDR": "127.0.0.1:1"},
			check: func(c Config) bool { return c.Addr == "127.0.0.1:2" }},
		{name: "regions", args: []string{"--regions", "us-east-1, local-1"}, check: func(c Config) bool {
			return len(c.Regions) == 2 && c.Regions[0] == "us-east-1" && c.Regions[1] == "local-1"
		}},
		{name: "regions from the environment", env: map[string]string{"STARLING_REGIONS": "eu-west-1"}, check: func(c Config) bool {
			return len(c.Regions) == 1 && c.Regions[0] == "eu-west-1"
		}},
		{name: "empty regions", args: []string{"--regions", ","}, wantErr: "no region given"},
		{name: "allowed hosts", args: []string{"--allowed-hosts", "starling, starling.internal,,*"}, check: func(c Config) bool {
			return strings.Join(c.AllowedHosts, "|") == "starling|starling.internal|*"
		}},
		{name: "allowed hosts from the environment", env: map[string]string{"STARLING_ALLOWED_HOSTS": "starling"}, check: func(c Config) bool {
			return strings.Join(c.AllowedHosts, "|") == "starling"
		}},
		{name: "no allowed hosts by default", check: func(c Config) bool { return c.AllowedHosts == nil }},
		{name: "allowed host with a port", args: []string{"--allowed-hosts", "starling:4566"}, wantErr: `allowed-hosts: "starling:4566" is not a host name`},
		{name: "allowed host as a URL", args: []string{"--allowed-hosts", "http://starling"}, wantErr: "allowed-hosts"},
		{name: "timeouts", args: []string{"--read-header-timeout", "2s", "--read-timeout", "3s", "--write-timeout", "4s", "--idle-timeout", "5s"}, check: func(c Config) bool {
			return c.ReadHeaderTimeout == 2*time.Second && c.ReadTimeout == 3*time.Second && c.WriteTimeout == 4*time.Second && c.IdleTimeout == 5*time.Second
		}},
		{name: "zero timeout", args: []string{"--read-header-timeout", "0s"}, wantErr: "read-header-timeout: must be positive"},
		{name: "tls", args: []string{"--tls-cert", "c.pem", "--tls-key", "k.pem"}, check: func(c Config) bool { return c.TLSCert == "c.pem" && c.TLSKey == "k.pem" }},
		{name: "tls cert without key", args: []string{"--tls-cert", "c.pem"}, wantErr: "give both or neither"},
		{name: "bad environment value", env: map[string]string{"STARLING_MAX_AGGREGATORS": "many"}, wantErr: "STARLING_MAX_AGGREGATORS"},
		{name: "bad default account", args: []string{"--default-account", "123"}, wantErr: "default-account"},
		{name: "zero quota", args: []string{"--max-aggregators", "0"}, wantErr: "max-aggregators"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: "log level"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: "log-format"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected argument"},
		{name: "auth defaults to accept", check: func(c Config) bool { return c.Auth == AuthAccept && c.CredentialsFile == "" }},
		{name: "auth verify", args: []string{"--auth", "verify", "--credentials", "/etc/starling/credentials"}, check: func(c Config) bool {
			return c.Auth == AuthVerify && c.CredentialsFile == "/etc/starling/credentials"
		}},
		{name: "auth verify from the environment", env: map[string]string{"STARLING_AUTH": "verify", "STARLING_CREDENTIALS": "creds"},
			check: func(c Config) bool { return c.Auth == AuthVerify && c.CredentialsFile == "creds" }},
		{name: "auth flag beats environment", args: []string{"--auth", "accept"}, env: map[string]string{"STARLING_AUTH": "verify"},
			check: func(c Config) bool { return c.Auth == AuthAccept }},
		{name: "sync defaults to normal", check: func(c Config) bool { return c.Sync == SyncNormal }},
		{name: "sync full", args: []string{"--sync", "full"}, check: func(c Config) bool { return c.Sync == SyncFull }},
		{name: "sync from the environment", env: map[string]string{"STARLING_SYNC": "full"}, check: func(c Config) bool { return c.Sync == SyncFull }},
		{name: "unknown sync mode", args: []string{"--sync", "off"}, wantErr: `sync: "off" is not full or normal`},
		{name: "unknown auth mode", args: []string{"--auth", "none"}, wantErr: `auth: "none" is not accept or verify`},
		{name: "verify without credentials", args: []string{"--auth", "verify"}, wantErr: "credentials: --auth verify needs a credentials file"},
		{name: "store defaults to SQLite", check: func(c Config) bool { return c.Store == "" }},
		{name: "store", args: []string{"--store", "postgres://u:p@db:5432/starling"}, check: func(c Config) bool { return c.Store == "postgres://u:p@db:5432/starling" }},
		{name: "store from the environment", env: map[string]string{"STARLING_STORE": "postgresql://db/starling"}, check: func(c Config) bool { return c.Store == "postgresql://db/starling" }},
		{name: "store that is not PostgreSQL", args: []string{"--store", "mysql://db/starling"}, wantErr: "store: want a PostgreSQL URL"},
		{name: "store needs no data directory", args: []string{"--store", "postgres://db/starling", "--data", ""}, check: func(c Config) bool { return c.DataDir == "" }},
		{name: "credentials without verify", args: []string{"--credentials", "creds"}, wantErr: "credentials: only used with --auth verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			c, err := Load("starling serve", tt.args, getenv, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load(%v) error = %v; want one mentioning %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(%v) = %v", tt.args, err)
			}
			if !tt.check(c) {
				t.Errorf("Load(%v) = %+v; not what the case expects", tt.args, c)
			}
		})
	}
}
