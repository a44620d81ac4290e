package ingest

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The kinds of object AWS Config delivers under a delivery channel's S3
// prefix: the <kind> segment of the key, and of the file name.
const (
	KindSnapshot  = "ConfigSnapshot"
	KindHistory   = "ConfigHistory"
	KindOversized = "OversizedChangeNotification"
)

// Delivery is what the place of a file says about its content: the source
// that recorded it and what kind of file it is. AWS Config writes its
// objects under
//
//	[prefix/]AWSLogs/<account>/Config/<region>/<yyyy>/<m>/<d>/<kind>/<name>
//
// and names them <account>_Config_<region>_ConfigSnapshot_<time>_<id>.json.gz
// or <account>_Config_<region>_ConfigHistory_<type>_<start>_<end>_<n>.json.gz
// (AWS Config Developer Guide, "Example Configuration Snapshot" and
// "Example Configuration History" notifications; month and day are not
// zero-padded). Empty fields are unknown.
type Delivery struct {
	AccountID string
	Region    string // "global" in some oversized notifications' keys
	Kind      string // KindSnapshot, KindHistory, KindOversized or ""
}

// deliveryName matches the file names AWS Config gives snapshot and
// history files: the account, the region and the kind.
var deliveryName = regexp.MustCompile(`^(\d{12})_Config_([a-z0-9-]+)_(ConfigSnapshot|ConfigHistory)_`)

// isNumber reports whether s is a non-empty string of decimal digits.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ParseDelivery reads what a file's path (with slashes or the OS's
// separators) says of its content, from the delivery key's segments and
// from the file name. It fails when the two disagree; a path that says
// nothing gives the zero Delivery.
func ParseDelivery(p string) (Delivery, error) {
	p = strings.ReplaceAll(p, `\`, "/")
	var fromKey Delivery
	segs := strings.Split(p, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		// AWSLogs/<account>/Config/<region>/<y>/<m>/<d>/<kind>/...
		rest := segs[i+1:]
		if segs[i] != "AWSLogs" || len(rest) < 7 || !isAccountID(rest[0]) || rest[1] != "Config" ||
			!isNumber(rest[3]) || !isNumber(rest[4]) || !isNumber(rest[5]) {
			continue
		}
		fromKey = Delivery{AccountID: rest[0], Region: rest[2]}
		switch rest[6] {
		case KindSnapshot, KindHistory, KindOversized:
			fromKey.Kind = rest[6]
		}
		break
	}
	var fromName Delivery
	if m := deliveryName.FindStringSubmatch(path.Base(p)); m != nil {
		fromName = Delivery{AccountID: m[1], Region: m[2], Kind: m[3]}
	}
	d := fromKey
	for _, f := range []struct {
		what      string
		key, name string
		set       *string
	}{
		{"account", fromKey.AccountID, fromName.AccountID, &d.AccountID},
		{"region", fromKey.Region, fromName.Region, &d.Region},
		{"kind", fromKey.Kind, fromName.Kind, &d.Kind},
	} {
		switch {
		case f.key != "" && f.name != "" && f.key != f.name:
			return Delivery{}, fmt.Errorf("ingest: the path's %s is %s but the file name's is %s", f.what, f.key, f.name)
		case f.key == "":
			*f.set = f.name
		}
	}
	return d, nil
}

// SnapshotKey returns the S3 key, relative to the delivery channel's
// prefix, at which AWS Config delivers a configuration snapshot of the
// source taken at t (in UTC) with the snapshot id:
//
//	AWSLogs/<account>/Config/<region>/<yyyy>/<m>/<d>/ConfigSnapshot/<account>_Config_<region>_ConfigSnapshot_<yyyyMMddTHHmmssZ>_<id>.json.gz
func SnapshotKey(accountID, region string, t time.Time, snapshotID string) string {
	t = t.UTC()
	return strings.Join([]string{
		"AWSLogs", accountID, "Config", region,
		strconv.Itoa(t.Year()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Day()),
		KindSnapshot,
		fmt.Sprintf("%s_Config_%s_%s_%s_%s.json.gz", accountID, region, KindSnapshot, t.Format("20060102T150405Z"), snapshotID),
	}, "/")
}
