// Package querytest is the differential test of advanced query: random
// queries over random configuration items, answered by the executor
// (package query/exec) over a backend's store, and by the reference
// evaluator (package query/eval) over every item of the store, filtered in
// Go and decoded whole (eval.RunWhole). The two must agree, result for result, or both refuse the query.
// Every backend runs it unchanged:
//
//	func TestQueryDifferential(t *testing.T) {
//		querytest.Run(t, func(t *testing.T) inventory.Store { return openStore(t) })
//	}
//
// Whatever the planner pushes down to a backend's database must keep it
// passing.
package querytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/eval"
	"github.com/starlingcfg/starling/internal/query/exec"
	"github.com/starlingcfg/starling/internal/query/querytest/golden"
)

// Queries is how many random queries Run asks.
const Queries = 400

// The data's dimensions: every (account, region) is a source.
var (
	accounts = []string{"111111111111", "222222222222", "333333333333"}
	regions  = []string{"us-east-1", "eu-west-1"}
	// The last is no queryable type (catalog.Queryable): the evaluator
	// leaves its items out, and so must every plan.
	types = []string{"AWS::EC2::Instance", "AWS::EC2::Volume", "AWS::S3::Bucket", "AWS::IAM::Role", "AWS::Starling::NotQueryable"}
	// Values the configurations and the conditions draw from, so that
	// conditions match some items and not others.
	instanceTypes = []string{"t2.micro", "t2.large", "t3.micro", "m5.xlarge"}
	states        = []string{"running", "stopped", "pending"}
	devices       = []string{"/dev/sda1", "/dev/sdb", "/dev/xvdf"}
	statuses      = []string{inventory.StatusOK, inventory.StatusOK, inventory.StatusResourceDiscovered,
		inventory.StatusResourceDeleted, inventory.StatusResourceNotRecorded, inventory.StatusResourceDeletedNotRecorded}
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// Seeds are the random data sets Run checks, one store each.
var Seeds = []uint64{7, 11, 23}

// Run writes random items to a store made by open, then checks Queries
// random queries over random scopes and type filters, for each of Seeds;
// and it runs the golden table (package golden) through the executor.
func Run(t *testing.T, open func(t *testing.T) inventory.Store) {
	for _, seed := range Seeds {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) { run(t, open(t), seed) })
	}
	t.Run("golden", func(t *testing.T) { runGolden(t, open(t)) })
}

// runGolden writes the golden dataset to st and checks each documented
// query's results and SelectFields through the executor, over every
// source, as an aggregator reading them all would see them.
func runGolden(t *testing.T, st inventory.Store) {
	if _, err := st.Write(t.Context(), golden.Dataset()); err != nil {
		t.Fatalf("Write: %v", err)
	}
	for _, c := range golden.Documented {
		q, err := query.Parse(c.Expr)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		got, err := exec.Run(t.Context(), st, inventory.AllSources(), nil, q)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		if !slices.Equal(got, c.Want) {
			t.Errorf("%s: %s\n got %s\nwant %s", c.Name, c.Expr, strings.Join(got, "\n     "), strings.Join(c.Want, "\n     "))
		}
		if f := eval.SelectFields(q); c.Fields != nil && !slices.Equal(f, c.Fields) {
			t.Errorf("%s: SelectFields %q, want %q", c.Name, f, c.Fields)
		}
	}
}

func run(t *testing.T, st inventory.Store, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 15))
	items := randomItems(rng)
	if _, err := st.Write(t.Context(), items); err != nil {
		t.Fatalf("Write: %v", err)
	}
	// The reference reads every item once, in List order, and filters
	// in Go.
	var all []inventory.Item
	for it, err := range st.Scan(t.Context(), inventory.ScanQuery{Scope: inventory.AllSources(), Filter: inventory.Filter{IncludeDeleted: true}}) {
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		all = append(all, it)
	}
	if len(all) == 0 {
		t.Fatal("no items")
	}
	agreed, refused := 0, 0
	for i := range Queries {
		expr := randomQuery(rng)
		q, err := query.Parse(expr)
		if err != nil {
			t.Fatalf("query %d: %q does not parse: %v", i, expr, err)
		}
		scope, allowed := randomScope(rng), randomTypes(rng)
		want, wantErr := eval.RunWhole(q, reference(all, scope, allowed))
		got, gotErr := exec.Run(t.Context(), st, scope, allowed, q)
		switch {
		case wantErr != nil || gotErr != nil:
			if !errors.Is(gotErr, eval.ErrInvalid) || !errors.Is(wantErr, eval.ErrInvalid) {
				t.Errorf("query %d %q (scope %v, types %v): executor error %v, reference error %v", i, expr, scope.Sources, allowed, gotErr, wantErr)
			}
			refused++
		case !slices.Equal(got, want):
			t.Errorf("query %d %q (scope %v, types %v):\nexecutor  %d results %v\nreference %d results %v",
				i, expr, scope.Sources, allowed, len(got), got, len(want), want)
		default:
			agreed++
		}
	}
	t.Logf("%d queries agreed, %d refused by both", agreed, refused)
	if agreed < Queries/2 {
		t.Errorf("only %d of %d queries ran: the generator makes too many invalid ones", agreed, Queries)
	}
}

