package main

import (
	"context"
	"errors"
	"io"
)

// runImport is a placeholder until the command is written.
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("import: not written yet")
}
