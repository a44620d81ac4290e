package main

import (
	"context"
	"errors"
	"io"
)

// runExport is a placeholder until the command is written.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("export: not written yet")
}
