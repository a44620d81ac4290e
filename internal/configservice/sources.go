package configservice

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// Source status error codes. AWS does not publish the codes it reports in
// AggregatedSourceStatus (the AWS Config API Reference's AggregatedSourceStatus
// data type documents LastErrorCode without listing its values); these are
// Starling's, stable and documented in docs/source-status.md.
const (
	codeAuthorizationPending  = "AUTHORIZATION_PENDING"
	codeAuthorizationRejected = "AUTHORIZATION_REJECTED"
	codeAuthorizationNotFound = "AUTHORIZATION_NOT_FOUND"
	codeConfigNotEnabled      = "CONFIG_NOT_ENABLED"
	codeRecorderStopped       = "CONFIG_RECORDER_STOPPED"
	codeOrganizationNotFound  = "ORGANIZATION_NOT_FOUND"
	codeOrganizationChanged   = "ORGANIZATION_CHANGED"
	codeAllFeatures           = "ORGANIZATION_ALL_FEATURES_NOT_ENABLED"
	codeServiceAccess         = "ORGANIZATION_SERVICE_ACCESS_NOT_ENABLED"
	codeOrganizationDenied    = "ORGANIZATION_ACCESS_DENIED"
)

// Source types of AggregatedSourceStatus.
const (
	sourceAccount      = "ACCOUNT"
	sourceOrganization = "ORGANIZATION"
)

// sourceRow is one source of an aggregator: an account, or the organization,
// in one region.
type sourceRow struct {
	typ    string
	id     string
	region string
}

// key orders the rows and is what page tokens resume after:
// "0|<region>" for the organization, "1|<account>|<region>" for an account.
func (r sourceRow) key() string {
	if r.typ == sourceOrganization {
		return "0|" + r.region
	}
	return "1|" + r.id + "|" + r.region
}

// verdict is whether the aggregator may read a source, and if not, why. It
// holds what its message names rather than the message, which is made only
// for the sources a response reports.
type verdict struct {
	code string // "" when the source is readable
	// owner is the aggregator's account and region.
	owner store.Namespace
	// source is the source account and region of an account verdict.
	source store.Namespace
	// org is the organization an organization verdict is about, and
	// wantOrg the one the aggregator was created in.
	org, wantOrg string
}

func (v verdict) ok() bool { return v.code == "" }

// message explains the verdict's code.
func (v verdict) message() string {
	where := "account " + v.source.Owner + " in region " + v.source.Region
	who := "aggregator account " + v.owner.Owner + " in region " + v.owner.Region
	switch v.code {
	case codeOrganizationNotFound:
		return "The aggregator account " + v.owner.Owner + " is no longer in organization " + v.wantOrg + ", or the organization no longer exists."
	case codeOrganizationChanged:
		return "The aggregator account " + v.owner.Owner + " is now in organization " + v.org +
			", not in organization " + v.wantOrg + " the aggregator was created for. Delete this aggregator and create a new one."
	case codeAllFeatures:
		return "Organization " + v.org + " does not have all features enabled."
	case codeServiceAccess:
		return "Trusted access for " + ConfigServicePrincipal + " is not enabled in organization " + v.org + "."
	case codeOrganizationDenied:
		return "The aggregator account " + v.owner.Owner + " is neither the management account of organization " + v.org +
			" nor a delegated administrator for " + ConfigServicePrincipal + "."
	case codeAuthorizationPending:
		return "The source " + where + " has not authorized the " + who +
			" yet. Its request is pending there: call PutAggregationAuthorization in the source account and region."
	case codeAuthorizationRejected:
		return "The source " + where + " rejected the request of the " + who + "."
	case codeAuthorizationNotFound:
		return "The source " + where + " has no authorization for the " + who +
			". Call PutAggregationAuthorization in the source account and region."
	case codeConfigNotEnabled:
		return "AWS Config is not enabled in " + where + ": there is no configuration recorder."
	case codeRecorderStopped:
		return "AWS Config is not recording in " + where + ": the configuration recorder is stopped."
	}
	return ""
}

