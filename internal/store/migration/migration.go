// Package migration reads a store's schema history: numbered SQL files that
// each backend (SQLite, PostgreSQL) embeds and applies in order.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Migration is one schema step; applying it takes the database to Version.
type Migration struct {
	Version int
	Name    string // the file's name, such as 0002_source_order.sql
	SQL     string
}

// Load reads the *.sql files of fsys's migrations directory, in name order.
// Their names must start with their numbers 1, 2, 3… without gaps
// (0001_records.sql, 0002_owner.sql), so that a missing or misnamed file is
// found when the binary starts, not when a database lacks a step.
func Load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var migs []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(strings.TrimSuffix(num, ".sql"))
		if want := len(migs) + 1; err != nil || v != want {
			return nil, fmt.Errorf("migration %s: name must start with its number %04d", name, want)
		}
		b, err := fs.ReadFile(fsys, "migrations/"+name)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		migs = append(migs, Migration{Version: v, Name: name, SQL: string(b)})
	}
	return migs, nil
}
