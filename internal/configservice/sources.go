package configservice

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// Source status error codes. AWS does not publish the codes it reports in
// AggregatedSourceStatus (spec §4.4, Appendix B #1); these are Starling's,
// stable and documented in docs/source-status.md.
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
	// key orders the rows and is what page tokens resume after.
	key    string
	typ    string
	id     string
	region string
}

// verdict is whether the aggregator may read a source, and if not, why.
type verdict struct {
	code    string // "" when the source is readable
	message string
}

func (v verdict) ok() bool { return v.code == "" }

// walkSources calls fn for the sources of the tenant's aggregator whose keys
// sort after after, in key order, with the verdict on each, until fn returns
// false. It is the one place that decides which sources an aggregator reads:
// source status reports its verdicts, and the aggregated-data operations read
// the sources it finds readable.
//
// An account aggregator's sources are its accounts in its regions; each is
// readable when the account has authorized the aggregator's account and
// region there, and AWS Config is recording there. An organization
// aggregator has one ORGANIZATION source per region, readable while the
// organization still stands behind the aggregator, and one ACCOUNT source
// per current member and region, readable when the organization is and AWS
// Config is recording there (members need no authorization).
func (s *Service) walkSources(tx store.Tx, owner store.Tenant, rec *aggregatorRecord, after string, fn func(sourceRow, verdict) (bool, error)) error {
	agg := &rec.Aggregator
	regions := s.regionsOf(agg, owner)
	accounts, err := s.sourceAccounts(tx, owner, rec)
	if err != nil {
		return err
	}
	orgVerdict := verdict{}
	if agg.OrganizationAggregationSource != nil {
		if orgVerdict, err = s.organizationVerdict(tx, owner, rec); err != nil {
			return err
		}
		for _, r := range regions {
			row := sourceRow{key: "0|" + r, typ: sourceOrganization, id: rec.OrganizationID, region: r}
			if row.key <= after {
				continue
			}
			if more, err := fn(row, orgVerdict); err != nil || !more {
				return err
			}
		}
	}
	for _, a := range accounts {
		for _, r := range regions {
			row := sourceRow{key: "1|" + a + "|" + r, typ: sourceAccount, id: a, region: r}
			if row.key <= after {
				continue
			}
			v := orgVerdict
			if v.ok() {
				if v, err = s.accountVerdict(tx, owner, rec, row); err != nil {
					return err
				}
			}
			if more, err := fn(row, v); err != nil || !more {
				return err
			}
		}
	}
	return nil
}

