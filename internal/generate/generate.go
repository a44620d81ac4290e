package generate

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"regexp"
	"slices"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Defaults of Options.
const (
	DefaultManagementAccount  = "000000000000"
	DefaultRegion             = "us-east-1"
	DefaultResourcesPerSource = 100
)

// DefaultEnd returns the default Options.End: the latest capture time of
// the generated history. It is fixed, not the current time, so that a seed
// always makes the same bytes.
func DefaultEnd() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// Options says what to generate.
type Options struct {
	// Seed determines everything else: member account ids, resources,
	// names, times.
	Seed uint64
	// Accounts is the number of accounts in the organization, the
	// management account included (so 1 is the management account alone).
	// Zero means 1.
	Accounts int
	// Regions are the regions every account records in; the first is the
	// home region, where the global resource types (IAM) are recorded, as
	// AWS recommends recording them in one region only. Empty means
	// DefaultRegion.
	Regions []string
	// ResourcesPerSource is the number of resources of each account in each
	// region, deleted ones included; each has one or more configuration
	// items (its history). The home region's count includes the account's
	// IAM resources. Zero means DefaultResourcesPerSource.
	ResourcesPerSource int
	// ManagementAccount is the organization's management account;
	// "" means DefaultManagementAccount.
	ManagementAccount string
	// End is the latest capture time; the zero time means DefaultEnd.
	End time.Time
}

// Account is one account of the generated organization.
type Account struct {
	ID    string
	Name  string
	Email string
	// Management is true for the organization's management account.
	Management bool
	// Env is the account's environment ("prod", "staging", "dev",
	// "shared", …), which its resources are tagged with.
	Env string
	// Apps are the applications whose resources the account holds.
	Apps []string
}

// Plan is a generated organization. Its methods are safe for concurrent
// use; Items of different sources may run in parallel.
type Plan struct {
	opts     Options
	accounts []Account
	byID     map[string]*Account
	// recordingStart is when the recorders started: resources created
	// before it are first recorded then, as ResourceDiscovered.
	recordingStart time.Time
}

// MaxResourcesPerSource bounds Options.ResourcesPerSource: one source's
// resources are planned in memory (not its configuration documents).
const MaxResourcesPerSource = 100_000

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
)

// New checks the options and plans the organization's accounts.
func New(o Options) (*Plan, error) {
	if o.Accounts == 0 {
		o.Accounts = 1
	}
	if o.Accounts < 0 || o.Accounts > 100_000 {
		return nil, fmt.Errorf("generate: %d accounts: want 1 to 100000", o.Accounts)
	}
	if len(o.Regions) == 0 {
		o.Regions = []string{DefaultRegion}
	}
	o.Regions = slices.Clone(o.Regions)
	seen := map[string]bool{}
	for _, r := range o.Regions {
		if !regionRE.MatchString(r) {
			return nil, fmt.Errorf("generate: %q is not a region name such as us-east-1", r)
		}
		if seen[r] {
			return nil, fmt.Errorf("generate: region %s is given twice", r)
		}
		seen[r] = true
	}
	if o.ResourcesPerSource == 0 {
		o.ResourcesPerSource = DefaultResourcesPerSource
	}
	if o.ResourcesPerSource < 0 || o.ResourcesPerSource > MaxResourcesPerSource {
		return nil, fmt.Errorf("generate: %d resources per account and region: want 1 to %d", o.ResourcesPerSource, MaxResourcesPerSource)
	}
	if o.ManagementAccount == "" {
		o.ManagementAccount = DefaultManagementAccount
	}
	if !accountRE.MatchString(o.ManagementAccount) {
		return nil, fmt.Errorf("generate: management account %q is not a 12-digit account id", o.ManagementAccount)
	}
	if o.End.IsZero() {
		o.End = DefaultEnd()
	}
	o.End = o.End.UTC().Truncate(time.Millisecond)
	p := &Plan{opts: o, byID: map[string]*Account{}, recordingStart: o.End.Add(-90 * 24 * time.Hour)}
	p.accounts = planAccounts(o)
	for i := range p.accounts {
		p.byID[p.accounts[i].ID] = &p.accounts[i]
	}
	return p, nil
}

// Options returns the plan's options, defaults filled in.
func (p *Plan) Options() Options {
	o := p.opts
	o.Regions = slices.Clone(o.Regions)
	return o
}

// Accounts returns the organization's accounts, the management account
// first.
func (p *Plan) Accounts() []Account {
	out := make([]Account, len(p.accounts))
	for i, a := range p.accounts {
		a.Apps = slices.Clone(a.Apps)
		out[i] = a
	}
	return out
}

