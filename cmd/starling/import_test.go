package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cstypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/starlingcfg/starling/internal/app"
	"github.com/starlingcfg/starling/internal/apptest"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/importer/importertest"
	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// importTarget is where the import tests import into, and how a server is
// started on it: each backend, offline.
type importTarget struct {
	name  string
	flags func(t *testing.T) (args []string, cfg config.Config)
}

var importTargets = []importTarget{
	{"sqlite", func(t *testing.T) ([]string, config.Config) {
		if apptest.Postgres() {
			t.Skip("the SQLite variant runs without " + apptest.EnvStore)
		}
		dir := t.TempDir()
		cfg := config.Defaults()
		cfg.DataDir = dir
		return []string{"--data", dir}, cfg
	}},
	{"postgres", func(t *testing.T) ([]string, config.Config) {
		dsn := pgtest.DSN(t)
		cfg := config.Defaults()
		cfg.Store = dsn
		return []string{"--store", dsn}, cfg
	}},
}

// checkImportedTree checks, through the AWS API of the server at url, that
// it serves the delivery tree of importertest.
func checkImportedTree(t *testing.T, url string) {
	t.Helper()
	ctx := t.Context()
	a := configClient(url, importertest.AccountA, "us-east-1")

	// The current instance and the deleted one.
	list, err := a.ListDiscoveredResources(ctx, &configservice.ListDiscoveredResourcesInput{
		ResourceType: cstypes.ResourceTypeInstance, IncludeDeletedResources: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range list.ResourceIdentifiers {
		deleted := ""
		if r.ResourceDeletionTime != nil {
			deleted = " deleted " + r.ResourceDeletionTime.UTC().Format("15:04")
		}
		ids = append(ids, aws.ToString(r.ResourceId)+deleted)
	}
	if want := []string{"i-0a1b2c3d4e5f60001", "i-0deadbeefdeadbeef deleted 09:00"}; !slices.Equal(ids, want) {
		t.Errorf("instances = %v, want %v", ids, want)
	}

	// The instance's history: the snapshot's version and the history
	// file's, once each, newest first.
	hist, err := a.GetResourceConfigHistory(ctx, &configservice.GetResourceConfigHistoryInput{
		ResourceType: cstypes.ResourceTypeInstance, ResourceId: aws.String("i-0a1b2c3d4e5f60001"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, ci := range hist.ConfigurationItems {
		states = append(states, aws.ToString(ci.ConfigurationStateId))
	}
	if want := []string{"1780313400000", "1780308000000", "1780300800000"}; !slices.Equal(states, want) {
		t.Errorf("history = %v, want %v", states, want)
	}
	if len(hist.ConfigurationItems) > 0 {
		ci := hist.ConfigurationItems[0]
		if !strings.Contains(aws.ToString(ci.Configuration), `"instanceType":"t3.large"`) ||
			ci.Tags["env"] != "prod" || len(ci.Relationships) != 3 ||
			aws.ToString(ci.Relationships[2].RelationshipName) != "Is contained in Vpc" {
			t.Errorf("latest instance item = %+v", ci)
		}
	}

	// Counts per source: each resource in its own account and region.
	for _, c := range []struct {
		account, region string
		want            int64
	}{
		{importertest.AccountA, "us-east-1", 4}, // instance, group, bucket, global role
		{importertest.AccountA, "eu-west-1", 1},
		{importertest.AccountB, "eu-west-1", 1},
		{importertest.AccountB, "us-east-1", 0},
	} {
		counts, err := configClient(url, c.account, c.region).GetDiscoveredResourceCounts(ctx, &configservice.GetDiscoveredResourceCountsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if counts.TotalDiscoveredResources != c.want {
			t.Errorf("%s %s: %d resources, want %d", c.account, c.region, counts.TotalDiscoveredResources, c.want)
		}
	}

	// The bucket's supplementary configuration, as the API encodes it.
	got, err := a.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{
		ResourceKeys: []cstypes.ResourceKey{{ResourceType: cstypes.ResourceTypeBucket, ResourceId: aws.String("starling-fixture-logs")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.BaseConfigurationItems) != 1 ||
		got.BaseConfigurationItems[0].SupplementaryConfiguration["IsRequesterPaysEnabled"] != "false" {
		t.Errorf("bucket = %+v", got.BaseConfigurationItems)
	}
}

// TestImportCommandOffline imports the delivery tree into a stopped
// server's store, on each backend, and reads it through the API.
func TestImportCommandOffline(t *testing.T) {
	for _, target := range importTargets {
		t.Run(target.name, func(t *testing.T) {
			args, cfg := target.flags(t)
			tree := importertest.Tree(t)
			out, errOut, err := runCmd(t, nil, append(append([]string{"import"}, args...), tree)...)
			if err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			if !strings.HasPrefix(out, "imported 4 of 4 files into ") ||
				!strings.Contains(out, ": 11 configuration items (") || !strings.Contains(out, ", 1 unchanged, ") {
				t.Errorf("import printed %q", out)
			}
			url, _ := apptest.Start(t, cfg, app.Options{})
			checkImportedTree(t, url)
		})
	}
}

// TestImportCommandBadFiles checks the command's report of bad files and
// its exit status.
func TestImportCommandBadFiles(t *testing.T) {
	dir, bad := importertest.BadFiles(t)
	data := t.TempDir()
	out, errOut, err := runCmd(t, nil, "import", "--data", data, dir, importertest.Tree(t))
	if err == nil || err.Error() != "import: 5 of 9 files failed" {
		t.Errorf("import error = %v, want 5 of 9 files failed", err)
	}
	if !strings.HasPrefix(out, "imported 4 of 9 files into "+data+" (5 failed): 11 configuration items") {
		t.Errorf("summary = %q", out)
	}
	for _, b := range bad {
		if !strings.Contains(errOut, b.Name+": ") || !strings.Contains(errOut, b.Reason) {
			t.Errorf("stderr does not report %s: %s\n%s", b.Name, b.Reason, errOut)
		}
	}
}

// TestImportCommandFlags checks the command's refusals of its flags.
func TestImportCommandFlags(t *testing.T) {
	tree := importertest.Tree(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "import: name at least one file or directory to import"},
		{[]string{"import", "--data", "d", "--store", "postgres://x/y", tree}, "import: give one of --data, --store and --endpoint, not --data and --store"},
		{[]string{"import", "--endpoint", "http://127.0.0.1:1", "--data", "d", tree}, "import: give one of --data, --store and --endpoint, not --data and --endpoint"},
		{[]string{"import", "--store", "mysql://x", tree}, "import: --store: want a PostgreSQL URL, postgres://user:password@host:5432/dbname (a data directory is --data)"},
		{[]string{"import", "--data", "d", "--sync", "off", tree}, `import: --sync "off" is not full or normal`},
		{[]string{"import", "--data", "d", "--batch", "0", tree}, "import: --batch must be at least 1, --workers and --writers at least 0"},
		{[]string{"import", "--data", t.TempDir(), tree + "/nope"}, "import: stat " + tree + "/nope: no such file or directory"},
	} {
		_, _, err := runCmd(t, nil, tc.args...)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: error = %v, want %q", tc.args, err, tc.want)
		}
	}
}

// startRecorders starts a recorder of every type in each source of the
// tree, through the API, as the sources' accounts.
func startRecorders(t *testing.T, url string) {
	t.Helper()
	for _, src := range []struct{ account, region string }{
		{importertest.AccountA, "us-east-1"}, {importertest.AccountA, "eu-west-1"}, {importertest.AccountB, "eu-west-1"},
	} {
		c := configClient(url, src.account, src.region)
		ctx := t.Context()
		if _, err := c.PutConfigurationRecorder(ctx, &configservice.PutConfigurationRecorderInput{
			ConfigurationRecorder: &cstypes.ConfigurationRecorder{
				Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::" + src.account + ":role/config"),
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
		if _, err := c.StartConfigurationRecorder(ctx, &configservice.StartConfigurationRecorderInput{
			ConfigurationRecorderName: aws.String("default"),
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestImportCommandEndpoint imports through a running server's ingest API:
// refused while the sources' recorders do not record, then taken.
func TestImportCommandEndpoint(t *testing.T) {
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	url, _ := apptest.Start(t, cfg, app.Options{})
	tree := importertest.Tree(t)

	out, errOut, err := runCmd(t, nil, "import", "--endpoint", url, tree)
	if err == nil || err.Error() != "import: 4 of 4 files failed" {
		t.Errorf("without recorders: error = %v", err)
	}
	if !strings.Contains(out, "imported 0 of 4 files") || !strings.Contains(out, ": 0 configuration items") ||
		strings.Count(errOut, "NoRunningConfigurationRecorderException: There is no configuration recorder running. (") != 4 {
		t.Errorf("without recorders: stdout %q, stderr %q", out, errOut)
	}

	startRecorders(t, url)
	if out, errOut, err = runCmd(t, nil, "import", "--endpoint", url, tree); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(out, "imported 4 of 4 files into "+url+": 11 configuration items (") {
		t.Errorf("import printed %q", out)
	}
	checkImportedTree(t, url)

	// Signed as one principal (AWS_ACCESS_KEY_ID), an import may record
	// that principal's own account's items only: account B's file is
	// taken; account A's are refused, in eu-west-1 for their account, in
	// us-east-1 first because B does not record there.
	env := map[string]string{"AWS_ACCESS_KEY_ID": importertest.AccountB, "AWS_SECRET_ACCESS_KEY": "x"}
	out, errOut, err = runCmd(t, env, "import", "--endpoint", url, tree)
	if err == nil || err.Error() != "import: 3 of 4 files failed" || !strings.HasPrefix(out, "imported 1 of 4 files") ||
		strings.Count(errOut, "starling import: ") != 3 ||
		!strings.Contains(errOut, "ValidationException: configurationItems[0] (AWS::EC2::VPC vpc-0eu0west0fixture01) is of account 111111111111; "+
			"a caller records the items of its own account only, 222222222222.") {
		t.Errorf("as account B: error %v, stdout %q, stderr %q", err, out, errOut)
	}
}

// TestImportCommandUnreachable checks that a server that cannot be reached
// stops the import with an error that says so.
func TestImportCommandUnreachable(t *testing.T) {
	_, _, err := runCmd(t, nil, "import", "--endpoint", "http://127.0.0.1:1", importertest.Tree(t))
	if err == nil || !strings.Contains(err.Error(), "import: stopped: cannot reach Starling at http://127.0.0.1:1") {
		t.Errorf("error = %v", err)
	}
}
