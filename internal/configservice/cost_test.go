package configservice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/orgdir"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
	"github.com/starlingcfg/starling/internal/store/sqlite"
)

// These tests hold the aggregator operations to their cost: what they store
// must grow with accounts + regions, and what a request reads must grow with
// what it returns. They count the store's work through countingStore rather
// than timing anything.

// recordKey names one record of the store.
type recordKey struct {
	t    store.Namespace
	kind store.Kind
	id   string
}

// countingStore wraps a store.Store and counts what transactions read and
// write.
type countingStore struct {
	store.Store

	mu      sync.Mutex
	gets    int                // Get calls
	lists   int                // List and ListKind calls
	listsOf map[store.Kind]int // List and ListKind calls by kind
	listed  int                // records returned by List
	read    int64              // bytes of the documents read
	written int64              // bytes of the ids and documents written
	reads   map[recordKey]int
	kinds   map[store.Kind]int // writes (Create, Put, Delete) by kind
	// onRead, when set, runs after every Get and List.
	onRead func()
	// detach hides the context's cancellation from the wrapped store, as a
	// backend that does not watch it would: then only the service's own
	// checks stop a request whose client has gone.
	detach bool
}

func (c *countingStore) View(ctx context.Context, fn func(store.Tx) error) error {
	if c.detach {
		ctx = context.WithoutCancel(ctx)
	}
	return c.Store.View(ctx, func(tx store.Tx) error { return fn(&countingTx{tx, c}) })
}

func (c *countingStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return c.Store.Update(ctx, func(tx store.Tx) error { return fn(&countingTx{tx, c}) })
}

// reset zeroes the counters.
func (c *countingStore) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gets, c.lists, c.listed, c.read, c.written = 0, 0, 0, 0, 0
	c.listsOf = nil
	c.reads = map[recordKey]int{}
	c.kinds = nil
}

// mostReads returns the record read most often since the last reset, and
// how often.
func (c *countingStore) mostReads() (recordKey, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var key recordKey
	n := 0
	for k, v := range c.reads {
		if v > n {
			key, n = k, v
		}
	}
	return key, n
}

func (c *countingStore) noteRead(k recordKey, doc []byte) {
	c.mu.Lock()
	if c.reads == nil {
		c.reads = map[recordKey]int{}
	}
	c.reads[k]++
	c.read += int64(len(doc))
	c.mu.Unlock()
}