// Regions returns the regions, the home region first.
func (p *Plan) Regions() []string { return slices.Clone(p.opts.Regions) }

// HomeRegion is the region where the global resource types are recorded.
func (p *Plan) HomeRegion() string { return p.opts.Regions[0] }

// Sources returns every (account, region) of the organization, account by
// account in Accounts order, regions in Regions order.
func (p *Plan) Sources() []inventory.Source {
	out := make([]inventory.Source, 0, len(p.accounts)*len(p.opts.Regions))
	for _, a := range p.accounts {
		for _, r := range p.opts.Regions {
			out = append(out, inventory.Source{AccountID: a.ID, Region: r})
		}
	}
	return out
}

// Count returns how many resources and configuration items Items makes for
// the source, without making them.
func (p *Plan) Count(accountID, region string) (resources, items int, err error) {
	s, err := p.source(accountID, region)
	if err != nil {
		return 0, 0, err
	}
	for i := range s.res {
		items += int(s.res[i].versions)
	}
	return len(s.res), items, nil
}

// Items calls fn with every configuration item of the account in the
// region: each resource's versions, oldest first, resource after resource
// (a VPC before its subnets, an instance's volumes before it). Items are
// made as they are passed: the source's plan (its resources, not their
// documents) is in memory, the documents one at a time.
// It stops at fn's first error and returns it.
func (p *Plan) Items(accountID, region string, fn func(inventory.Item) error) error {
	s, err := p.source(accountID, region)
	if err != nil {
		return err
	}
	return s.emit(fn)
}

// source plans the resources of one account in one region.
func (p *Plan) source(accountID, region string) (*source, error) {
	a, ok := p.byID[accountID]
	if !ok {
		return nil, fmt.Errorf("generate: account %s is not in the organization", accountID)
	}
	if !slices.Contains(p.opts.Regions, region) {
		return nil, fmt.Errorf("generate: region %s is not one of the organization's", region)
	}
	s := newSource(p, a, region)
	s.plan()
	return s, nil
}

// Streams of randomness: each use has its own, so that one does not shift
// another when it changes.
const (
	streamAccounts uint64 = iota + 1
	streamIAM
)

// subSeed derives an independent seed for a named part of the plan.
func subSeed(seed uint64, parts ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	for _, s := range parts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func newRand(seed uint64, parts ...string) *rand.Rand {
	return rand.New(rand.NewPCG(seed, subSeed(seed, parts...)))
}

// Account names of a landing zone, then workload accounts.
var (
	foundationAccounts = []struct{ name, env string }{
		{"log-archive", "shared"}, {"audit", "security"}, {"shared-services", "shared"}, {"network", "shared"},
	}
	workloadEnvs = []string{"prod", "staging", "dev"}
)

// planAccounts makes the management account and the members, whose ids
// follow from the seed.
func planAccounts(o Options) []Account {
	r := rand.New(rand.NewPCG(o.Seed, streamAccounts))
	accounts := make([]Account, 0, o.Accounts)
	accounts = append(accounts, Account{
		ID: o.ManagementAccount, Name: "management", Email: "aws+management@example.com",
		Management: true, Env: "management", Apps: []string{"billing-ops", "identity"},
	})
	used := map[string]bool{o.ManagementAccount: true}
	names := map[string]int{}
	for i := 1; i < o.Accounts; i++ {
		var id string
		for {
			id = fmt.Sprintf("%012d", 100_000_000_000+r.Uint64N(900_000_000_000))
			if !used[id] {
				break
			}
		}
		used[id] = true
		a := Account{ID: id}
		if i <= len(foundationAccounts) {
			f := foundationAccounts[i-1]
			a.Name, a.Env = f.name, f.env
			a.Apps = []string{"platform", "security"}
		} else {
			w := i - len(foundationAccounts) - 1
			app := apps[(w/len(workloadEnvs))%len(apps)]
			a.Env = workloadEnvs[w%len(workloadEnvs)]
			a.Name = app + "-" + a.Env
			a.Apps = []string{app}
			for range 1 + r.IntN(2) {
				if x := apps[r.IntN(len(apps))]; !slices.Contains(a.Apps, x) {
					a.Apps = append(a.Apps, x)
				}
			}
		}
		if n := names[a.Name]; n > 0 {
			names[a.Name] = n + 1
			a.Name = fmt.Sprintf("%s-%d", a.Name, n+1)
		} else {
			names[a.Name] = 1
		}
		a.Email = "aws+" + a.Name + "@example.com"
		accounts = append(accounts, a)
	}
	return accounts
}
