package migration

import (
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	a, b := &fstest.MapFile{Data: []byte("CREATE TABLE a (x);")}, &fstest.MapFile{Data: []byte("CREATE TABLE b (y);")}
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []string // names, in order; nil with wantErr
		wantErr bool
	}{
		{"in order", fstest.MapFS{"migrations/0002_b.sql": b, "migrations/0001_a.sql": a}, []string{"0001_a.sql", "0002_b.sql"}, false},
		{"other files ignored", fstest.MapFS{"migrations/0001_a.sql": a, "migrations/README": b, "migrations/sub/0002_x.sql": b}, []string{"0001_a.sql"}, false},
		{"empty", fstest.MapFS{"migrations/README": a}, nil, false},
		{"gap", fstest.MapFS{"migrations/0001_a.sql": a, "migrations/0003_b.sql": b}, nil, true},
		{"no number", fstest.MapFS{"migrations/0001_a.sql": a, "migrations/b.sql": b}, nil, true},
		{"from two", fstest.MapFS{"migrations/0002_a.sql": a}, nil, true},
		{"no directory", fstest.MapFS{"other/0001_a.sql": a}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			migs, err := Load(tt.fsys)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Load: got %v, want error %v", err, tt.wantErr)
			}
			if len(migs) != len(tt.want) {
				t.Fatalf("Load: got %d migrations, want %d", len(migs), len(tt.want))
			}
			for i, m := range migs {
				if m.Name != tt.want[i] || m.Version != i+1 || m.SQL == "" {
					t.Errorf("migration %d: got %+v, want %s at version %d", i, m, tt.want[i], i+1)
				}
			}
		})
	}
}