// reference returns the items of all in scope and of the allowed types
// (nil: all), as a Scan would.
func reference(all []inventory.Item, scope *inventory.Scope, allowed []string) func(func(inventory.Item, error) bool) {
	return func(yield func(inventory.Item, error) bool) {
		for _, it := range all {
			if !scope.All && !slices.Contains(scope.Sources, it.Source) {
				continue
			}
			if allowed != nil && !slices.Contains(allowed, it.ResourceType) {
				continue
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

// randomItems returns about 150 resources, some with several versions (the
// store keeps the latest), of every status.
func randomItems(rng *rand.Rand) []inventory.Item {
	var items []inventory.Item
	for _, acct := range accounts {
		for _, region := range regions {
			for n := range 25 {
				typ := types[rng.IntN(len(types))]
				id := fmt.Sprintf("%s-%s-%d", strings.ToLower(typ[strings.LastIndex(typ, ":")+1:]), region[:2], n)
				k := inventory.Key{Source: inventory.Source{AccountID: acct, Region: region}, ResourceType: typ, ResourceID: id}
				for v := range 1 + rng.IntN(2) {
					items = append(items, randomItem(rng, k, int64(v+1)))
				}
			}
		}
	}
	return items
}

func randomItem(rng *rand.Rand, k inventory.Key, stateID int64) inventory.Item {
	awsRegion := k.Region
	if strings.HasPrefix(k.ResourceType, "AWS::IAM::") {
		awsRegion = "global"
	}
	it := inventory.Item{
		Key:              k,
		StateID:          stateID,
		CaptureTime:      t0.Add(time.Duration(stateID) * time.Minute),
		Status:           statuses[rng.IntN(len(statuses))],
		Version:          "1.3",
		AWSRegion:        awsRegion,
		ARN:              "arn:aws:test:" + k.Region + ":" + k.AccountID + ":" + k.ResourceID,
		AvailabilityZone: k.Region + "a",
		Tags:             map[string]string{"env": []string{"prod", "dev"}[rng.IntN(2)]},
	}
	if rng.IntN(4) > 0 {
		it.ResourceName = "name-" + k.ResourceID[len(k.ResourceID)-1:]
	}
	conf := map[string]any{
		"instanceType": instanceTypes[rng.IntN(len(instanceTypes))],
		"state":        map[string]any{"name": states[rng.IntN(len(states))], "code": rng.IntN(80)},
		"size":         rng.IntN(500),
	}
	switch rng.IntN(6) {
	case 0:
		delete(conf, "instanceType") // absent
	case 1:
		conf["instanceType"] = 42 // a number where the catalogue says string: compared by its text
	}
	if rng.IntN(3) == 0 {
		// Sizes that the conditions name, one written as 250.0: equal
		// as numbers, not as text.
		conf["size"] = []any{7, json.Number("250.0"), 250}[rng.IntN(3)]
	}
	if rng.IntN(3) == 0 {
		// A scalar where the catalogue has state.value: the document wraps
		// it as {"value": …} (Document), the recorded JSON does not.
		conf["state"] = []string{"available", "in-use", "running"}[rng.IntN(3)]
	}
	var bdm []any
	for range rng.IntN(3) {
		bdm = append(bdm, map[string]any{"deviceName": devices[rng.IntN(len(devices))], "ebs": map[string]any{"volumeSize": rng.IntN(100)}})
	}
	if len(bdm) > 0 && rng.IntN(4) == 0 {
		conf["blockDeviceMappings"] = []any{bdm} // an array of arrays
	} else {
		conf["blockDeviceMappings"] = bdm
	}
	if rng.IntN(3) == 0 {
		it.Relationships = []inventory.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: []string{"vpc-1", "vpc-2"}[rng.IntN(2)], Name: "Is contained in Vpc"}}
	}
	if rng.IntN(2) == 0 {
		it.SupplementaryConfiguration = map[string]json.RawMessage{
			"BucketVersioningConfiguration": json.RawMessage(`{"status":"` + []string{"Enabled", "Off"}[rng.IntN(2)] + `"}`),
		}
	}
	b, _ := json.Marshal(conf) // plain values always encode
	if rng.IntN(4) == 0 {
		// Some recorders escape characters JSON does not require them to
		// (Gson writes = as \u003d): the same values, other bytes.
		for _, v := range slices.Concat(instanceTypes, states, devices) {
			b = bytes.ReplaceAll(b, []byte(`"`+v+`"`), []byte(`"`+strings.ReplaceAll(v, ".", `\u002e`)+`"`))
		}
	}
	it.Configuration = b
	return it
}

// randomScope returns every source, or a random non-empty set of them.
func randomScope(rng *rand.Rand) *inventory.Scope {
	if rng.IntN(3) == 0 {
		return inventory.AllSources()
	}
	var srcs []inventory.Source
	for _, a := range accounts {
		for _, r := range regions {
			if rng.IntN(2) == 0 {
				srcs = append(srcs, inventory.Source{AccountID: a, Region: r})
			}
		}
	}
	if len(srcs) == 0 {
		srcs = append(srcs, inventory.Source{AccountID: accounts[0], Region: regions[0]})
	}
	return inventory.NewScope(srcs)
}

// randomTypes returns nil (every type) or a sorted subset of the types, as
// an aggregator's ResourceType filter.
func randomTypes(rng *rand.Rand) []string {
	if rng.IntN(3) > 0 {
		return nil
	}
	var out []string
	for _, t := range types {
		if rng.IntN(2) == 0 {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return append([]string{}, out...)
}

// The select lists, with the GROUP BY each needs.
var selects = []struct{ list, groupBy string }{
	{"resourceId", ""},
	{"resourceId, accountId, awsRegion", ""},
	{"*", ""},
	{"resourceId, configuration.instanceType, configuration.state.name", ""},
	{"resourceId, configuration.blockDeviceMappings.deviceName", ""},
	{"resourceType, COUNT(*)", "resourceType"},
	{"accountId, COUNT(*)", "accountId"},
	{"awsRegion, resourceType, COUNT(*)", "awsRegion, resourceType"},
	{"configuration.instanceType, COUNT(*)", "configuration.instanceType"},
	{"COUNT(*)", ""},
	{"MAX(configuration.size), MIN(configuration.size)", ""},
}

// randomQuery returns a random expression of the grammar's common forms.
func randomQuery(rng *rand.Rand) string {
	s := selects[rng.IntN(len(selects))]
	expr := "SELECT " + s.list
	if rng.IntN(5) > 0 {
		expr += " WHERE " + randomCond(rng, 2)
	}
	if s.groupBy != "" {
		expr += " GROUP BY " + s.groupBy
	}
	return expr
}

// randomCond returns a condition of up to depth levels of AND, OR and NOT.
func randomCond(rng *rand.Rand, depth int) string {
	if depth > 0 {
		switch rng.IntN(5) {
		case 0:
			return "(" + randomCond(rng, depth-1) + " AND " + randomCond(rng, depth-1) + ")"
		case 1:
			return "(" + randomCond(rng, depth-1) + " OR " + randomCond(rng, depth-1) + ")"
		case 2:
			return "NOT " + randomCond(rng, depth-1)
		}
	}
	return randomAtom(rng)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func oneOf(rng *rand.Rand, vals []string) string { return quote(vals[rng.IntN(len(vals))]) }

func someOf(rng *rand.Rand, vals []string) string {
	var out []string
	for _, v := range vals {
		if rng.IntN(2) == 0 {
			out = append(out, quote(v))
		}
	}
	if len(out) == 0 {
		out = append(out, quote(vals[0]))
	}
	return "(" + strings.Join(out, ", ") + ")"
}

// randomAtom returns one predicate on a top-level property the planner
// narrows by, or on the configuration, which the evaluator decides.
func randomAtom(rng *rand.Rand) string {
	ids := []string{"instance-us-0", "volume-eu-3", "bucket-us-7", "role-eu-1", "instance-eu-12"}
	switch rng.IntN(20) {
	case 0:
		return "resourceType = " + oneOf(rng, types)
	case 1:
		return "resourceType IN " + someOf(rng, types)
	case 2:
		return "resourceType != " + oneOf(rng, types)
	case 3:
		return "accountId = " + oneOf(rng, accounts)
	case 4:
		return "accountId IN " + someOf(rng, accounts)
	case 5:
		return "resourceId = " + oneOf(rng, ids)
	case 6:
		return "resourceId IN " + someOf(rng, ids)
	case 7:
		return "awsRegion = " + oneOf(rng, append(slices.Clone(regions), "global"))
	case 8:
		return "configuration.instanceType = " + oneOf(rng, instanceTypes)
	case 9:
		return "configuration.instanceType LIKE 't2.%'"
	case 10:
		return "configuration.state.name IN " + someOf(rng, states)
	case 11:
		return fmt.Sprintf("configuration.size BETWEEN %d AND %d", rng.IntN(250), 250+rng.IntN(250))
	case 12:
		return "configuration.blockDeviceMappings.deviceName = " + oneOf(rng, devices)
	case 13:
		return "configuration.state.value = " + oneOf(rng, []string{"available", "in-use", "running"})
	case 14:
		return "configuration.instanceType IN " + someOf(rng, []string{"42", "t2.micro", "042"})
	case 15:
		if rng.IntN(3) == 0 {
			return "tags.tag = " + oneOf(rng, []string{"env=prod", "env=dev"}) // key=value, which no term holds
		}
		return "tags." + []string{"key", "value"}[rng.IntN(2)] + " = " + oneOf(rng, []string{"env", "prod", "dev"})
	case 16:
		return "relationships.resourceId = " + oneOf(rng, []string{"vpc-1", "vpc-2"})
	case 17:
		return "supplementaryConfiguration.BucketVersioningConfiguration.status = " + oneOf(rng, []string{"Enabled", "Off"})
	case 18:
		// Numbers: compared as numbers, not pushed down as text.
		return "configuration.size IN " + someOf(rng, []string{"7", "7.0", "250"})
	}
	return "configurationItemStatus != 'ResourceDeleted'"
}