// walkSources calls fn for the sources of the tenant's aggregator whose keys
// sort after after, in key order, with the verdict on each, until fn returns
// false. It is the one place that decides which sources an aggregator reads:
// source status reports its verdicts, and the aggregated-data operations read
// the sources it finds readable (readableScope).
//
// An account aggregator's sources are its accounts in its regions; each is
// open to the aggregator when the account has authorized the aggregator's
// account and region there. An organization aggregator has one ORGANIZATION
// source per region, open while the organization still stands behind the
// aggregator, and one ACCOUNT source per current member and region, open
// when the organization is (members need no authorization).
//
// Source status also needs AWS Config recording there (mode
// walkStatus): a source without a running recorder is FAILED, since no new
// data comes from it. What a source recorded stays readable after its
// recorder stops ("After AWS Config stops recording a resource, it retains
// the configuration information that was previously captured, and you can
// continue to access this information": AWS Config Developer Guide,
// "Stopping AWS Config from recording"), so the data operations walk in
// mode walkData, which reads no recorder.
//
// The walk costs what it visits: it starts at after rather than stepping over
// the sources before it, and reads the records of each source account once,
// whatever the number of regions. It stops with ctx's error once ctx is
// done.
func (s *Service) walkSources(ctx context.Context, tx store.Tx, owner store.Namespace, rec *aggregatorRecord, after string, mode walkMode, fn func(sourceRow, verdict) (bool, error)) error {
	agg := &rec.Aggregator
	regions := s.regionsOf(agg, owner)
	accounts, err := s.sourceAccounts(tx, owner, rec)
	if err != nil {
		return err
	}
	from := resumeAt(after, regions, accounts)
	now := s.clock.Now()
	orgVerdict := verdict{}
	if agg.OrganizationAggregationSource != nil {
		if orgVerdict, err = s.organizationVerdict(tx, owner, rec); err != nil {
			return err
		}
		for _, r := range regions[from.orgRegion:] {
			if err := ctx.Err(); err != nil {
				return err
			}
			row := sourceRow{typ: sourceOrganization, id: rec.OrganizationID, region: r}
			if more, err := fn(row, orgVerdict); err != nil || !more {
				return err
			}
		}
	}
	firstRegion := from.region
	for _, a := range accounts[from.account:] {
		var src *accountSource
		for _, r := range regions[firstRegion:] {
			if err := ctx.Err(); err != nil {
				return err
			}
			row := sourceRow{typ: sourceAccount, id: a, region: r}
			v := orgVerdict
			if v.ok() {
				if src == nil {
					if src, err = s.loadAccountSource(tx, owner, rec, a); err != nil {
						return err
					}
				}
				if v, err = s.accountVerdict(tx, owner, src, r, now, mode); err != nil {
					return err
				}
			}
			if more, err := fn(row, v); err != nil || !more {
				return err
			}
		}
		firstRegion = 0
	}
	return nil
}

// walkMode is what a walk of sources decides.
type walkMode int

const (
	// walkStatus decides each source's status: open to the aggregator,
	// and recording.
	walkStatus walkMode = iota
	// walkData decides whether the aggregator may read a source's data:
	// open to it, whether or not a recorder records there now.
	walkData
)

// walkStart is where a walk of sources begins: the index in the regions of
// the first ORGANIZATION row, the index of the first account, and the index
// of that account's first region.
type walkStart struct {
	orgRegion, account, region int
}

// resumeAt returns where the walk over regions and accounts (each sorted)
// resumes after the row key after, found by binary search. Row keys are
// "0|<region>" for ORGANIZATION rows and "1|<account>|<region>" for ACCOUNT
// rows, and the walk visits them in that order.
func resumeAt(after string, regions, accounts []string) walkStart {
	past := func(list []string, key string) int {
		i, found := slices.BinarySearch(list, key)
		if found {
			i++
		}
		return i
	}
	switch {
	case after < "0|":
		return walkStart{}
	case strings.HasPrefix(after, "0|"):
		return walkStart{orgRegion: past(regions, after[2:])}
	case strings.HasPrefix(after, "1|"):
		account, region, _ := strings.Cut(after[2:], "|")
		i, found := slices.BinarySearch(accounts, account)
		if !found {
			return walkStart{orgRegion: len(regions), account: i}
		}
		return walkStart{orgRegion: len(regions), account: i, region: past(regions, region)}
	}
	return walkStart{orgRegion: len(regions), account: len(accounts)}
}

