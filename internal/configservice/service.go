// Package configservice implements the behaviour of the AWS Config API: one
// method per operation on Service, grouped by resource family in files named
// after them. Shape validation from the model has already run when a method
// is called (configapi's; Operations has a request that fails it answered
// as AWS Config does); the methods add the rules the model cannot
// express, keep state in a store.Store, and return *apierr.Error values built
// with configapi's constructors.
package configservice

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/randid"
	"github.com/starlingcfg/starling/internal/store"
)

// Quotas are the limits the service enforces (AWS Config Developer Guide,
// page "Service Limits", configlimits.html).
type Quotas struct {
	// AggregatorsPerRegion caps configuration aggregators per account and
	// region (AWS default 50, adjustable).
	AggregatorsPerRegion int
	// AccountsPerAggregator caps the source accounts of one aggregator (AWS:
	// 10,000).
	AccountsPerAggregator int
}

// DefaultQuotas are AWS's default quotas.
var DefaultQuotas = Quotas{AggregatorsPerRegion: 50, AccountsPerAggregator: 10000}

// Options configure a Service.
type Options struct {
	Store  store.Store
	Tokens *pagetoken.Codec
	// Clock defaults to the system clock.
	Clock clock.Clock
	// Quotas default to DefaultQuotas.
	Quotas Quotas
	// Random is the source of resource ids; it defaults to crypto/rand.
	Random io.Reader
	// Organizations answers who belongs to which organization. Nil means no
	// account belongs to any organization.
	Organizations Organizations
	// Regions are the regions of aggregators with AllAwsRegions; they
	// default to DefaultRegions.
	Regions []string
	// Inventory holds the configuration items the source accounts'
	// recorders record. Nil is a store that holds none and refuses writes.
	Inventory inventory.Store
	// Results holds the rules' evaluation results. Nil is a store that
	// holds none and refuses writes.
	Results compliance.Store
}

// Service implements configapi.Service. Operations it does not serve yet
// fall through to the embedded UnimplementedService.
type Service struct {
	configapi.UnimplementedService

	store   store.Store
	tokens  *pagetoken.Codec
	clock   clock.Clock
	quotas  Quotas
	random  io.Reader
	orgs    Organizations
	regions []string
	inv     inventory.Store
	results compliance.Store

	// views are the aggregate views computed at the control plane's
	// current write generation (viewcache.go).
	views viewCache
	// selects are the results of queries with more than one page
	// (selectcache.go).
	selects selectCache

	// pruneMu guards pruned, the last time each source's history was
	// pruned to its retention period (retention.go).
	pruneMu sync.Mutex
	pruned  map[inventory.Source]time.Time
}

var _ configapi.Service = (*Service)(nil)

// New returns a Service.
func New(opts Options) *Service {
	s := &Service{
		store:   opts.Store,
		tokens:  opts.Tokens,
		clock:   opts.Clock,
		quotas:  opts.Quotas,
		random:  opts.Random,
		orgs:    opts.Organizations,
		regions: opts.Regions,
		inv:     opts.Inventory,
		results: opts.Results,
		pruned:  make(map[inventory.Source]time.Time),
	}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	if s.quotas == (Quotas{}) {
		s.quotas = DefaultQuotas
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if s.orgs == nil {
		s.orgs = noOrganizations{}
	}
	if len(s.regions) == 0 {
		s.regions = DefaultRegions
	}
	if s.inv == nil {
		s.inv = noInventory{}
	}
	if s.results == nil {
		s.results = noResults{}
	}
	return s
}

// callerNamespace returns the store namespace of the calling account and
// region.
func callerNamespace(ctx context.Context) (store.Namespace, error) {
	c, ok := identity.CallerFrom(ctx)
	if !ok {
		return store.Namespace{}, apierr.Internal(errors.New("configservice: no caller in context"))
	}
	return store.Regional(c.AccountID, c.Region), nil
}

// randomID returns n characters of [a-z0-9], the alphabet of AWS Config
// resource ids such as config-aggregator-floqpus3 (AWS Config Developer
// Guide, page "Setting Up an Aggregator Using the AWS Command Line
// Interface", set-up-aggregator-cli.html, the example output).
func (s *Service) randomID(n int) (string, error) {
	return randid.String(s.random, randid.LowerAlnum, n)
}

// pageLimit returns the page size for a Limit member: 0 or absent means max.
func pageLimit(limit *int32, max int) int {
	if limit == nil || *limit <= 0 {
		return max
	}
	return int(*limit)
}

func invalidNextToken() *apierr.Error {
	// The text moto sends.
	return configapi.InvalidNextToken("The nextToken provided is invalid")
}
