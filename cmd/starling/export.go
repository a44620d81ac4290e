package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/export"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

const exportUsage = `Usage:
  starling export [--endpoint URL] --account A --region R [--at TIME] DIR   from a running server
  starling export --data DATADIR --account A --region R [--at TIME] DIR    from a stopped server's data directory
  starling export --store DSN --account A --region R [--at TIME] DIR       from a PostgreSQL store

Writes a configuration snapshot file of the account's resources in the
region, the file AWS Config delivers to S3, in its format and at its key:

  DIR/AWSLogs/<A>/Config/<R>/<yyyy>/<m>/<d>/ConfigSnapshot/
      <A>_Config_<R>_ConfigSnapshot_<yyyyMMddTHHmmssZ>_<id>.json.gz

gzip'd JSON, {"fileVersion":"1.0","configSnapshotId":"<id>",
"configurationItems":[…]}, one item per existing resource (deleted ones are
left out). Without --at it is the current state, and the key's time is now;
with --at, the state at that time (each resource's version then, from the
recorded history), and the key's time is --at. 'starling import' reads the
file back. The file's path and the number of items are printed.

Where the items come from: give one of --data, --store and --endpoint. With
none, the store of STARLING_STORE if it is set, else the server at
--endpoint's default (STARLING_ENDPOINT, or http://127.0.0.1:4566).

  --data, --store  the command reads the store itself: a data directory no
                   running server has open, or a PostgreSQL database (which
                   running servers may share).
  --endpoint       the command reads through AWS Config's API
                   (GetDiscoveredResourceCounts, ListDiscoveredResources,
                   GetResourceConfigHistory), as any client would, so it
                   also works against AWS itself. It signs as the account,
                   with the account id as the access key (the default
                   --auth accept mode), or with AWS_ACCESS_KEY_ID,
                   AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) when they
                   are set (--auth verify, or AWS), which must then be the
                   account's. Through the API, a resource type is found only
                   if it has resources now or is one of the SDK's
                   ResourceType values: with --at, a custom (third-party)
                   type whose resources have all been deleted since is left
                   out.

Flags (--endpoint and --ca-cert can also be set with STARLING_ENDPOINT and
STARLING_CA_CERT, --store with STARLING_STORE):
`

// exportOptions are the flags of `starling export`.
type exportOptions struct {
	endpoint string
	caCert   string
	dataDir  string
	store    string
	account  string
	region   string
	at       time.Time
	dir      string
}

// exportParallel is the number of requests in flight against --endpoint.
const exportParallel = export.DefaultConcurrency

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var o exportOptions
	var at string
	fs := commandFlags("starling export", exportUsage, stderr)
	serverFlags(fs, getenv, &o.endpoint, &o.caCert)
	fs.StringVar(&o.dataDir, "data", "", "read the store in this data directory, which no running server may have open")
	fs.StringVar(&o.store, "store", "", "read the PostgreSQL store of this URL, postgres://user:password@host:5432/dbname")
	fs.StringVar(&o.account, "account", "", "the 12-digit account whose resources to export (required)")
	fs.StringVar(&o.region, "region", "", "the region, such as us-east-1, whose recorded resources to export (required)")
	fs.StringVar(&at, "at", "", "take the state at this RFC 3339 time, such as 2026-01-02T15:04:05Z, instead of the current one")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := chooseTarget("export", set, &o.dataDir, &o.store, o.endpoint, getenv); err != nil {
		return err
	}
	switch {
	case o.account == "":
		return errors.New("export: give the account, --account 123456789012")
	case !identity.IsAccountID(o.account):
		return fmt.Errorf("export: --account %q is not a 12-digit account id", o.account)
	case o.region == "":
		return errors.New("export: give the region, --region us-east-1")
	case !identity.IsRegion(o.region):
		return fmt.Errorf("export: --region %q is not a region name such as us-east-1", o.region)
	}
	if at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return fmt.Errorf("export: --at %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", at)
		}
		if t.After(time.Now()) {
			return fmt.Errorf("export: --at %s is in the future", at)
		}
		o.at = t.UTC()
	}
	switch {
	case len(pos) == 0:
		fs.Usage()
		return errors.New("export: give the directory to write the snapshot under")
	case len(pos) > 1:
		return fmt.Errorf("export: one directory, not %d: %q", len(pos), pos)
	case pos[0] == "":
		return errors.New("export: the directory is empty")
	}
	o.dir = pos[0]
	return exportSnapshot(ctx, o, getenv, stdout, stderr)
}

// exportSnapshot writes the snapshot and prints where.
func exportSnapshot(ctx context.Context, o exportOptions, getenv func(string) string, stdout, stderr io.Writer) error {
	var r export.Reader
	switch {
	case o.dataDir != "" || o.store != "":
		if o.dataDir != "" {
			// An empty database must not be made where none was.
			if _, err := os.Stat(filepath.Join(o.dataDir, sqlite.InventoryFileName)); err != nil {
				return fmt.Errorf("export: --data %s holds no Starling inventory (%s): %w", o.dataDir, sqlite.InventoryFileName, err)
			}
		}
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		inv, closeInv, err := app.OpenInventory(ctx, o.dataDir, o.store, config.SyncNormal, log)
		if err != nil {
			if errors.Is(err, sqlite.ErrInUse) {
				return fmt.Errorf("export: %w; a running server holds it: export through it with --endpoint", err)
			}
			return fmt.Errorf("export: %w", err)
		}
		defer closeInv()
		r = export.FromStore(inv)
	default:
		c, hc, err := exportClient(o, getenv)
		if err != nil {
			return err
		}
		// Connections the transport dialed and never used would hold up
		// the server's graceful shutdown for seconds.
		defer hc.CloseIdleConnections()
		r = export.FromAPI(c, export.APIOptions{Concurrency: exportParallel})
	}
	snap, err := export.Write(ctx, o.dir, r, export.Options{
		Source: inventory.Source{AccountID: o.account, Region: o.region},
		At:     o.at,
	})
	if err != nil {
		return err
	}
	noun := "configuration items"
	if snap.Items == 1 {
		noun = "configuration item"
	}
	fmt.Fprintf(stdout, "wrote %d %s to %s\n", snap.Items, noun, snap.Path)
	return nil
}

// exportClient is the AWS Config client of the account and region at
// --endpoint.
func exportClient(o exportOptions, getenv func(string) string) (*configservice.Client, *http.Client, error) {
	hc, err := serverClient(o.caCert)
	if err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	creds := signAs(getenv)(o.account)
	return configservice.New(configservice.Options{
		Region:       o.region,
		BaseEndpoint: aws.String(strings.TrimRight(o.endpoint, "/")),
		Credentials:  credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
		HTTPClient:   hc,
	}), hc, nil
}