// regionsOf returns the source regions of an aggregator, sorted: its
// AwsRegions, or with AllAwsRegions the configured regions and the
// aggregator's own.
func (s *Service) regionsOf(agg *configapi.ConfigurationAggregator, owner store.Namespace) []string {
	var regions []string
	all := false
	if o := agg.OrganizationAggregationSource; o != nil {
		regions, all = o.AwsRegions, o.AllAwsRegions != nil && *o.AllAwsRegions
	}
	for _, src := range agg.AccountAggregationSources {
		regions, all = src.AwsRegions, src.AllAwsRegions != nil && *src.AllAwsRegions
	}
	if all {
		regions = append(slices.Clone(s.regions), owner.Region)
	} else {
		regions = slices.Clone(regions)
	}
	slices.Sort(regions)
	return slices.Compact(regions)
}

// sourceAccounts returns the source accounts of an aggregator owned by the
// tenant, in ascending order: the listed accounts of an account aggregator,
// or the current members of an organization aggregator's organization —
// accounts that joined after the aggregator was created included, accounts
// that left excluded. An organization aggregator whose owner is no longer in
// the aggregator's organization has no member sources.
func (s *Service) sourceAccounts(tx store.Tx, t store.Namespace, rec *aggregatorRecord) ([]string, error) {
	agg := &rec.Aggregator
	if agg.OrganizationAggregationSource == nil {
		var ids []string
		for _, src := range agg.AccountAggregationSources {
			ids = append(ids, src.AccountIds...)
		}
		slices.Sort(ids)
		return slices.Compact(ids), nil
	}
	org, ok, err := s.orgs.OrganizationOf(tx, t.Owner)
	if err != nil || !ok || org.ID != rec.OrganizationID {
		return nil, err
	}
	return s.orgs.MemberAccounts(tx, org.ID)
}

// organizationVerdict decides whether an organization aggregator may still
// read its organization: the owner must still be in it, as its management
// account or a delegated administrator for AWS Config, and the organization
// must have all features and AWS Config's trusted access (AWS Config API
// Reference, PutConfigurationAggregator; AWS Config Developer Guide,
// "Troubleshooting for Multi-Account Multi-Region Data Aggregation").
func (s *Service) organizationVerdict(tx store.Tx, owner store.Namespace, rec *aggregatorRecord) (verdict, error) {
	org, ok, err := s.orgs.OrganizationOf(tx, owner.Owner)
	failed := func(code string) verdict {
		return verdict{code: code, owner: owner, org: org.ID, wantOrg: rec.OrganizationID}
	}
	switch {
	case err != nil:
		return verdict{}, err
	case !ok:
		return failed(codeOrganizationNotFound), nil
	case org.ID != rec.OrganizationID:
		return failed(codeOrganizationChanged), nil
	case !org.AllFeatures:
		return failed(codeAllFeatures), nil
	}
	enabled, err := s.orgs.ServiceAccessEnabled(tx, org.ID, ConfigServicePrincipal)
	if err != nil {
		return verdict{}, err
	}
	if !enabled {
		return failed(codeServiceAccess), nil
	}
	if org.ManagementAccountID == owner.Owner {
		return verdict{}, nil
	}
	admin, err := s.orgs.IsDelegatedAdministrator(tx, org.ID, owner.Owner, ConfigServicePrincipal)
	if err != nil || admin {
		return verdict{}, err
	}
	return failed(codeOrganizationDenied), nil
}

// accountSource is what a walk knows about one source account of an
// aggregator, whatever the region.
type accountSource struct {
	id string
	// needsAuthorization is whether the aggregator reads the account only
	// with its authorization: an account aggregator does.
	needsAuthorization bool
	// requestedAt is when an account aggregator started listing the account.
	requestedAt time.Time
}

