package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/ingestclient"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

var exportSrc = inventory.Source{AccountID: "444444444444", Region: "us-east-1"}

// exportHistory is the history the export tests record in exportSrc (and
// a resource of another region), times relative to base (which is recent,
// so that retention keeps it): vpc-1 changes at 3h, i-1 exists from 2h to
// its deletion at 4h, b-1 appears at 5h, the global role exists from 1h.
// It returns the versions, the snapshot now and the snapshot at 2h30m.
func exportHistory(base time.Time) (all, now, past []inventory.Item) {
	at := func(h float64) time.Time { return base.Add(time.Duration(h * float64(time.Hour))) }
	v := func(typ, id string, state int64, capture time.Time, conf string) inventory.Item {
		return inventory.Item{
			Key:           inventory.Key{Source: exportSrc, ResourceType: typ, ResourceID: id},
			StateID:       state,
			CaptureTime:   capture,
			Status:        inventory.StatusOK,
			Version:       "1.3",
			AWSRegion:     exportSrc.Region,
			ARN:           "arn:aws:ec2:us-east-1:444444444444:thing/" + id,
			Configuration: json.RawMessage(conf),
		}
	}
	vpc1 := v("AWS::EC2::VPC", "vpc-1", 1, at(1), `{"cidrBlock":"10.0.0.0/16","isDefault":false,"n":1.50}`)
	vpc1.Tags = map[string]string{"env": "dev"}
	vpc2 := v("AWS::EC2::VPC", "vpc-1", 2, at(3), `{"cidrBlock":"10.1.0.0/16","isDefault":false,"n":2e3}`)
	vpc2.Tags = map[string]string{"env": "prod", "team": "<net>"}
	vpc2.AvailabilityZone = "Multiple Availability Zones"
	inst := v("AWS::EC2::Instance", "i-1", 1, at(2).Add(157*time.Millisecond), `{"instanceType":"t3.micro","nested":{"b":[1,2],"a":null}}`)
	inst.Status = inventory.StatusResourceDiscovered
	inst.ResourceName = "web"
	inst.ResourceCreationTime = at(1.5).Add(999 * time.Millisecond)
	inst.Relationships = []inventory.Relationship{
		{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", Name: "Is contained in Vpc"},
		{ResourceType: "AWS::EC2::SecurityGroup", ResourceName: "sg-name", Name: "Is associated with SecurityGroup"},
	}
	instDel := v("AWS::EC2::Instance", "i-1", 2, at(4), "null")
	instDel.Status, instDel.ARN = inventory.StatusResourceDeleted, ""
	bucket := v("AWS::S3::Bucket", "b-1", 1, at(5), `{"name":"b-1"}`)
	bucket.SupplementaryConfiguration = map[string]json.RawMessage{
		"BucketPolicy":           json.RawMessage(`{"policyText":null}`),
		"IsRequesterPaysEnabled": json.RawMessage(`false`),
	}
	role := v("AWS::IAM::Role", "AROAEXAMPLE", 1, at(1).Add(time.Millisecond), `{"roleName":"r","path":"/"}`)
	role.AWSRegion, role.ResourceName, role.ARN = ingest.GlobalRegion, "r", "arn:aws:iam::444444444444:role/r"
	other := v("AWS::EC2::VPC", "vpc-9", 1, at(1), `{}`)
	other.Region, other.AWSRegion = "eu-west-1", "eu-west-1"
	all = []inventory.Item{vpc1, vpc2, inst, instDel, bucket, role, other}
	now = []inventory.Item{vpc2, role, bucket}
	past = []inventory.Item{inst, vpc1, role}
	return all, now, past
}

// exportBase is a recent time, to the millisecond, that exportHistory's
// times (up to 5h after it) are before.
func exportBase() time.Time { return time.Now().UTC().Add(-6 * time.Hour).Truncate(time.Millisecond) }

var exportLine = regexp.MustCompile(`^wrote (\d+) configuration items? to (.+)\n$`)

// readExport checks the command's output and the file it names, and
// returns the file's items, in the form they were recorded in.
func readExport(t *testing.T, stdout, dir string, src inventory.Source, at time.Time) []inventory.Item {
	t.Helper()
	m := exportLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("stdout = %q", stdout)
	}
	path := m[2]
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.ToSlash(rel)
	prefix := "AWSLogs/" + src.AccountID + "/Config/" + src.Region + "/"
	if !strings.HasPrefix(key, prefix) || !strings.HasSuffix(key, ".json.gz") {
		t.Errorf("key %q, want AWS's snapshot key under %s", key, prefix)
	}
	if !at.IsZero() && !strings.Contains(key, at.UTC().Format("_ConfigSnapshot_20060102T150405Z_")) {
		t.Errorf("key %q does not have the time of --at %v", key, at)
	}
	d, err := ingest.ParseDelivery(key)
	if err != nil || d != (ingest.Delivery{AccountID: src.AccountID, Region: src.Region, Kind: ingest.KindSnapshot}) {
		t.Errorf("ParseDelivery(%q) = %+v, %v", key, d, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var items []inventory.Item
	if err := ingest.DecodeFile(zr, func(it inventory.Item) error {
		if it.Region == "" { // global: the file does not hold the source region
			it.Region = src.Region
		}
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(m[1]); n != len(items) {
		t.Errorf("printed %d items, the file has %d", n, len(items))
	}
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.tmp")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	return exportNormal(items)
}

// exportNormal makes items comparable: empty maps and slices nil.
func exportNormal(items []inventory.Item) []inventory.Item {
	out := []inventory.Item{}
	for _, it := range items {
		if len(it.Tags) == 0 {
			it.Tags = nil
		}
		if len(it.SupplementaryConfiguration) == 0 {
			it.SupplementaryConfiguration = nil
		}
		if len(it.Relationships) == 0 {
			it.Relationships = nil
		}
		out = append(out, it)
	}
	return out
}

func checkExportItems(t *testing.T, what string, got, want []inventory.Item) {
	t.Helper()
	want = exportNormal(want)
	if !reflect.DeepEqual(got, want) {
		var g, w bytes.Buffer
		for _, it := range got {
			g.WriteString("\n  ")
			g.Write(ingest.AppendFileItem(nil, &it))
		}
		for _, it := range want {
			w.WriteString("\n  ")
			w.Write(ingest.AppendFileItem(nil, &it))
		}
		t.Errorf("%s: items\n got %s\nwant %s", what, g.String(), w.String())
	}
}

func TestExportData(t *testing.T) {
	base := exportBase()
	all, now, past := exportHistory(base)
	data := t.TempDir()
	inv, err := sqlite.OpenInventory(t.Context(), data, sqlite.InventoryOptions{Sync: sqlite.SyncNormal})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Write(t.Context(), all); err != nil {
		t.Fatal(err)
	}
	if err := inv.Close(); err != nil {
		t.Fatal(err)
	}
	args := []string{"export", "--data", data, "--account", exportSrc.AccountID, "--region", exportSrc.Region}

	out := t.TempDir()
	stdout, stderr, err := runCmd(t, nil, append(args, out)...)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	checkExportItems(t, "now", readExport(t, stdout, out, exportSrc, time.Time{}), now)

	// The past, with the flags after DIR.
	at := base.Add(150 * time.Minute)
	out = filepath.Join(t.TempDir(), "new", "dir")
	stdout, stderr, err = runCmd(t, nil, "export", out, "--data", data, "--account", exportSrc.AccountID, "--region", exportSrc.Region, "--at", at.Format(time.RFC3339Nano))
	if err != nil {
		t.Fatalf("export --at: %v\n%s", err, stderr)
	}
	checkExportItems(t, "at 2h30", readExport(t, stdout, out, exportSrc, at), past)

	// A source without resources: an empty snapshot.
	empty := inventory.Source{AccountID: "555555555555", Region: "us-east-1"}
	out = t.TempDir()
	stdout, stderr, err = runCmd(t, nil, "export", "--data", data, "--account", empty.AccountID, "--region", empty.Region, out)
	if err != nil {
		t.Fatalf("export of an empty source: %v\n%s", err, stderr)
	}
	checkExportItems(t, "empty", readExport(t, stdout, out, empty, time.Time{}), nil)
}

// startRecorder starts a recorder of every type in the source, as the
// ingest API requires.
func startRecorder(t *testing.T, c *configservice.Client) {
	t.Helper()
	ctx := t.Context()
	if _, err := c.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{
		ConfigurationRecorder: &cstypes.ConfigurationRecorder{
			Name:           aws.String("default"),
			RoleARN:        aws.String(configRole(exportSrc.AccountID)),
			RecordingGroup: &cstypes.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: true},
		},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutDeliveryChannel(ctx, &configservice.PutDeliveryChannelInput{
		DeliveryChannel: &cstypes.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String("bucket")},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
}

func TestExportEndpoint(t *testing.T) {
	base := exportBase()
	all, now, past := exportHistory(base)
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	url, stop := apptest.Start(t, cfg, app.Options{})
	startRecorder(t, configClient(url, exportSrc.AccountID, exportSrc.Region))
	ic := ingestclient.New(url, http.DefaultClient, func(account string) aws.Credentials {
		return aws.Credentials{AccessKeyID: account, SecretAccessKey: "x"}
	})
	var mine []inventory.Item
	for _, it := range all {
		if it.Source == exportSrc {
			mine = append(mine, it)
		}
	}
	if res, err := ic.Put(t.Context(), exportSrc, mine); err != nil || res.New+res.Superseded != len(mine) {
		t.Fatalf("ingest: %+v, %v", res, err)
	}
	args := []string{"export", "--endpoint", url, "--account", exportSrc.AccountID, "--region", exportSrc.Region}

	out := t.TempDir()
	stdout, stderr, err := runCmd(t, nil, append(args, out)...)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	gotNow := readExport(t, stdout, out, exportSrc, time.Time{})
	checkExportItems(t, "now", gotNow, now)

	// The past; signed with the environment's credentials.
	at := base.Add(150 * time.Minute)
	out = t.TempDir()
	env := map[string]string{"AWS_ACCESS_KEY_ID": exportSrc.AccountID, "AWS_SECRET_ACCESS_KEY": "secret"}
	stdout, stderr, err = runCmd(t, env, append(args, "--at", at.Format(time.RFC3339Nano), out)...)
	if err != nil {
		t.Fatalf("export --at: %v\n%s", err, stderr)
	}
	gotPast := readExport(t, stdout, out, exportSrc, at)
	checkExportItems(t, "at 2h30", gotPast, past)

	// Credentials of another account: its items are refused.
	env = map[string]string{"AWS_ACCESS_KEY_ID": exportSrc.AccountID, "AWS_SECRET_ACCESS_KEY": "secret"}
	_, _, err = runCmd(t, env, "export", "--endpoint", url, "--account", "666666666666", "--region", exportSrc.Region, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not 666666666666") {
		t.Errorf("export with another account's credentials: %v", err)
	}

	if apptest.Postgres() {
		return
	}
	// A running server holds its data directory.
	_, _, err = runCmd(t, nil, "export", "--data", cfg.DataDir, "--account", exportSrc.AccountID, "--region", exportSrc.Region, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "--endpoint") {
		t.Errorf("export --data of a running server's directory: %v, want a hint at --endpoint", err)
	}
	// Once it is stopped, the offline export is the same as the server's.
	stop()
	for _, tc := range []struct {
		name string
		at   time.Time
		want []inventory.Item
	}{{"now", time.Time{}, gotNow}, {"at 2h30", at, gotPast}} {
		out = t.TempDir()
		a := []string{"export", "--data", cfg.DataDir, "--account", exportSrc.AccountID, "--region", exportSrc.Region, out}
		if !tc.at.IsZero() {
			a = append(a, "--at", tc.at.Format(time.RFC3339Nano))
		}
		stdout, stderr, err = runCmd(t, nil, a...)
		if err != nil {
			t.Fatalf("export --data %s: %v\n%s", tc.name, err, stderr)
		}
		checkExportItems(t, "offline "+tc.name, readExport(t, stdout, out, exportSrc, tc.at), tc.want)
	}
}

func TestExportFlags(t *testing.T) {
	noData := filepath.Join(t.TempDir(), "nothing")
	acct := []string{"--account", "444444444444", "--region", "us-east-1"}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"export", "--region", "us-east-1", "d"}, "give the account"},
		{nil, []string{"export", "--account", "42", "--region", "us-east-1", "d"}, `--account "42" is not a 12-digit account id`},
		{nil, []string{"export", "--account", "444444444444", "d"}, "give the region"},
		{nil, []string{"export", "--account", "444444444444", "--region", "moon-1", "d"}, `--region "moon-1" is not a region name`},
		{nil, append([]string{"export", "--at", "yesterday"}, append(acct, "d")...), `--at "yesterday" is not an RFC 3339 time`},
		{nil, append([]string{"export", "--at", time.Now().Add(time.Hour).Format(time.RFC3339)}, append(acct, "d")...), "is in the future"},
		{nil, append([]string{"export", "--data", "x", "--endpoint", "http://x"}, append(acct, "d")...), "give one of --data, --store and --endpoint, not --data and --endpoint"},
		{nil, append([]string{"export", "--data", "x", "--store", "postgres://x"}, append(acct, "d")...), "not --data and --store"},
		{nil, append([]string{"export", "--store", "mysql://x"}, append(acct, "d")...), "want a PostgreSQL URL"},
		{nil, append([]string{"export", "--data", ""}, append(acct, "d")...), "--data is empty"},
		{nil, append([]string{"export"}, acct...), "give the directory"},
		{nil, append([]string{"export"}, append(acct, "a", "b")...), `one directory, not 2`},
		{nil, append([]string{"export", "--data", noData}, append(acct, "d")...), "holds no Starling inventory"},
		{map[string]string{"STARLING_STORE": "postgres://x", "STARLING_ENDPOINT": "http://x"}, append([]string{"export"}, append(acct, "d")...), "both STARLING_STORE and STARLING_ENDPOINT"},
		{map[string]string{"STARLING_STORE": "mysql://x"}, append([]string{"export"}, append(acct, "d")...), "want a PostgreSQL URL"},
		{nil, append([]string{"export", "--endpoint", ""}, append(acct, "d")...), "--endpoint is empty"},
		{nil, append([]string{"export", "--ca-cert", noData}, append(acct, "d")...), "export: --ca-cert"},
	} {
		_, _, err := runCmd(t, tc.env, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v (env %v): error %v, want %q", tc.args, tc.env, err, tc.want)
		}
	}
	if _, err := os.Stat(noData); !os.IsNotExist(err) {
		t.Errorf("export --data made %s", noData)
	}

	// An endpoint that does not answer.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	err := run(ctx, append([]string{"export", "--endpoint", srv.URL}, append(acct, dir)...), func(string) string { return "" }, &strings.Builder{}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "GetDiscoveredResourceCounts") {
		t.Errorf("unreachable endpoint: %v", err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*")); len(files) > 0 {
		t.Errorf("files left: %v", files)
	}
}

func TestHelpListsExport(t *testing.T) {
	stdout, _, err := runCmd(t, nil, "help")
	if err != nil || !strings.Contains(stdout, "starling export [flags] DIR") {
		t.Errorf("help = %q, %v", stdout, err)
	}
	_, stderr, err := runCmd(t, nil, "export", "-h")
	if err == nil || !strings.Contains(stderr, "ConfigSnapshot") || !strings.Contains(stderr, "-at") {
		t.Errorf("export -h: %v\n%s", err, stderr)
	}
}
