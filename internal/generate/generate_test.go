package generate

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

func mustNew(t testing.TB, o Options) *Plan {
	t.Helper()
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// digest encodes every item of the plan, source after source, in the
// delivery-file form and hashes the bytes.
func digest(t testing.TB, p *Plan) [32]byte {
	t.Helper()
	h := sha256.New()
	var buf []byte
	for _, src := range p.Sources() {
		if err := p.Items(src.AccountID, src.Region, func(it inventory.Item) error {
			buf = ingest.AppendFileItem(buf[:0], &it)
			h.Write(buf)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestDeterministic(t *testing.T) {
	o := Options{Seed: 42, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1"}, ResourcesPerSource: 150}
	a, b := mustNew(t, o), mustNew(t, o)
	if !reflect.DeepEqual(a.Accounts(), b.Accounts()) {
		t.Fatal("same seed, different accounts")
	}
	if digest(t, a) != digest(t, b) {
		t.Fatal("same seed, different items")
	}
	o.Seed = 43
	c := mustNew(t, o)
	if c.Accounts()[1].ID == a.Accounts()[1].ID {
		t.Error("another seed gave the same member account id")
	}
	if digest(t, c) == digest(t, a) {
		t.Error("another seed gave the same items")
	}
}

func TestAccounts(t *testing.T) {
	p := mustNew(t, Options{Seed: 7, Accounts: 40})
	accts := p.Accounts()
	if len(accts) != 40 {
		t.Fatalf("%d accounts, want 40", len(accts))
	}
	if accts[0].ID != "000000000000" || !accts[0].Management {
		t.Errorf("first account = %+v, want the management account 000000000000", accts[0])
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for _, a := range accts {
		if !regexp.MustCompile(`^\d{12}$`).MatchString(a.ID) || ids[a.ID] {
			t.Errorf("account id %q is not a new 12-digit id", a.ID)
		}
		if names[a.Name] || a.Email != "aws+"+a.Name+"@example.com" || len(a.Apps) == 0 || a.Env == "" {
			t.Errorf("account %+v", a)
		}
		ids[a.ID], names[a.Name] = true, true
	}
	if accts[1].Name != "log-archive" || accts[2].Name != "audit" {
		t.Errorf("landing-zone accounts first: got %s, %s", accts[1].Name, accts[2].Name)
	}
	q := mustNew(t, Options{Seed: 7, Accounts: 3, ManagementAccount: "111122223333"})
	if got := q.Accounts()[0].ID; got != "111122223333" {
		t.Errorf("management account = %s", got)
	}
	if q.Accounts()[1].ID != accts[1].ID {
		t.Error("member ids should follow from the seed alone")
	}
}

func TestOptionErrors(t *testing.T) {
	for _, o := range []Options{
		{Accounts: -1},
		{Regions: []string{"mars-1"}},
		{Regions: []string{"us-east-1", "us-east-1"}},
		{ResourcesPerSource: -5},
		{ManagementAccount: "12345"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	p := mustNew(t, Options{})
	if err := p.Items("999999999999", "us-east-1", func(inventory.Item) error { return nil }); err == nil {
		t.Error("Items of an unknown account succeeded")
	}
	if err := p.Items("000000000000", "eu-west-3", func(inventory.Item) error { return nil }); err == nil {
		t.Error("Items of an unknown region succeeded")
	}
}

// sourceItems collects a source's items, checking as it goes that each
// survives the file form: encoded and decoded, it is the same item.
func sourceItems(t *testing.T, p *Plan, src inventory.Source) []inventory.Item {
	t.Helper()
	var items []inventory.Item
	var buf []byte
	if err := p.Items(src.AccountID, src.Region, func(it inventory.Item) error {
		buf = ingest.AppendFile(buf[:0], []inventory.Item{it})
		var got []inventory.Item
		if err := ingest.DecodeFile(bytes.NewReader(buf), func(d inventory.Item) error {
			if d.Region == "" {
				d.Region = src.Region // a global item: the caller fills in the source region
			}
			got = append(got, d)
			return nil
		}); err != nil {
			t.Fatalf("%s %s: %v\n%s", it.ResourceType, it.ResourceID, err, buf)
		}
		if len(got) != 1 || !reflect.DeepEqual(got[0], it) {
			t.Fatalf("%s %s does not survive the file form:\n got %+v\nwant %+v", it.ResourceType, it.ResourceID, got, it)
		}
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return items
}

type rkey struct{ typ, id string }

func TestValidity(t *testing.T) {
	const k = 120
	p := mustNew(t, Options{Seed: 3, Accounts: 3, Regions: []string{"eu-west-1", "us-east-1", "ap-southeast-2"}, ResourcesPerSource: k})
	for _, a := range p.Accounts() {
		// What exists in the account: by (type, id) and (type, name), per
		// source; global types in the home region.
		ids := map[string]map[rkey]bool{}
		names := map[string]map[rkey]bool{}
		deleted := map[string]map[rkey]bool{}
		latest := map[string][]inventory.Item{}
		for _, region := range p.Regions() {
			src := inventory.Source{AccountID: a.ID, Region: region}
			items := sourceItems(t, p, src)
			ids[region], names[region], deleted[region] = map[rkey]bool{}, map[rkey]bool{}, map[rkey]bool{}
			var prev *inventory.Item
			for i := range items {
				it := &items[i]
				key := rkey{it.ResourceType, it.ResourceID}
				if it.AccountID != a.ID || it.Region != region {
					t.Fatalf("item of %s in the items of %s", it.Source, src)
				}
				wantRegion := region
				if strings.HasPrefix(it.ResourceType, "AWS::IAM::") {
					wantRegion = "global"
					if region != p.HomeRegion() {
						t.Errorf("%s recorded in %s, not the home region", it.ResourceType, region)
					}
				}
				if it.AWSRegion != wantRegion {
					t.Errorf("%s awsRegion %q, want %q", it.ResourceType, it.AWSRegion, wantRegion)
				}
				if prev != nil && prev.ResourceType == it.ResourceType && prev.ResourceID == it.ResourceID {
					// A later version of the same resource.
					if it.StateID <= prev.StateID || !it.CaptureTime.After(prev.CaptureTime) || prev.Deleted() {
						t.Errorf("%v: version after %d/%v is %d/%v", key, prev.StateID, prev.CaptureTime, it.StateID, it.CaptureTime)
					}
					if it.Status != inventory.StatusOK && it.Status != inventory.StatusResourceDeleted {
						t.Errorf("%v: later version has status %s", key, it.Status)
					}
					latest[region][len(latest[region])-1] = *it
				} else {
					if ids[region][key] {
						t.Fatalf("%v appears twice in %s", key, src)
					}
					ids[region][key] = true
					if it.ResourceName != "" {
						names[region][rkey{it.ResourceType, it.ResourceName}] = true
					}
					if it.Status != inventory.StatusResourceDiscovered {
						t.Errorf("%v: first version has status %s", key, it.Status)
					}
					latest[region] = append(latest[region], *it)
				}
				if it.StateID != it.CaptureTime.UnixMilli() {
					t.Errorf("%v: state id %d is not the capture time in ms", key, it.StateID)
				}
				if it.CaptureTime.After(p.Options().End) {
					t.Errorf("%v: captured after the end", key)
				}
				if !it.ResourceCreationTime.IsZero() && it.ResourceCreationTime.After(it.CaptureTime) {
					t.Errorf("%v: created after it was captured", key)
				}
				prev = it
			}
			if len(latest[region]) != k {
				t.Errorf("%s: %d resources, want %d", src, len(latest[region]), k)
			}
			for _, it := range latest[region] {
				if it.Deleted() {
					deleted[region][rkey{it.ResourceType, it.ResourceID}] = true
					if string(it.Configuration) != "null" || len(it.Relationships) != 0 || len(it.Tags) != 0 {
						t.Errorf("deleted %s %s keeps its configuration or relationships", it.ResourceType, it.ResourceID)
					}
				} else if !json.Valid(it.Configuration) || it.Configuration[0] != '{' {
					t.Errorf("%s %s: configuration %s", it.ResourceType, it.ResourceID, it.Configuration)
				}
			}
		}
		// Every relationship of a current resource names a resource that
		// was generated, and is not deleted.
		for region, items := range latest {
			for _, it := range items {
				for _, rel := range it.Relationships {
					where := region
					if strings.HasPrefix(rel.ResourceType, "AWS::IAM::") {
						where = p.HomeRegion()
					}
					var ok bool
					if rel.ResourceID != "" {
						ok = ids[where][rkey{rel.ResourceType, rel.ResourceID}]
					} else {
						ok = names[where][rkey{rel.ResourceType, rel.ResourceName}]
					}
					if !ok || deleted[where][rkey{rel.ResourceType, rel.ResourceID}] {
						t.Errorf("%s %s in %s: relationship %+v names no current resource", it.ResourceType, it.ResourceID, region, rel)
					}
				}
			}
		}
	}
}

func TestCount(t *testing.T) {
	p := mustNew(t, Options{Seed: 9, Accounts: 2, ResourcesPerSource: 75})
	for _, src := range p.Sources() {
		res, n, err := p.Count(src.AccountID, src.Region)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		if err := p.Items(src.AccountID, src.Region, func(inventory.Item) error { got++; return nil }); err != nil {
			t.Fatal(err)
		}
		if res != 75 || got != n || n < res {
			t.Errorf("%s: Count = %d resources, %d items; Items made %d", src, res, n, got)
		}
	}
}

// TestSmallSources checks sources too small for a whole network.
func TestSmallSources(t *testing.T) {
	for k := 1; k <= 12; k++ {
		p := mustNew(t, Options{Seed: uint64(k), Accounts: 2, Regions: []string{"us-east-1", "us-west-2"}, ResourcesPerSource: k})
		for _, src := range p.Sources() {
			res, _, err := p.Count(src.AccountID, src.Region)
			if err != nil || res != k {
				t.Errorf("K=%d %s: %d resources, %v", k, src, res, err)
			}
			sourceItems(t, p, src)
		}
	}
}

// TestMix checks the shares of the resource types against what AWS
// Config's own material shows accounts hold.
func TestMix(t *testing.T) {
	const k = 2000
	p := mustNew(t, Options{Seed: 11, Accounts: 2, Regions: []string{"us-east-1", "eu-central-1"}, ResourcesPerSource: k})
	types := map[string]int{}
	var total, deleted, versions, compliance, iam, network, compute, lambda, s3, tail int
	pascal := map[string]bool{}
	for _, src := range p.Sources() {
		seen := map[rkey]bool{}
		if err := p.Items(src.AccountID, src.Region, func(it inventory.Item) error {
			versions++
			key := rkey{it.ResourceType, it.ResourceID}
			if it.Deleted() {
				deleted++
			}
			if seen[key] {
				return nil
			}
			seen[key] = true
			total++
			types[it.ResourceType]++
			var doc map[string]json.RawMessage
			if err := json.Unmarshal(it.Configuration, &doc); err != nil {
				t.Fatalf("%s: %v", it.ResourceType, err)
			}
			first := string(it.Configuration[2]) // the first key's first letter
			pascal[it.ResourceType] = unicode.IsUpper(rune(first[0]))
			switch typ := it.ResourceType; {
			case typ == "AWS::Config::ResourceCompliance":
				compliance++
			case strings.HasPrefix(typ, "AWS::IAM::"):
				iam++
			case typ == "AWS::EC2::Instance" || typ == "AWS::EC2::Volume":
				compute++
			case strings.HasPrefix(typ, "AWS::EC2::") && !isTailType(typ):
				network++
			case typ == "AWS::Lambda::Function":
				lambda++
			case typ == "AWS::S3::Bucket":
				s3++
			}
			if isTailType(it.ResourceType) {
				tail++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	share := func(n int) float64 { return float64(n) / float64(total) }
	for _, c := range []struct {
		what     string
		n        int
		min, max float64
	}{
		{"AWS::Config::ResourceCompliance", compliance, 0.10, 0.30},
		{"IAM", iam, 0.03, 0.12}, // 12% of the home region's resources
		{"EC2 networking", network, 0.12, 0.30},
		{"EC2 instances and volumes", compute, 0.05, 0.15},
		{"Lambda functions", lambda, 0.03, 0.10},
		{"S3 buckets", s3, 0.01, 0.05},
		{"long tail", tail, 0.08, 0.20},
	} {
		if s := share(c.n); s < c.min || s > c.max {
			t.Errorf("%s: %.1f%% of resources, want %.0f%%..%.0f%%", c.what, 100*s, 100*c.min, 100*c.max)
		}
	}
	if len(types) < 80 {
		t.Errorf("%d resource types, want a long tail (at least 80)", len(types))
	}
	if d := float64(deleted) / float64(total); d == 0 || d > 0.05 {
		t.Errorf("%.1f%% of resources deleted, want a few", 100*d)
	}
	if v := float64(versions) / float64(total); v < 1.2 || v > 2.5 {
		t.Errorf("%.2f versions per resource, want some history", v)
	}
	// Key style: native types are lowerCamel, registry types PascalCase.
	for typ, want := range map[string]bool{
		"AWS::EC2::Instance": false, "AWS::S3::Bucket": false, "AWS::IAM::Role": false, "AWS::RDS::DBInstance": false,
		"AWS::Lambda::Function": false, "AWS::SNS::Topic": true, "AWS::SQS::Queue": true, "AWS::ECS::TaskDefinition": true,
	} {
		if got, ok := pascal[typ]; ok && got != want {
			t.Errorf("%s: PascalCase keys = %v, want %v", typ, got, want)
		}
	}
}

func isTailType(typ string) bool {
	for _, t := range kindTypes {
		if t == typ {
			return false
		}
	}
	return true
}

func TestTailTemplates(t *testing.T) {
	if len(tailTypes) < 300 {
		t.Fatalf("%d tail types", len(tailTypes))
	}
	p := mustNew(t, Options{Seed: 1})
	s := newSource(p, &p.accounts[0], "us-east-1")
	b := &builder{s: s}
	for i, tt := range tailTypes {
		x := &resource{kind: kTail, typ: tt.Type, id: "x-1", name: "x-1", arn: fillARN(tt.ARN, "us-east-1", "000000000000", "x-1"), n: int32(i), created: time.Unix(1700000000, 0)}
		doc := b.tail(x, s.r)
		if !json.Valid(doc) || bytes.Contains(doc, []byte("${")) {
			t.Errorf("%s: %s", tt.Type, doc)
		}
		if !strings.HasPrefix(x.arn, "arn:aws:") || strings.Contains(x.arn, "${") {
			t.Errorf("%s: ARN %s", tt.Type, x.arn)
		}
	}
}

func BenchmarkItems(b *testing.B) {
	p := mustNew(b, Options{Seed: 1, ResourcesPerSource: 1000})
	b.ReportAllocs()
	n := 0
	var buf []byte
	for b.Loop() {
		if err := p.Items("000000000000", "us-east-1", func(it inventory.Item) error {
			n++
			buf = ingest.AppendFileItem(buf[:0], &it)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
}
