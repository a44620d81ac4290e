package configservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

func TestRecordsType(t *testing.T) {
	const (
		instance = "AWS::EC2::Instance"
		bucket   = "AWS::S3::Bucket"
		role     = "AWS::IAM::Role"
		custom   = "MyOrg::My::Thing"
	)
	// Groups as PutConfigurationRecorder stores them: completed.
	complete := func(g *configapi.RecordingGroup) *configapi.RecordingGroup {
		t.Helper()
		out, err := recordingGroupOf(g)
		if err != nil {
			t.Fatalf("recordingGroupOf(%+v): %v", g, err)
		}
		return out
	}
	yes := ptr(true)
	tests := []struct {
		name  string
		group *configapi.RecordingGroup
		want  []string // of instance, bucket, role, custom
	}{
		{"no group: all supported", nil, []string{instance, bucket, custom}},
		{"default group", complete(nil), []string{instance, bucket, custom}},
		{"all supported", complete(&configapi.RecordingGroup{AllSupported: yes}), []string{instance, bucket, custom}},
		{"all supported with global types", complete(&configapi.RecordingGroup{AllSupported: yes, IncludeGlobalResourceTypes: yes}),
			[]string{instance, bucket, role, custom}},
		{"inclusion", complete(&configapi.RecordingGroup{ResourceTypes: []string{bucket, role}}), []string{bucket, role}},
		{"exclusion", complete(&configapi.RecordingGroup{
			ExclusionByResourceTypes: &configapi.ExclusionByResourceTypes{ResourceTypes: []string{bucket}},
			RecordingStrategy:        &configapi.RecordingStrategy{UseOnly: ptr(configapi.RecordingStrategyTypeExclusionByResourceTypes)},
		}), []string{instance, role, custom}},
		// Groups stored without a strategy are read by their members.
		{"bare inclusion", &configapi.RecordingGroup{ResourceTypes: []string{instance}}, []string{instance}},
		{"bare exclusion", &configapi.RecordingGroup{ExclusionByResourceTypes: &configapi.ExclusionByResourceTypes{ResourceTypes: []string{instance}}},
			[]string{bucket, role, custom}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, typ := range []string{instance, bucket, role, custom} {
				if recordsType(tt.group, typ) {
					got = append(got, typ)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("records %q; want %q", got, tt.want)
			}
		})
	}
}

func TestNextStateID(t *testing.T) {
	at := time.UnixMilli(1_569_605_832_673)
	tests := []struct {
		latest, want int64
	}{
		{0, 1_569_605_832_673},                     // none yet: the capture time in ms
		{1_000, 1_569_605_832_673},                 // an earlier version
		{1_569_605_832_673, 1_569_605_832_674},     // the same millisecond
		{9_000_000_000_000, 9_000_000_000_001},     // a version numbered ahead of the clock
		{1_569_605_832_672, 1_569_605_832_673},     // the millisecond before
		{1_569_605_832_674 - 1, 1_569_605_832_674}, // ditto, one later
	}
	for _, tt := range tests {
		if got := nextStateID(tt.latest, at); got != tt.want {
			t.Errorf("nextStateID(%d) = %d; want %d", tt.latest, got, tt.want)
		}
	}
}

func TestCheckCustomType(t *testing.T) {
	for _, tt := range []struct {
		typ string
		ok  bool
	}{
		{"MyCustomNamespace::Testing::WordPress", true},
		{"ab::cd::ef", true},
		{"AWS::EC2::Instance", false},
		{"aws::Ab::Cd", false},
		{"AMZN::Ab::Cd", false},
		{"Amazon::Ab::Cd", false},
		{"alexa::Ab::Cd", false},
		{"Custom::Ab::Cd", false},
		{"AWSome::Ab::Cd", true}, // the organization is compared whole
		{"a::Ab::Cd", false},     // parts of 2 to 64 characters
		{"Ab::Cd", false},
		{"Ab::Cd::Ef::Gh", false},
		{"Ab::C-d::Ef", false},
		{"", false},
	} {
		err := checkCustomType(tt.typ)
		if (err == nil) != tt.ok || isCustomType(tt.typ) != tt.ok {
			t.Errorf("checkCustomType(%q) = %v; want ok %v", tt.typ, err, tt.ok)
		}
		if err != nil && code(err) != "ValidationException" {
			t.Errorf("checkCustomType(%q) = %v; want ValidationException", tt.typ, err)
		}
	}
}

