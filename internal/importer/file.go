package importer

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

// itemVersion is the configurationItemVersion of an item that has none:
// the version AWS Config has written since 2018.
const itemVersion = "1.3"

// errOversized is the reason an oversized change notification is not
// imported.
var errOversized = errors.New("an oversized change notification, not a snapshot or history file (not imported; " +
	"its item is also in the resource's configuration history file)")

// readFile checks file i and sends its items, in chunks, to out. Nothing is
// sent until every item of the file has been checked: a file with an error
// sends nothing.
func (im *Importer) readFile(ctx context.Context, i int, path string, out chan<- chunk) error {
	d, err := ingest.ParseDelivery(path)
	if err != nil {
		return trim(err)
	}
	if d.Kind == ingest.KindOversized {
		return errOversized
	}
	// First pass: check every item, keeping them while there are few.
	var items []inventory.Item
	large := false
	err = decodePath(path, d, func(it inventory.Item) error {
		switch {
		case large:
		case len(items) < im.opts.MaxFileItems:
			items = append(items, it)
		default:
			large, items = true, nil
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	if !large {
		return im.send(ctx, out, chunk{file: i, last: true, items: items})
	}
	// Second pass, for a file too large to hold: read it again, sending
	// it in chunks of a batch each.
	seq := 0
	batch := make([]inventory.Item, 0, im.opts.BatchItems)
	err = decodePath(path, d, func(it inventory.Item) error {
		if len(batch) == im.opts.BatchItems {
			if err := im.send(ctx, out, chunk{file: i, seq: seq, items: batch}); err != nil {
				return err
			}
			seq++
			batch = make([]inventory.Item, 0, im.opts.BatchItems)
		}
		batch = append(batch, it)
		return nil
	})
	if err != nil {
		// The file changed between the passes: some chunks may be
		// written already.
		return fmt.Errorf("read again: %w", err)
	}
	return im.send(ctx, out, chunk{file: i, seq: seq, last: true, items: batch})
}

// send sends c to out, recording it first.
func (im *Importer) send(ctx context.Context, out chan<- chunk, c chunk) error {
	for j := range c.items {
		if !slices.Contains(c.srcs, c.items[j].Source) {
			c.srcs = append(c.srcs, c.items[j].Source)
		}
	}
	im.sent(c)
	select {
	case out <- c:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// decodePath reads the delivery file at path, gzip'd or not (told by its
// first bytes, not its name), and calls fn with each of its items,
// completed (complete) as delivered where d says.
func decodePath(path string, d ingest.Delivery, fn func(inventory.Item) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	var r io.Reader = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return gzipError(err)
		}
		defer zr.Close()
		r = gzipReader{zr}
	}
	n := 0
	err = ingest.DecodeFile(r, func(it inventory.Item) error {
		if err := complete(&it, n, d); err != nil {
			return err
		}
		n++
		return fn(it)
	})
	return trim(err)
}

// gzipReader names the errors of a gzip stream as such.
type gzipReader struct{ r io.Reader }

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = gzipError(err)
	}
	return n, err
}

// gzipError explains an error of a gzip stream.
func gzipError(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("the gzip stream is truncated")
	case errors.Is(err, gzip.ErrChecksum):
		return errors.New("the gzip stream is corrupt (checksum mismatch)")
	case errors.Is(err, gzip.ErrHeader):
		return errors.New("the gzip stream is corrupt (bad header)")
	}
	return fmt.Errorf("the gzip stream is corrupt: %w", err)
}

// trim drops the package prefix of ingest's errors, for messages that
// already name the file.
func trim(err error) error {
	if err == nil {
		return nil
	}
	if msg, ok := strings.CutPrefix(err.Error(), "ingest: "); ok {
		return &trimmed{msg: msg, err: err}
	}
	return err
}

type trimmed struct {
	msg string
	err error
}

func (t *trimmed) Error() string { return t.msg }
func (t *trimmed) Unwrap() error { return t.err }

// complete checks item n of a file delivered where d says, and fills in
// what the file leaves to its place or to convention:
//
//   - the account and the recording region come from the item
//     (awsAccountId, awsRegion), or from the path when the item lacks them
//     (a global item's awsRegion is "global": it was recorded in the
//     path's region); an item whose account or region differs from its
//     path's was not delivered there, and fails the file;
//   - configurationItemCaptureTime and configurationItemStatus, which AWS
//     Config writes in every item, are required;
//   - an item without a configurationStateId gets its capture time in
//     epoch milliseconds, as AWS numbers them, so that importing it again
//     names the same version;
//   - an item without a version is version 1.3, and times are kept to the
//     millisecond.
func complete(it *inventory.Item, n int, d ingest.Delivery) error {
	what := fmt.Sprintf("configurationItems[%d] (%s %s)", n, it.ResourceType, it.ResourceID)
	region := d.Region
	if region == ingest.GlobalRegion {
		region = ""
	}
	switch {
	case it.AccountID == "" && d.AccountID == "":
		return fmt.Errorf("%s: missing awsAccountId, and the path does not name the account", what)
	case it.AccountID == "":
		it.AccountID = d.AccountID
	case d.AccountID != "" && it.AccountID != d.AccountID:
		return fmt.Errorf("%s: of account %s, in a file delivered for account %s", what, it.AccountID, d.AccountID)
	}
	switch {
	case it.Region == "" && region == "":
		if it.AWSRegion == ingest.GlobalRegion {
			return fmt.Errorf("%s: a global resource, and the path does not name the region that recorded it", what)
		}
		return fmt.Errorf("%s: missing awsRegion, and the path does not name the region", what)
	case it.Region == "":
		it.Region = region
	case region != "" && it.Region != region:
		return fmt.Errorf("%s: of region %s, in a file delivered for region %s", what, it.Region, region)
	}
	switch {
	case it.CaptureTime.IsZero():
		return fmt.Errorf("%s: missing configurationItemCaptureTime", what)
	case it.Status == "":
		return fmt.Errorf("%s: missing configurationItemStatus", what)
	}
	if it.AWSRegion == "" {
		it.AWSRegion = it.Region
	}
	if it.Version == "" {
		it.Version = itemVersion
	}
	it.CaptureTime = it.CaptureTime.Truncate(time.Millisecond)
	it.ResourceCreationTime = it.ResourceCreationTime.Truncate(time.Millisecond)
	if it.StateID <= 0 {
		it.StateID = it.CaptureTime.UnixMilli()
	}
	return nil
}