func (c *countingStore) afterRead() {
	c.mu.Lock()
	f := c.onRead
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

type countingTx struct {
	tx store.Tx
	c  *countingStore
}

func (x *countingTx) Get(t store.Namespace, k store.Kind, id string) ([]byte, error) {
	doc, err := x.tx.Get(t, k, id)
	x.c.mu.Lock()
	x.c.gets++
	x.c.mu.Unlock()
	x.c.noteRead(recordKey{t, k, id}, doc)
	x.c.afterRead()
	return doc, err
}

func (x *countingTx) List(t store.Namespace, k store.Kind, after string, limit int) ([]store.Item, error) {
	items, err := x.tx.List(t, k, after, limit)
	x.c.mu.Lock()
	x.c.countList(k)
	x.c.listed += len(items)
	x.c.mu.Unlock()
	for _, it := range items {
		x.c.noteRead(recordKey{t, k, it.ID}, it.Doc)
	}
	x.c.afterRead()
	return items, err
}

func (x *countingTx) ListKind(k store.Kind) ([]store.NamespacedItem, error) {
	items, err := x.tx.ListKind(k)
	return x.countedAcross(k, items, err)
}

// countedAcross counts the answer of a ListKind of kind k,
// and passes it on.
func (x *countingTx) countedAcross(k store.Kind, items []store.NamespacedItem, err error) ([]store.NamespacedItem, error) {
	x.c.mu.Lock()
	x.c.countList(k)
	x.c.listed += len(items)
	x.c.mu.Unlock()
	for _, it := range items {
		x.c.noteRead(recordKey{it.Namespace, k, it.ID}, it.Doc)
	}
	x.c.afterRead()
	return items, err
}

func (x *countingTx) Create(t store.Namespace, k store.Kind, id string, doc []byte) error {
	x.c.mu.Lock()
	x.c.written += int64(len(id) + len(doc))
	x.c.wrote(k)
	x.c.mu.Unlock()
	return x.tx.Create(t, k, id, doc)
}

func (x *countingTx) Put(t store.Namespace, k store.Kind, id string, doc []byte) error {
	x.c.mu.Lock()
	x.c.written += int64(len(id) + len(doc))
	x.c.wrote(k)
	x.c.mu.Unlock()
	return x.tx.Put(t, k, id, doc)
}

func (x *countingTx) Delete(t store.Namespace, k store.Kind, id string) error {
	x.c.mu.Lock()
	x.c.wrote(k)
	x.c.mu.Unlock()
	return x.tx.Delete(t, k, id)
}

// countList counts a List or ListKind call of kind k; c.mu must be held.
func (c *countingStore) countList(k store.Kind) {
	c.lists++
	if c.listsOf == nil {
		c.listsOf = make(map[store.Kind]int)
	}
	c.listsOf[k]++
}

// wrote counts a write of kind k; c.mu must be held.
func (c *countingStore) wrote(k store.Kind) {
	if c.kinds == nil {
		c.kinds = make(map[store.Kind]int)
	}
	c.kinds[k]++
}

func (x *countingTx) Count(t store.Namespace, k store.Kind) (int, error) { return x.tx.Count(t, k) }

// costOwner is the aggregator account and region of the cost tests.
var costOwner = store.Namespace{Owner: "111111111111", Region: "us-east-1"}

// newCostService returns a Service on a fresh SQLite store seen through a
// countingStore, with page tokens, a fake clock, and a context calling as
// costOwner.
func newCostService(tb testing.TB, opts Options) (*Service, *countingStore, *clock.Fake, context.Context) {
	tb.Helper()
	cs := &countingStore{Store: openTestStore(tb)}
	s, clk, ctx := newServiceOn(cs, opts)
	return s, cs, clk, ctx
}

// newBenchService is newCostService without the counting, which would
// dominate what a benchmark measures.
func newBenchService(tb testing.TB, opts Options) (*Service, context.Context) {
	tb.Helper()
	s, _, ctx := newServiceOn(openTestStore(tb), opts)
	return s, ctx
}

func openTestStore(tb testing.TB) store.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), tb.TempDir(), sqlite.Options{Sync: sqlite.SyncNormal})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func newServiceOn(st store.Store, opts Options) (*Service, *clock.Fake, context.Context) {
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	opts.Store, opts.Clock = st, clk
	opts.Tokens = pagetoken.NewCodec(bytes.Repeat([]byte{7}, 32))
	opts.Random = bytes.NewReader(bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 1000))
	return New(opts), clk, asCaller(context.Background(), costOwner)
}

func asCaller(ctx context.Context, t store.Namespace) context.Context {
	return identity.WithCaller(ctx, identity.Caller{AccountID: t.Owner, Region: t.Region})
}

// testAccounts returns n distinct account ids, from 200000000000 up.
func testAccounts(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%012d", 200000000000+i)
	}
	return out
}

// testRegions returns n distinct region codes of made-up regions, such as
// eu-xxa-1, that AWS might open.
func testRegions(word string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("eu-%s%c-%d", word, 'a'+i/999, i%999+1)
	}
	return out
}

