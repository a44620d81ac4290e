// Command starling serves the AWS Config aggregator API (and the parts of
// AWS Organizations and STS it depends on) on the AWS wire protocol.
//
// Usage:
//
//	starling [serve] [flags]        run the server (the default)
//	starling backup [flags] DEST    copy the server's data directory to DEST
//	starling generate [flags]       fill a server with a generated organization
//	starling import [flags] PATH... import AWS Config's snapshot and history files
//	starling export [flags] DIR     write a source's configuration snapshot file
//	starling version                print the version
//	starling help                   print this help
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/logbuf"
)

// version is set at build time with -ldflags "-X main.version=..."; without
// it the module version from the build info is used.
var version = ""

// gcPercent is the garbage collector's target (GOGC) unless the environment
// sets one. Starling's live heap is small and every request allocates, so
// the default of 100 collects hundreds of times a second under load; 400
// spends a few tens of megabytes more for about 10-15% less CPU per request
// (docs/performance.md).
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "starling:", err)
		}
		os.Exit(2)
	}
}

const usage = `starling serves the AWS Config aggregator API on the AWS wire protocol.

Usage:
  starling [serve] [flags]        run the server (the default)
  starling backup [flags] DEST    copy the server's data directory to DEST
  starling generate [flags]       fill a server with a generated organization
  starling import [flags] PATH... import AWS Config's snapshot and history files
  starling export [flags] DIR     write a source's configuration snapshot file
  starling version                print the version
  starling help                   print this help

Run 'starling COMMAND -h' for a command's flags. Every flag
--name of serve can also be set with the environment variable
STARLING_NAME (dashes become underscores).
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-') {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := config.Load("starling serve", args, getenv, stderr)
		if err != nil {
			return err
		}
		// The access log is a line per request: gathered into few writes
		// (internal/logbuf), written out in full when the server stops.
		logs := logbuf.New(stderr)
		err = app.Run(ctx, cfg, app.Options{Logger: newLogger(cfg, logs), Version: versionString()})
		return errors.Join(err, logs.Close())
	case "backup":
		return runBackup(ctx, args, getenv, stdout, stderr)
	case "generate":
		return runGenerate(ctx, args, getenv, stdout, stderr)
	case "import":
		return runImport(ctx, args, getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "starling", versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