// loadAccountSource reads what the walk needs about a source account: for
// an account aggregator, its request record.
func (s *Service) loadAccountSource(tx store.Tx, owner store.Namespace, rec *aggregatorRecord, account string) (*accountSource, error) {
	src := &accountSource{id: account}
	if rec.Aggregator.OrganizationAggregationSource != nil {
		return src, nil
	}
	src.needsAuthorization = true
	var req sourceRequest
	err := store.GetJSON(tx, sourceIndexNamespace(account), kindSourceRequest, sourceRequestID(owner, *rec.Aggregator.ConfigurationAggregatorName), &req)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	src.requestedAt = req.RequestedAt
	return src, nil
}

// accountVerdict decides whether an aggregator may read a source account in
// a region: an account aggregator needs the source's authorization, and for
// its status (walkStatus) every source needs AWS Config recording there.
func (s *Service) accountVerdict(tx store.Tx, owner store.Namespace, src *accountSource, region string, now time.Time, mode walkMode) (verdict, error) {
	source := store.Regional(src.id, region)
	failed := func(code string) verdict { return verdict{code: code, owner: owner, source: source} }
	if src.needsAuthorization {
		ans, err := loadAnswers(tx, source, requesterKey(owner.Owner, owner.Region))
		if err != nil {
			return verdict{}, err
		}
		switch ans.stateOf(src.requestedAt, now) {
		case requestPending:
			return failed(codeAuthorizationPending), nil
		case requestRejected:
			return failed(codeAuthorizationRejected), nil
		case requestRevoked, requestExpired:
			return failed(codeAuthorizationNotFound), nil
		}
	}
	if mode == walkData {
		return verdict{}, nil
	}
	exists, recording, err := recorderState(tx, source)
	switch {
	case err != nil:
		return verdict{}, err
	case !exists:
		return failed(codeConfigNotEnabled), nil
	case !recording:
		return failed(codeRecorderStopped), nil
	}
	return verdict{}, nil
}

// describeSourcesStatusMax is the largest and default page of
// DescribeConfigurationAggregatorSourcesStatus (model: Limit 0..100, "the
// default is maximum").
const describeSourcesStatusMax = 100

// Statuses of AggregatedSourceStatus.LastUpdateStatus.
const (
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
)

// DescribeConfigurationAggregatorSourcesStatus reports, for each source of
// an aggregator, whether the aggregator can read it, and if not why.
// Starling decides this when asked, so LastUpdateTime is the time of the
// request and a status is never OUTDATED.
func (s *Service) DescribeConfigurationAggregatorSourcesStatus(ctx context.Context, in *configapi.DescribeConfigurationAggregatorSourcesStatusRequest) (*configapi.DescribeConfigurationAggregatorSourcesStatusResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	filter := slices.Clone(in.UpdateStatus)
	slices.Sort(filter)
	filter = slices.Compact(filter)
	scope := pagetoken.Scope("DescribeConfigurationAggregatorSourcesStatus", t.Owner, t.Region, name, strings.Join(filter, ","))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describeSourcesStatusMax)
	now := shape.NewTimestamp(s.clock.Now())
	out := &configapi.DescribeConfigurationAggregatorSourcesStatusResponse{AggregatedSourceStatusList: []configapi.AggregatedSourceStatus{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		rec, err := loadAggregator(tx, t, name)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return noSuchAggregator(1)
			}
			return err
		}
		var last string
		return s.walkSources(ctx, tx, t, rec, after, walkStatus, func(row sourceRow, v verdict) (bool, error) {
			status := statusSucceeded
			if !v.ok() {
				status = statusFailed
			}
			if len(filter) > 0 && !slices.Contains(filter, status) {
				return true, nil
			}
			if len(out.AggregatedSourceStatusList) == limit {
				tok := s.tokens.Encode(scope, last)
				out.NextToken = &tok
				return false, nil
			}
			st := configapi.AggregatedSourceStatus{
				SourceId: ptr(row.id), SourceType: ptr(row.typ), AwsRegion: ptr(row.region),
				LastUpdateStatus: ptr(status), LastUpdateTime: now,
			}
			if !v.ok() {
				st.LastErrorCode, st.LastErrorMessage = ptr(v.code), ptr(v.message())
			}
			out.AggregatedSourceStatusList = append(out.AggregatedSourceStatusList, st)
			last = row.key()
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