// TestOperationsCustomTypes checks the validation of the reads that take a
// ResourceType enum: custom types pass, unknown AWS types do not, and the
// other constraints still hold.
func TestOperationsCustomTypes(t *testing.T) {
	s, _, _, ctx := newInventoryService(t)
	ops := Operations(s)
	tests := []struct {
		op, body, code, msgPrefix string
	}{
		{"ListDiscoveredResources", `{"resourceType":"MyOrg::My::Thing"}`, "", ""},
		{"ListDiscoveredResources", `{"resourceType":"AWS::My::Thing"}`, "ValidationException",
			"1 validation error detected: Value 'AWS::My::Thing' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [AWS::EC2::CustomerGateway"},
		{"ListDiscoveredResources", `{"resourceType":"MyOrg::My::Thing","limit":101}`, "InvalidLimitException",
			"Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"ListDiscoveredResources", `{}`, "ValidationException",
			"1 validation error detected: Value null at 'resourceType' failed to satisfy constraint: Member must not be null"},
		{"GetResourceConfigHistory", `{"resourceType":"MyOrg::My::Thing","resourceId":"r"}`, "ResourceNotDiscoveredException", msgResourceNotDiscovered},
		{"GetResourceConfigHistory", `{"resourceType":"MyOrg::My::Thing"}`, "ValidationException",
			"1 validation error detected: Value null at 'resourceId' failed to satisfy constraint: Member must not be null"},
		{"GetResourceConfigHistory", `{"resourceType":"Custom::My::Thing","resourceId":"r"}`, "ValidationException",
			"1 validation error detected: Value 'Custom::My::Thing' at 'resourceType'"},
		{"BatchGetResourceConfig", `{"resourceKeys":[{"resourceType":"MyOrg::My::Thing","resourceId":"r"},{"resourceType":"AWS::S3::Bucket","resourceId":"b"}]}`, "", ""},
		{"BatchGetResourceConfig", `{"resourceKeys":[{"resourceType":"MyOrg::My::Thing","resourceId":"r"},{"resourceType":"AWS::Nope::Nope","resourceId":"b"}]}`, "ValidationException",
			"1 validation error detected: Value 'AWS::Nope::Nope' at 'resourceKeys.2.member.resourceType'"},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.body, func(t *testing.T) {
			_, err := ops[tt.op](ctx, []byte(tt.body))
			if tt.code == "" {
				if err != nil {
					t.Fatalf("err = %v; want none", err)
				}
				return
			}
			var e *apierr.Error
			if !errors.As(err, &e) || e.Code != tt.code || !strings.HasPrefix(e.Message, tt.msgPrefix) {
				t.Errorf("got %v\nwant %s: %s…", err, tt.code, tt.msgPrefix)
			}
		})
	}
}

// newInventoryService returns a Service on fresh SQLite stores, with a
// fake clock, and a caller context for account 111111111111 in us-east-1.
func newInventoryService(t *testing.T) (*Service, inventory.Store, *clock.Fake, context.Context) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, dir, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	inv, err := sqlite.OpenInventory(ctx, dir, sqlite.InventoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inv.Close() })
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s := New(Options{Store: st, Inventory: inv, Clock: clk, Random: bytes.NewReader(bytes.Repeat([]byte{7}, 1000))})
	return s, inv, clk, identity.WithCaller(ctx, identity.Caller{AccountID: "111111111111", Region: "us-east-1"})
}

// startRecorder gives the caller a recording recorder with the group.
func startRecorder(t *testing.T, s *Service, ctx context.Context, group *configapi.RecordingGroup) {
	t.Helper()
	name := ptr("default")
	steps := []error{}
	_, err := s.PutConfigurationRecorder(ctx, &configapi.PutConfigurationRecorderRequest{ConfigurationRecorder: &configapi.ConfigurationRecorder{
		Name: name, RoleARN: ptr("arn:aws:iam::111111111111:role/config"), RecordingGroup: group}})
	steps = append(steps, err)
	_, err = s.PutDeliveryChannel(ctx, &configapi.PutDeliveryChannelRequest{DeliveryChannel: &configapi.DeliveryChannel{Name: name, S3BucketName: ptr("b")}})
	steps = append(steps, err)
	_, err = s.StartConfigurationRecorder(ctx, &configapi.StartConfigurationRecorderRequest{ConfigurationRecorderName: name})
	steps = append(steps, err)
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
}