// regionsOf returns the source regions of an aggregator, sorted: its
// AwsRegions, or with AllAwsRegions the configured regions and the
// aggregator's own.
func (s *Service) regionsOf(agg *configapi.ConfigurationAggregator, owner store.Tenant) []string {
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
func (s *Service) sourceAccounts(tx store.Tx, t store.Tenant, rec *aggregatorRecord) ([]string, error) {
	agg := &rec.Aggregator
	if agg.OrganizationAggregationSource == nil {
		var ids []string
		for _, src := range agg.AccountAggregationSources {
			ids = append(ids, src.AccountIds...)
		}
		slices.Sort(ids)
		return slices.Compact(ids), nil
	}
	org, ok, err := s.orgs.OrganizationOf(tx, t.AccountID)
	if err != nil || !ok || org.ID != rec.OrganizationID {
		return nil, err
	}
	return s.orgs.MemberAccounts(tx, org.ID)
}

// organizationVerdict decides whether an organization aggregator may still
// read its organization: the owner must still be in it, as its management
// account or a delegated administrator for AWS Config, and the organization
// must have all features and AWS Config's trusted access (spec §4.2).
func (s *Service) organizationVerdict(tx store.Tx, owner store.Tenant, rec *aggregatorRecord) (verdict, error) {
	org, ok, err := s.orgs.OrganizationOf(tx, owner.AccountID)
	switch {
	case err != nil:
		return verdict{}, err
	case !ok:
		return verdict{codeOrganizationNotFound, "The aggregator account " + owner.AccountID +
			" is no longer in organization " + rec.OrganizationID + ", or the organization no longer exists."}, nil
	case org.ID != rec.OrganizationID:
		return verdict{codeOrganizationChanged, "The aggregator account " + owner.AccountID + " is now in organization " + org.ID +
			", not in organization " + rec.OrganizationID + " the aggregator was created for. Delete this aggregator and create a new one."}, nil
	case !org.AllFeatures:
		return verdict{codeAllFeatures, "Organization " + org.ID + " does not have all features enabled."}, nil
	}
	enabled, err := s.orgs.ServiceAccessEnabled(tx, org.ID, ConfigServicePrincipal)
	if err != nil {
		return verdict{}, err
	}
	if !enabled {
		return verdict{codeServiceAccess, "Trusted access for " + ConfigServicePrincipal + " is not enabled in organization " + org.ID + "."}, nil
	}
	if org.ManagementAccountID == owner.AccountID {
		return verdict{}, nil
	}
	admin, err := s.orgs.IsDelegatedAdministrator(tx, org.ID, owner.AccountID, ConfigServicePrincipal)
	if err != nil || admin {
		return verdict{}, err
	}
	return verdict{codeOrganizationDenied, "The aggregator account " + owner.AccountID +
		" is neither the management account of organization " + org.ID + " nor a delegated administrator for " + ConfigServicePrincipal + "."}, nil
}

// accountVerdict decides whether an aggregator may read a source account in
// a region: an account aggregator needs the source's authorization, and
// every aggregator needs AWS Config recording there.
func (s *Service) accountVerdict(tx store.Tx, owner store.Tenant, rec *aggregatorRecord, row sourceRow) (verdict, error) {
	source := store.Tenant{AccountID: row.id, Region: row.region}
	if rec.Aggregator.OrganizationAggregationSource == nil {
		var req sourceRequest
		err := store.GetJSON(tx, sourceIndexTenant(row.id), kindSourceRequest, sourceRequestID(owner, *rec.Aggregator.ConfigurationAggregatorName), &req)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return verdict{}, err
		}
		st, err := requestStateOf(tx, source, requesterKey(owner.AccountID, owner.Region), req.RequestedAt, s.clock.Now())
		if err != nil {
			return verdict{}, err
		}
		where := "account " + row.id + " in region " + row.region
		who := "aggregator account " + owner.AccountID + " in region " + owner.Region
		switch st {
		case requestPending:
			return verdict{codeAuthorizationPending, "The source " + where + " has not authorized the " + who +
				" yet. Its request is pending there: call PutAggregationAuthorization in the source account and region."}, nil
		case requestRejected:
			return verdict{codeAuthorizationRejected, "The source " + where + " rejected the request of the " + who + "."}, nil
		case requestRevoked, requestExpired:
			return verdict{codeAuthorizationNotFound, "The source " + where + " has no authorization for the " + who +
				". Call PutAggregationAuthorization in the source account and region."}, nil
		}
	}
	exists, recording, err := recorderState(tx, source)
	switch {
	case err != nil:
		return verdict{}, err
	case !exists:
		return verdict{codeConfigNotEnabled, "AWS Config is not enabled in account " + row.id + " in region " + row.region +
			": there is no configuration recorder."}, nil
	case !recording:
		return verdict{codeRecorderStopped, "AWS Config is not recording in account " + row.id + " in region " + row.region +
			": the configuration recorder is stopped."}, nil
	}
	return verdict{}, nil
}

// readableSources returns the account sources an aggregator reads data
// from: those walkSources finds readable.
func (s *Service) readableSources(tx store.Tx, owner store.Tenant, rec *aggregatorRecord) ([]store.Tenant, error) {
	var out []store.Tenant
	err := s.walkSources(tx, owner, rec, "", func(row sourceRow, v verdict) (bool, error) {
		if row.typ == sourceAccount && v.ok() {
			out = append(out, store.Tenant{AccountID: row.id, Region: row.region})
		}
		return true, nil
	})
	return out, err
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
	t, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	filter := slices.Clone(in.UpdateStatus)
	slices.Sort(filter)
	filter = slices.Compact(filter)
	scope := pagetoken.Scope("DescribeConfigurationAggregatorSourcesStatus", t.AccountID, t.Region, name, strings.Join(filter, ","))
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
		return s.walkSources(tx, t, rec, after, func(row sourceRow, v verdict) (bool, error) {
			st := configapi.AggregatedSourceStatus{
				SourceId: ptr(row.id), SourceType: ptr(row.typ), AwsRegion: ptr(row.region),
				LastUpdateStatus: ptr(statusSucceeded), LastUpdateTime: now,
			}
			if !v.ok() {
				st.LastUpdateStatus, st.LastErrorCode, st.LastErrorMessage = ptr(statusFailed), ptr(v.code), ptr(v.message)
			}
			if len(filter) > 0 && !slices.Contains(filter, *st.LastUpdateStatus) {
				return true, nil
			}
			if len(out.AggregatedSourceStatusList) == limit {
				tok := s.tokens.Encode(scope, last)
				out.NextToken = &tok
				return false, nil
			}
			out.AggregatedSourceStatusList = append(out.AggregatedSourceStatusList, st)
			last = row.key
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