// putAccountAggregator creates or updates the caller's aggregator name over
// the accounts in the regions.
func putAccountAggregator(tb testing.TB, s *Service, ctx context.Context, name string, accounts, regions []string) {
	tb.Helper()
	_, err := s.PutConfigurationAggregator(ctx, &configapi.PutConfigurationAggregatorRequest{
		ConfigurationAggregatorName: ptr(name),
		AccountAggregationSources:   []configapi.AccountAggregationSource{{AccountIds: accounts, AwsRegions: regions}},
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// sourcesStatus runs one DescribeConfigurationAggregatorSourcesStatus call.
func sourcesStatus(ctx context.Context, s *Service, name string, limit int32, token *string, filter ...string) (*configapi.DescribeConfigurationAggregatorSourcesStatusResponse, error) {
	return s.DescribeConfigurationAggregatorSourcesStatus(ctx, &configapi.DescribeConfigurationAggregatorSourcesStatusRequest{
		ConfigurationAggregatorName: ptr(name), Limit: &limit, NextToken: token, UpdateStatus: filter,
	})
}

// TestAggregatorStorageIsLinear checks that an aggregator stores O(accounts +
// regions) bytes, on creation and when only its regions change.
// TestUnchangedPutWritesOnlyTheAggregator checks that putting an aggregator
// again with the same sources rewrites the aggregator (its LastUpdatedTime)
// and nothing of its request index: the hot path of an idempotent Put.
func TestUnchangedPutWritesOnlyTheAggregator(t *testing.T) {
	s, cs, _, ctx := newCostService(t, Options{})
	accounts, regions := testAccounts(3), testRegions("xx", 2)
	putAccountAggregator(t, s, ctx, "agg", accounts, regions)
	cs.reset()
	putAccountAggregator(t, s, ctx, "agg", accounts, regions)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	want := map[store.Kind]int{kindAggregator: 1}
	if !maps.Equal(cs.kinds, want) {
		t.Errorf("an unchanged Put wrote %v; want %v", cs.kinds, want)
	}
}

func TestAggregatorStorageIsLinear(t *testing.T) {
	const n, m = 300, 300
	s, cs, _, ctx := newCostService(t, Options{})
	accounts, regions := testAccounts(n), testRegions("xx", m)
	// An account id costs about 15 bytes in the aggregator and 65 in the
	// request index; a region about 14 in the aggregator and in its
	// per-aggregator copy. 200 bytes for each is generous.
	limit := int64(200*(n+m) + 16<<10)

	cs.reset()
	putAccountAggregator(t, s, ctx, "agg", accounts, regions)
	if cs.written > limit {
		t.Errorf("creating an aggregator of %d accounts × %d regions wrote %d bytes; want at most %d (O(accounts+regions))", n, m, cs.written, limit)
	}
	cs.reset()
	putAccountAggregator(t, s, ctx, "agg", accounts, testRegions("yy", m))
	if cs.written > limit {
		t.Errorf("changing the regions of an aggregator of %d accounts × %d regions wrote %d bytes; want at most %d", n, m, cs.written, limit)
	}
	// Every request record together holds O(accounts) bytes.
	var indexed int64
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, a := range accounts {
			items, err := tx.List(sourceIndexNamespace(a), kindSourceRequest, "", 0)
			if err != nil {
				return err
			}
			for _, it := range items {
				indexed += int64(len(it.ID) + len(it.Doc))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if indexed > 100*n {
		t.Errorf("the request index holds %d bytes for %d accounts; want at most %d", indexed, n, 100*n)
	}
}

// TestSourcesStatusReadsEachRecordOnce checks that a status filter that
// matches nothing reads each record at most once, and O(1) bytes per source
// beyond the aggregator itself.
func TestSourcesStatusReadsEachRecordOnce(t *testing.T) {
	const n, m = 30, 40
	s, cs, _, ctx := newCostService(t, Options{})
	putAccountAggregator(t, s, ctx, "agg", testAccounts(n), testRegions("xx", m))
	var aggBytes int64
	if err := s.store.View(ctx, func(tx store.Tx) error {
		doc, err := tx.Get(costOwner, kindAggregator, "agg")
		aggBytes = int64(len(doc))
		return err
	}); err != nil {
		t.Fatal(err)
	}

	cs.reset()
	out, err := sourcesStatus(ctx, s, "agg", 0, nil, statusSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AggregatedSourceStatusList) != 0 || out.NextToken != nil {
		t.Fatalf("SUCCEEDED sources = %d, token %v; want none: nothing is authorized", len(out.AggregatedSourceStatusList), out.NextToken)
	}
	if k, times := cs.mostReads(); times > 1 {
		t.Errorf("record %v was read %d times in one request; want at most once", k, times)
	}
	if perRow := (cs.read - aggBytes) / (n * m); perRow > 64 {
		t.Errorf("read %d bytes (%d per source) beyond the aggregator's %d; want at most 64 per source", cs.read, perRow, aggBytes)
	}
}

// TestSourcesStatusPagesResumeWithoutRewalking checks that a page deep into
// a big aggregator costs what the first page costs: the walk seeks to the
// token instead of stepping over every source before it. It counts
// allocations, which stepping over a source makes.
func TestSourcesStatusPagesResumeWithoutRewalking(t *testing.T) {
	const n, m = 100, 100
	s, _, _, ctx := newCostService(t, Options{})
	accounts, regions := testAccounts(n), testRegions("xx", m)
	putAccountAggregator(t, s, ctx, "agg", accounts, regions)
	scope := pagetoken.Scope("DescribeConfigurationAggregatorSourcesStatus", costOwner.Owner, costOwner.Region, "agg", "")
	// The token after the first source of the last account.
	deep := s.tokens.Encode(scope, "1|"+accounts[n-1]+"|"+regions[0])
	page := func(token *string) func() {
		return func() {
			out, err := sourcesStatus(ctx, s, "agg", 5, token)
			if err != nil || len(out.AggregatedSourceStatusList) != 5 {
				t.Fatalf("page = %v, %v; want 5 sources", out, err)
			}
		}
	}
	first := testing.AllocsPerRun(5, page(nil))
	last := testing.AllocsPerRun(5, page(&deep))
	if last > 2*first+200 {
		t.Errorf("a page after %d sources made %.0f allocations; the first page %.0f: want about the same", (n-1)*m, last, first)
	}
}

// TestSourcesStatusPaging checks that following the tokens of every page
// size lists each source once, in order, as one unpaged call does, for an
// account aggregator and an organization aggregator.
func TestSourcesStatusPaging(t *testing.T) {
	org := orgdir.Organization{ID: "o-aaaaaaaaaa", ManagementAccountID: costOwner.Owner, AllFeatures: true}
	orgs := &fakeOrgs{
		orgOf:   map[string]orgdir.Organization{costOwner.Owner: org},
		members: map[string][]string{org.ID: {costOwner.Owner, "222222222222", "333333333333"}},
	}
	s, _, _, ctx := newCostService(t, Options{Organizations: orgs})
	putAccountAggregator(t, s, ctx, "accounts", []string{"444444444444", "222222222222", "333333333333"}, []string{"us-west-2", "eu-west-1", "ap-south-1"})
	if _, err := s.PutConfigurationAggregator(ctx, &configapi.PutConfigurationAggregatorRequest{
		ConfigurationAggregatorName: ptr("org"),
		OrganizationAggregationSource: &configapi.OrganizationAggregationSource{
			RoleArn: ptr("arn:aws:iam::111111111111:role/r"), AwsRegions: []string{"us-west-2", "eu-west-1"}},
	}); err != nil {
		t.Fatal(err)
	}
	rowsOf := func(out *configapi.DescribeConfigurationAggregatorSourcesStatusResponse) []string {
		var rows []string
		for _, st := range out.AggregatedSourceStatusList {
			rows = append(rows, *st.SourceType+"/"+*st.SourceId+"/"+*st.AwsRegion)
		}
		return rows
	}
	for _, name := range []string{"accounts", "org"} {
		all, err := sourcesStatus(ctx, s, name, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join(rowsOf(all), " ")
		for limit := int32(1); limit <= 10; limit++ {
			var got []string
			var token *string
			for pages := 0; ; pages++ {
				out, err := sourcesStatus(ctx, s, name, limit, token)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, rowsOf(out)...)
				if token = out.NextToken; token == nil {
					break
				}
				if pages > 20 {
					t.Fatalf("%s, limit %d: more than 20 pages", name, limit)
				}
			}
			if strings.Join(got, " ") != want {
				t.Errorf("%s, limit %d: pages list\n%s;\nwant\n%s", name, limit, strings.Join(got, " "), want)
			}
		}
	}
}

// listPending follows every page of DescribePendingAggregationRequests.
func listPending(t *testing.T, ctx context.Context, s *Service, limit int32) []string {
	t.Helper()
	var out []string
	var token *string
	for {
		page, err := s.DescribePendingAggregationRequests(ctx, &configapi.DescribePendingAggregationRequestsRequest{Limit: &limit, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.PendingAggregationRequests {
			out = append(out, *r.RequesterAccountId+"/"+*r.RequesterAwsRegion)
		}
		if token = page.NextToken; token == nil {
			return out
		}
	}
}

// TestPendingPageCost checks that a page of DescribePendingAggregationRequests
// reads what the page returns: it resumes from its token and stops once the
// page is full, however many aggregators list the caller.
func TestPendingPageCost(t *testing.T) {
	const aggregators, m = 40, 60
	s, cs, _, ctx := newCostService(t, Options{})
	regions := testRegions("xx", m)
	source := store.Namespace{Owner: "999999999999", Region: regions[6]}
	var want []string
	for _, a := range testAccounts(aggregators) {
		putAccountAggregator(t, s, asCaller(ctx, store.Namespace{Owner: a, Region: "eu-west-1"}), "agg", []string{source.Owner}, regions)
		want = append(want, a+"/eu-west-1")
	}
	sctx := asCaller(ctx, source)
	if got := listPending(t, sctx, s, 7); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("pending = %v;\nwant %v", got, want)
	}

	one := int32(1)
	var token *string
	for page := 0; page < 3; page++ {
		cs.reset()
		out, err := s.DescribePendingAggregationRequests(sctx, &configapi.DescribePendingAggregationRequestsRequest{Limit: &one, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.PendingAggregationRequests) != 1 || out.NextToken == nil || *out.PendingAggregationRequests[0].RequesterAccountId+"/eu-west-1" != want[page] {
			t.Fatalf("page %d = %+v; want %s and a token", page, out, want[page])
		}
		token = out.NextToken
		// Two requests (the page's and the one that shows another page
		// follows), with their regions and answers.
		if cs.listed > 8 || cs.read > 4<<10 {
			t.Errorf("page %d of 1 request read %d index records and %d bytes; want at most 8 records and 4 KiB, whatever the number of aggregators (%d)",
				page, cs.listed, cs.read, aggregators)
		}
	}
}

// TestPendingNothingPendingReadsEachRecordOnce checks a caller that has
// answered every request: the whole index is read, but each record once.
func TestPendingNothingPendingReadsEachRecordOnce(t *testing.T) {
	s, cs, _, ctx := newCostService(t, Options{})
	source := store.Namespace{Owner: "999999999999", Region: "us-east-1"}
	sctx := asCaller(ctx, source)
	for _, a := range testAccounts(10) {
		actx := asCaller(ctx, store.Namespace{Owner: a, Region: "eu-west-1"})
		for _, name := range []string{"a1", "a2", "a3"} {
			putAccountAggregator(t, s, actx, name, []string{source.Owner}, []string{"us-east-1", "eu-west-1"})
		}
		if _, err := s.PutAggregationAuthorization(sctx, &configapi.PutAggregationAuthorizationRequest{
			AuthorizedAccountId: ptr(a), AuthorizedAwsRegion: ptr("eu-west-1")}); err != nil {
			t.Fatal(err)
		}
	}
	cs.reset()
	if got := listPending(t, sctx, s, 0); len(got) != 0 {
		t.Fatalf("pending = %v; want none", got)
	}
	if k, times := cs.mostReads(); times > 1 {
		t.Errorf("record %v was read %d times in one request; want at most once", k, times)
	}
}

// cancelAfterReads makes the store cancel the returned context once the
// request has made reads store reads, and counts the reads made after that.
func cancelAfterReads(ctx context.Context, cs *countingStore, reads int) (context.Context, *int) {
	ctx, cancel := context.WithCancel(ctx)
	n, after := 0, new(int)
	cs.mu.Lock()
	cs.detach = true
	cs.onRead = func() {
		n++
		switch {
		case n == reads:
			cancel()
		case n > reads:
			*after++
		}
	}
	cs.mu.Unlock()
	return ctx, after
}

// TestCancelledRequestsStop checks that a request whose client has gone
// stops walking and answers the context's error.
func TestCancelledRequestsStop(t *testing.T) {
	t.Run("DescribeConfigurationAggregatorSourcesStatus", func(t *testing.T) {
		s, cs, _, ctx := newCostService(t, Options{})
		putAccountAggregator(t, s, ctx, "agg", testAccounts(20), testRegions("xx", 20))
		cctx, after := cancelAfterReads(ctx, cs, 50)
		_, err := sourcesStatus(cctx, s, "agg", 0, nil, statusSucceeded)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v; want context.Canceled", err)
		}
		if *after > 5 {
			t.Errorf("the request made %d more reads after its context was cancelled; want it to stop", *after)
		}
	})
	t.Run("DescribePendingAggregationRequests", func(t *testing.T) {
		s, cs, _, ctx := newCostService(t, Options{})
		source := store.Namespace{Owner: "999999999999", Region: "us-east-1"}
		sctx := asCaller(ctx, source)
		for _, a := range testAccounts(30) {
			putAccountAggregator(t, s, asCaller(ctx, store.Namespace{Owner: a, Region: "eu-west-1"}), "agg", []string{source.Owner}, []string{source.Region})
		}
		cctx, after := cancelAfterReads(sctx, cs, 5)
		_, err := s.DescribePendingAggregationRequests(cctx, &configapi.DescribePendingAggregationRequestsRequest{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v; want context.Canceled", err)
		}
		if *after > 5 {
			t.Errorf("the request made %d more reads after its context was cancelled; want it to stop", *after)
		}
	})
}

// TestRequestedAtKeptWhileListed checks the request lifetime across updates:
// an account that stays listed keeps its request time, even when the
// regions change; an account listed again starts a new request.
func TestRequestedAtKeptWhileListed(t *testing.T) {
	s, _, clk, ctx := newCostService(t, Options{})
	a, b := "222222222222", "333333333333"
	putAccountAggregator(t, s, ctx, "agg", []string{a, b}, []string{"us-east-1"})
	clk.Advance(4 * 24 * time.Hour)
	// a stays (its regions change), b leaves and comes back.
	putAccountAggregator(t, s, ctx, "agg", []string{a}, []string{"us-east-1", "eu-west-1"})
	putAccountAggregator(t, s, ctx, "agg", []string{a, b}, []string{"eu-west-1", "us-east-1"})
	clk.Advance(4 * 24 * time.Hour)
	out, err := sourcesStatus(ctx, s, "agg", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range out.AggregatedSourceStatusList {
		got = append(got, *st.SourceId+"/"+*st.AwsRegion+"="+*st.LastErrorCode)
	}
	want := a + "/eu-west-1=" + codeAuthorizationNotFound + " " + a + "/us-east-1=" + codeAuthorizationNotFound + " " +
		b + "/eu-west-1=" + codeAuthorizationPending + " " + b + "/us-east-1=" + codeAuthorizationPending
	if strings.Join(got, " ") != want {
		t.Errorf("after 8 days: %s;\nwant %s", strings.Join(got, " "), want)
	}
	for _, c := range []struct {
		source store.Namespace
		want   string
	}{
		{store.Namespace{Owner: a, Region: "eu-west-1"}, ""},
		{store.Namespace{Owner: b, Region: "eu-west-1"}, costOwner.Owner + "/" + costOwner.Region},
		{store.Namespace{Owner: b, Region: "ap-south-1"}, ""},
	} {
		if got := strings.Join(listPending(t, asCaller(ctx, c.source), s, 0), " "); got != c.want {
			t.Errorf("pending in %v = %q; want %q", c.source, got, c.want)
		}
	}
}

// benchAggregator makes the caller's aggregator "agg" of n accounts × m
// regions, none authorized.
func benchAggregator(b *testing.B, n, m int) (*Service, context.Context) {
	s, ctx := newBenchService(b, Options{})
	putAccountAggregator(b, s, ctx, "agg", testAccounts(n), testRegions("xx", m))
	return s, ctx
}

// BenchmarkSourcesStatusNoMatch is a status filter that matches none of the
// sources of a 200 × 200 aggregator: the whole aggregator is walked.
func BenchmarkSourcesStatusNoMatch(b *testing.B) {
	s, ctx := benchAggregator(b, 200, 200)
	b.ResetTimer()
	for b.Loop() {
		if _, err := sourcesStatus(ctx, s, "agg", 0, nil, statusSucceeded); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(200*200), "ns/source")
}

// BenchmarkSourcesStatusPage is one page of 100 sources of a 200 × 200
// aggregator, first and last.
func BenchmarkSourcesStatusPage(b *testing.B) {
	s, ctx := benchAggregator(b, 200, 200)
	scope := pagetoken.Scope("DescribeConfigurationAggregatorSourcesStatus", costOwner.Owner, costOwner.Region, "agg", "")
	last := s.tokens.Encode(scope, "1|"+testAccounts(200)[199]+"|"+testRegions("xx", 200)[0])
	for _, bc := range []struct {
		name  string
		token *string
	}{{"first", nil}, {"last", &last}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := sourcesStatus(ctx, s, "agg", 100, bc.token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPendingLimit1 is a page of one pending request, for a source
// account that 100 aggregator accounts list with 1,000 regions each.
func BenchmarkPendingLimit1(b *testing.B) {
	s, ctx := newBenchService(b, Options{})
	regions := testRegions("xx", 1000)
	source := store.Namespace{Owner: "999999999999", Region: regions[499]}
	for _, a := range testAccounts(100) {
		putAccountAggregator(b, s, asCaller(ctx, store.Namespace{Owner: a, Region: "eu-west-1"}), "agg", []string{source.Owner}, regions)
	}
	sctx := asCaller(ctx, source)
	one := int32(1)
	b.ResetTimer()
	for b.Loop() {
		out, err := s.DescribePendingAggregationRequests(sctx, &configapi.DescribePendingAggregationRequestsRequest{Limit: &one})
		if err != nil || len(out.PendingAggregationRequests) != 1 {
			b.Fatal(out, err)
		}
	}
}