func TestRecordConfigurationItems(t *testing.T) {
	s, inv, clk, ctx := newInventoryService(t)
	now := clk.Now()
	item := func(typ, id string, state int64, at time.Time) inventory.Item {
		return inventory.Item{
			Key:           inventory.Key{Source: inventory.Source{AccountID: "111111111111", Region: "us-east-1"}, ResourceType: typ, ResourceID: id},
			StateID:       state,
			CaptureTime:   at,
			Status:        inventory.StatusOK,
			AWSRegion:     "us-east-1",
			Configuration: json.RawMessage(`{}`),
		}
	}

	if _, err := s.RecordConfigurationItems(ctx, []inventory.Item{item("AWS::S3::Bucket", "b", 1, now)}); code(err) != "NoRunningConfigurationRecorderException" {
		t.Fatalf("without a recorder: %v; want NoRunningConfigurationRecorderException", err)
	}
	startRecorder(t, s, ctx, &configapi.RecordingGroup{ResourceTypes: []string{"AWS::S3::Bucket", "AWS::IAM::Role"}})

	// Items without an account, a source region, a state id, a version or
	// a capture time get the caller's and the next ones; times are cut to
	// milliseconds; types the group does not record are dropped.
	bare := item("AWS::S3::Bucket", "b", 0, now.Add(-time.Hour+123456*time.Nanosecond))
	bare.Source = inventory.Source{}
	bare.AWSRegion = ""
	global := item("AWS::IAM::Role", "r", 0, time.Time{})
	global.Region, global.AWSRegion = "", "global"
	in := []inventory.Item{bare, item("AWS::EC2::Instance", "i", 5, now), global, item("AWS::S3::Bucket", "b", 0, now.Add(-time.Hour))}
	before := slices.Clone(in)
	res, err := s.RecordConfigurationItems(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.New+res.Superseded != 3 || res.Unchanged != 0 {
		t.Errorf("result = %+v; want 3 recorded, the instance dropped", res)
	}
	if !slices.EqualFunc(in, before, func(a, b inventory.Item) bool {
		return a.Key == b.Key && a.StateID == b.StateID && a.Version == b.Version
	}) {
		t.Errorf("RecordConfigurationItems changed its argument")
	}
	src := inventory.Source{AccountID: "111111111111", Region: "us-east-1"}
	page, err := inv.History(ctx, inventory.HistoryQuery{Key: inventory.Key{Source: src, ResourceType: "AWS::S3::Bucket", ResourceID: "b"}, Limit: 10, Chronological: true})
	if err != nil {
		t.Fatal(err)
	}
	ms := now.Add(-time.Hour).UnixMilli()
	if len(page.Items) != 2 || page.Items[0].StateID != ms || page.Items[1].StateID != ms+1 {
		t.Fatalf("bucket versions = %+v; want state ids %d and %d", page.Items, ms, ms+1)
	}
	b := page.Items[0]
	if b.Version != "1.3" || b.AWSRegion != "us-east-1" || b.AccountID != "111111111111" || !b.CaptureTime.Equal(now.Add(-time.Hour)) {
		t.Errorf("bucket = %+v; want version 1.3, the caller's account and region, the time in whole ms", b)
	}
	role, err := inv.Get(ctx, inventory.Key{Source: src, ResourceType: "AWS::IAM::Role", ResourceID: "r"})
	if err != nil || role.AWSRegion != "global" || !role.CaptureTime.Equal(now) || role.StateID != now.UnixMilli() {
		t.Errorf("role = %+v, %v; want recorded in us-east-1, awsRegion global, captured now", role, err)
	}
	if _, err := inv.Get(ctx, inventory.Key{Source: src, ResourceType: "AWS::EC2::Instance", ResourceID: "i"}); !errors.Is(err, inventory.ErrNotFound) {
		t.Errorf("instance: %v; want not recorded", err)
	}
	// The next unnumbered version follows the stored ones.
	if _, err := s.RecordConfigurationItems(ctx, []inventory.Item{item("AWS::S3::Bucket", "b", 0, now.Add(-2*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if latest, _ := inv.Get(ctx, inventory.Key{Source: src, ResourceType: "AWS::S3::Bucket", ResourceID: "b"}); latest.StateID != ms+2 {
		t.Errorf("next state id = %d; want %d", latest.StateID, ms+2)
	}

	// Refusals name the item, and record nothing of the batch.
	other := item("AWS::S3::Bucket", "x", 1, now)
	other.AccountID = "222222222222"
	elsewhere := item("AWS::S3::Bucket", "y", 1, now)
	elsewhere.Region = "eu-west-1"
	noStatus := item("AWS::S3::Bucket", "z", 1, now)
	noStatus.Status = ""
	for _, tt := range []struct {
		name  string
		items []inventory.Item
		msg   string
	}{
		{"another account", []inventory.Item{item("AWS::S3::Bucket", "ok", 1, now), other},
			"configurationItems[1] (AWS::S3::Bucket x) is of account 222222222222; a caller records the items of its own account only, 111111111111."},
		{"another region", []inventory.Item{elsewhere},
			"configurationItems[0] (AWS::S3::Bucket y) was recorded in region eu-west-1; a caller records the items of its own region only, us-east-1."},
		{"no status", []inventory.Item{noStatus},
			"configurationItems[0]: configurationItemStatus '' is not one of OK, ResourceDiscovered, ResourceNotRecorded, ResourceDeleted, ResourceDeletedNotRecorded."},
		{"no type", []inventory.Item{item("", "t", 1, now)}, "configurationItems[0]: the item has no resourceType."},
		{"no id", []inventory.Item{item("AWS::S3::Bucket", "", 1, now)}, "configurationItems[0]: the item has no resourceId."},
	} {
		_, err := s.RecordConfigurationItems(ctx, tt.items)
		var e *apierr.Error
		if !errors.As(err, &e) || e.Code != "ValidationException" || e.Message != tt.msg {
			t.Errorf("%s: %v\nwant ValidationException: %s", tt.name, err, tt.msg)
		}
	}
	if _, err := inv.Get(ctx, inventory.Key{Source: src, ResourceType: "AWS::S3::Bucket", ResourceID: "ok"}); !errors.Is(err, inventory.ErrNotFound) {
		t.Errorf("the valid item of a refused batch: %v; want not recorded", err)
	}

	// A stopped recorder records nothing.
	if _, err := s.StopConfigurationRecorder(ctx, &configapi.StopConfigurationRecorderRequest{ConfigurationRecorderName: ptr("default")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordConfigurationItems(ctx, nil); code(err) != "NoRunningConfigurationRecorderException" {
		t.Errorf("with a stopped recorder: %v; want NoRunningConfigurationRecorderException", err)
	}
}

// TestRecordConcurrentNumbering checks that concurrent writes of
// unnumbered versions of one resource never pick the same state id.
func TestRecordConcurrentNumbering(t *testing.T) {
	s, inv, clk, ctx := newInventoryService(t)
	startRecorder(t, s, ctx, nil)
	const n = 16
	errs := make(chan error, 2*n)
	for i := range n {
		go func() {
			_, err := s.RecordConfigurationItems(ctx, []inventory.Item{{
				Key:           inventory.Key{ResourceType: "AWS::S3::Bucket", ResourceID: "b"},
				Status:        inventory.StatusOK,
				CaptureTime:   clk.Now(),
				Configuration: json.RawMessage(`{"i":` + strings.Repeat("1", i+1) + `}`),
			}})
			errs <- err
		}()
		go func() {
			_, err := s.PutResourceConfig(ctx, &configapi.PutResourceConfigRequest{ResourceType: ptr("MyOrg::My::Thing"), SchemaVersionId: ptr("1"),
				ResourceId: ptr("r"), Configuration: ptr(`{"i":` + strings.Repeat("1", i+1) + `}`)})
			errs <- err
		}()
	}
	for range 2 * n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	src := inventory.Source{AccountID: "111111111111", Region: "us-east-1"}
	for _, k := range []inventory.Key{{Source: src, ResourceType: "AWS::S3::Bucket", ResourceID: "b"}, {Source: src, ResourceType: "MyOrg::My::Thing", ResourceID: "r"}} {
		page, err := inv.History(ctx, inventory.HistoryQuery{Key: k, Limit: 100})
		if err != nil || len(page.Items) != n {
			t.Errorf("%s: %d versions, %v; want %d, one per write", k.ResourceType, len(page.Items), err, n)
		}
	}
}
