package loadgen

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestStartupStorage(t *testing.T) {
	tests := []struct {
		name        string
		o           StartupOptions
		wantFlags   []string
		wantBackend string
		wantWhere   string
		wantErr     string
	}{
		{name: "data directory", o: StartupOptions{DataDir: "/tmp/d"},
			wantFlags: []string{"--data", "/tmp/d"}, wantBackend: BackendSQLite, wantWhere: "/tmp/d"},
		{name: "PostgreSQL", o: StartupOptions{Store: "postgres://u:secret@db:5432/starling"},
			wantFlags: []string{"--store", "postgres://u:secret@db:5432/starling"}, wantBackend: BackendPostgres,
			wantWhere: "postgres://u:xxxxx@db:5432/starling"},
		{name: "postgresql scheme over a Unix socket", o: StartupOptions{Store: "postgresql:///starling?host=/run/postgresql"},
			wantFlags: []string{"--store", "postgresql:///starling?host=/run/postgresql"}, wantBackend: BackendPostgres,
			wantWhere: "postgresql:///starling?host=/run/postgresql"},
		{name: "neither", o: StartupOptions{}, wantErr: "exactly one"},
		{name: "both", o: StartupOptions{DataDir: "/tmp/d", Store: "postgres://db/s"}, wantErr: "exactly one"},
		{name: "not a PostgreSQL URL", o: StartupOptions{Store: "mysql://db/s"}, wantErr: "PostgreSQL URL"},
		{name: "keyword DSN", o: StartupOptions{Store: "host=db dbname=s"}, wantErr: "PostgreSQL URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flags, backend, where, err := tt.o.storage()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("storage() error %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(flags, tt.wantFlags) || backend != tt.wantBackend || where != tt.wantWhere {
				t.Errorf("storage() = %q, %q, %q, %v; want %q, %q, %q", flags, backend, where, err, tt.wantFlags, tt.wantBackend, tt.wantWhere)
			}
		})
	}
}

// TestStartupRefusesStorage checks that Startup refuses options without
// exactly one storage before it starts anything (the binary does not
// exist).
func TestStartupRefusesStorage(t *testing.T) {
	for _, o := range []StartupOptions{
		{Binary: "/nonexistent/starling", Aggregators: 1, PerAccount: 1, Runs: 1},
		{Binary: "/nonexistent/starling", Aggregators: 1, PerAccount: 1, Runs: 1, DataDir: t.TempDir(), Store: "postgres://db/s"},
	} {
		if _, err := Startup(context.Background(), o); err == nil || !strings.Contains(err.Error(), "exactly one") {
			t.Errorf("Startup(data %q, store %q) = %v; want a refusal", o.DataDir, o.Store, err)
		}
	}
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://starling:starling@127.0.0.1:5432/starling", "postgres://starling:xxxxx@127.0.0.1:5432/starling"},
		{"postgres://starling@127.0.0.1/starling", "postgres://starling@127.0.0.1/starling"},
		{"postgres://db/starling?sslmode=disable", "postgres://db/starling?sslmode=disable"},
		{"postgres://u@db/s?password=hunter2&sslmode=disable", "postgres://u@db/s?password=xxxxx&sslmode=disable"},
		{"postgres://u:p@db/s?search_path=test_1", "postgres://u:xxxxx@db/s?search_path=test_1"},
		{"postgres://u:p@db:port/s", "(unparsable DSN)"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.dsn); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q; want %q", tt.dsn, got, tt.want)
		}
	}
}
