package configservice

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	json "github.com/segmentio/encoding/json"
	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// kindAggregator holds aggregators keyed by name. Each document is the
// aggregator exactly as the API returns it, so that Describe can send stored
// documents without decoding and encoding them again.
const kindAggregator store.Kind = "ConfigurationAggregator"

// kindAggregatorOrganization holds, for each organization aggregator, the
// organization it was created in, keyed by aggregator name.
const kindAggregatorOrganization store.Kind = "ConfigurationAggregatorOrganization"

// aggregatorRecord is a configuration aggregator with what Starling keeps
// about it beside its API form.
type aggregatorRecord struct {
	Aggregator configapi.ConfigurationAggregator
	// OrganizationID is the organization an organization aggregator was
	// created in, so that later updates can tell whether it changed.
	OrganizationID string
}

// aggregatorOrganization is the stored form of kindAggregatorOrganization.
type aggregatorOrganization struct {
	OrganizationID string `json:"organizationId"`
}

// loadAggregator reads the tenant's aggregator; store.ErrNotFound when absent.
func loadAggregator(tx store.Tx, t store.Namespace, name string) (*aggregatorRecord, error) {
	var rec aggregatorRecord
	if err := store.GetJSON(tx, t, kindAggregator, name, &rec.Aggregator); err != nil {
		return nil, err
	}
	if rec.Aggregator.OrganizationAggregationSource != nil {
		var org aggregatorOrganization
		if err := store.GetJSON(tx, t, kindAggregatorOrganization, name, &org); err != nil {
			return nil, err
		}
		rec.OrganizationID = org.OrganizationID
	}
	return &rec, nil
}

// saveAggregator writes the aggregator and returns its stored document,
// which is also its API form.
func saveAggregator(tx store.Tx, t store.Namespace, rec *aggregatorRecord) ([]byte, error) {
	name := *rec.Aggregator.ConfigurationAggregatorName
	doc, err := json.Marshal(&rec.Aggregator)
	if err != nil {
		return nil, err
	}
	if err := tx.Put(t, kindAggregator, name, doc); err != nil {
		return nil, err
	}
	if rec.Aggregator.OrganizationAggregationSource != nil {
		if err := store.PutJSON(tx, t, kindAggregatorOrganization, name, &aggregatorOrganization{rec.OrganizationID}); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// deleteAggregator removes the aggregator's records.
func deleteAggregator(tx store.Tx, t store.Namespace, rec *aggregatorRecord) error {
	name := *rec.Aggregator.ConfigurationAggregatorName
	if rec.Aggregator.OrganizationAggregationSource != nil {
		if err := tx.Delete(t, kindAggregatorOrganization, name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return tx.Delete(t, kindAggregator, name)
}

// Messages of the aggregator rules. msgNoRegions is AWS's own text (seen
// through CloudFormation, awsdocs/aws-cloudformation-user-guide#1114); the
// others come from moto where AWS does not publish them, and those marked
// "ours" have no known AWS text.
const (
	msgBothSources = "The configuration aggregator cannot be created because your request contains both the AccountAggregationSource and the OrganizationAggregationSource. Include only one aggregation source and try again."
	msgNoSource    = "The configuration aggregator cannot be created because your request is missing either the AccountAggregationSource or the OrganizationAggregationSource. Include the appropriate aggregation source and try again."
	msgBothRegions = "Your configuration aggregator contains a list of regions and also specifies the use of all regions. You must choose one of these options."
	msgNoRegions   = "Your request does not specify any regions. Select AWS Config-supported regions and try again."
	msgNoSuchOne   = "The configuration aggregator does not exist. Check the configuration aggregator name and try again."
	msgNoSuchSome  = "At least one of the configuration aggregators does not exist. Check the configuration aggregator names and try again."
	// ours: AWS forbids switching the source type (AWS Config Developer
	// Guide, "Setting Up an Aggregator Using the Console", Edit an
	// Aggregator) but its text is unknown.
	msgSwitchSource = "The configuration aggregator cannot be updated because you cannot change its source between AccountAggregationSource and OrganizationAggregationSource. Delete the aggregator and create a new one."
	// ours
	msgEmptyRole = "The RoleArn of the OrganizationAggregationSource is empty. Provide the ARN of an IAM role that AWS Config can assume to read your organization."
	// The model's documentation of NoAvailableOrganizationException.
	msgNoOrganization = "Organization is no longer available."
)

// describeAggregatorsMax is the largest and default page of
// DescribeConfigurationAggregators (model: Limit 0..100, "the default is maximum").
const describeAggregatorsMax = 100

// PutConfigurationAggregator creates or updates an aggregator (seed
// document). It answers with its encoded response, built from the stored
// document.
func (s *Service) PutConfigurationAggregator(ctx context.Context, in *configapi.PutConfigurationAggregatorRequest) (shape.RawJSON, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkSources(in); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	nowTime := s.clock.Now()
	now := shape.NewTimestamp(nowTime)
	newID, err := s.randomID(8)
	if err != nil {
		return nil, err
	}
	var out shape.RawJSON
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var rec aggregatorRecord
		loaded, err := loadAggregator(tx, t, name)
		exists := err == nil
		if exists {
			rec = *loaded
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if exists && (rec.Aggregator.OrganizationAggregationSource != nil) != (in.OrganizationAggregationSource != nil) {
			return configapi.InvalidParameterValue(msgSwitchSource)
		}
		var orgID string
		if in.OrganizationAggregationSource != nil {
			var prev *aggregatorRecord
			if exists {
				prev = &rec
			}
			if orgID, err = s.checkOrganizationCaller(tx, t, prev); err != nil {
				return err
			}
		}
		var before *configapi.ConfigurationAggregator
		if exists {
			prev := rec.Aggregator
			before = &prev
		}
		switch {
		case exists:
			// Update: identity, creation time and tags stay; sources are replaced.
			old := &rec.Aggregator
			old.AccountAggregationSources = in.AccountAggregationSources
			old.OrganizationAggregationSource = in.OrganizationAggregationSource
			old.AggregatorFilters = in.AggregatorFilters
			old.LastUpdatedTime = now
		default:
			n, err := tx.Count(t, kindAggregator)
			if err != nil {
				return err
			}
			if n >= s.quotas.AggregatorsPerRegion {
				return configapi.LimitExceeded("The configuration aggregator cannot be created because the account already contains " +
					strconv.Itoa(s.quotas.AggregatorsPerRegion) + " configuration aggregators in this region, the maximum allowed. Delete an aggregator you no longer need and try again.")
			}
			arn := aggregatorARN(t, newID)
			rec = aggregatorRecord{
				Aggregator: configapi.ConfigurationAggregator{
					ConfigurationAggregatorName:   &name,
					ConfigurationAggregatorArn:    &arn,
					AccountAggregationSources:     in.AccountAggregationSources,
					OrganizationAggregationSource: in.OrganizationAggregationSource,
					AggregatorFilters:             in.AggregatorFilters,
					CreationTime:                  now,
					LastUpdatedTime:               now,
				},
				OrganizationID: orgID,
			}
			if err := createTaggable(tx, t, arn, kindAggregator, name, in.Tags); err != nil {
				return err
			}
		}
		if err := indexSources(tx, t, name, before, &rec.Aggregator, nowTime); err != nil {
			return err
		}
		doc, err := saveAggregator(tx, t, &rec)
		out = wrapJSON(`{"ConfigurationAggregator":`, doc, `}`)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// wrapJSON returns prefix, doc and suffix in one new slice.
func wrapJSON(prefix string, doc []byte, suffix string) shape.RawJSON {
	out := make([]byte, 0, len(prefix)+len(doc)+len(suffix))
	return append(append(append(out, prefix...), doc...), suffix...)
}

// checkSources applies the source rules of PutConfigurationAggregator (AWS
// Config API Reference, PutConfigurationAggregator and the
// AccountAggregationSource and OrganizationAggregationSource data types):
// exactly one source kind, and for it exactly one of AwsRegions and
// AllAwsRegions (false counts as absent), within the account quota. It also
// applies Starling's region rule (docs/deviations.md, "Source regions"):
// AwsRegions must hold region codes, and it rewrites in's AwsRegions with
// duplicates removed, so that the aggregator is stored and answered with
// each region once.
func (s *Service) checkSources(in *configapi.PutConfigurationAggregatorRequest) error {
	hasAccounts := len(in.AccountAggregationSources) > 0
	org := in.OrganizationAggregationSource
	switch {
	case hasAccounts && org != nil:
		return configapi.InvalidParameterValue(msgBothSources)
	case !hasAccounts && org == nil:
		return configapi.InvalidParameterValue(msgNoSource)
	}
	if org != nil {
		regions, err := checkRegions(org.AwsRegions, org.AllAwsRegions)
		if err != nil {
			return err
		}
		org.AwsRegions = regions
		if *org.RoleArn == "" {
			return configapi.InvalidRole(msgEmptyRole)
		}
		if len(*org.RoleArn) > maxRoleARN {
			return configapi.InvalidRole(msgLongRole)
		}
		return nil
	}
	for i := range in.AccountAggregationSources {
		src := &in.AccountAggregationSources[i]
		regions, err := checkRegions(src.AwsRegions, src.AllAwsRegions)
		if err != nil {
			return err
		}
		src.AwsRegions = regions
		if n := countDistinct(src.AccountIds); n > s.quotas.AccountsPerAggregator {
			return configapi.LimitExceeded("The configuration aggregator cannot be created because it lists " + strconv.Itoa(n) +
				" source accounts; an aggregator can have at most " + strconv.Itoa(s.quotas.AccountsPerAggregator) + ".")
		}
	}
	return nil
}

// checkRegions applies the region rules to one source and returns its
// AwsRegions with duplicates removed, first occurrences kept in order.
func checkRegions(regions []string, all *bool) ([]string, error) {
	allRegions := all != nil && *all
	switch {
	case len(regions) > 0 && allRegions:
		return nil, configapi.InvalidParameterValue(msgBothRegions)
	case len(regions) == 0 && !allRegions:
		return nil, configapi.InvalidParameterValue(msgNoRegions)
	}
	regions, bad, ok := normalizeRegions(regions)
	if !ok {
		return nil, configapi.InvalidParameterValue(msgBadRegion(bad))
	}
	return regions, nil
}

// msgBadRegion is the text for an AwsRegions value that is not a region
// code (ours: AWS's text is not published). It quotes at most
// maxQuotedRegion bytes of the value.
func msgBadRegion(r string) string {
	if len(r) > maxQuotedRegion {
		r = strings.ToValidUTF8(r[:maxQuotedRegion], "") + "..."
	}
	return "The region '" + r + "' is not a valid AWS Region code. Specify regions by their codes, such as us-east-1, and try again."
}

func countDistinct(ids []string) int {
	seen := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		seen[id] = struct{}{}
	}
	return len(seen)
}

// checkOrganizationCaller applies PutConfigurationAggregator's organization
// rules to a caller creating (existing == nil) or updating an organization
// aggregator, and returns the caller's organization. As AWS Config does, it
// enables trusted access for config.amazonaws.com when the caller is the
// management account, and checks the delegated-administrator registration
// otherwise (AWS Config API Reference, PutConfigurationAggregator,
// description and Errors).
func (s *Service) checkOrganizationCaller(tx store.Tx, t store.Namespace, existing *aggregatorRecord) (string, error) {
	org, ok, err := s.orgs.OrganizationOf(tx, t.Owner)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", configapi.NoAvailableOrganization(msgNoOrganization)
	case existing != nil && existing.OrganizationID != org.ID:
		return "", configapi.OrganizationAccessDenied(msgPreviousOrganization)
	case !org.AllFeatures:
		return "", configapi.OrganizationAllFeaturesNotEnabled(msgAllFeatures)
	case org.ManagementAccountID == t.Owner:
		return org.ID, s.orgs.EnableServiceAccess(tx, org.ID, ConfigServicePrincipal, s.clock.Now())
	}
	admin, err := s.orgs.IsDelegatedAdministrator(tx, org.ID, t.Owner, ConfigServicePrincipal)
	switch {
	case err != nil:
		return "", err
	case admin:
		return org.ID, nil
	case existing != nil:
		return "", configapi.OrganizationAccessDenied(msgRoleChanged)
	default:
		return "", configapi.OrganizationAccessDenied(msgNotDelegatedAdmin)
	}
}

// Texts of the organization errors, from the AWS Config API Reference's list
// of OrganizationAccessDeniedException causes (PutConfigurationAggregator,
// Errors) and the model's error
// documentation (AWS's exact response texts are not published).
const (
	msgAllFeatures       = "AWS Config resource cannot be created because your organization does not have all features enabled."
	msgRoleChanged       = "The configuration aggregator cannot be updated because your AWS Organization management account or the delegated administrator role changed. Delete this aggregator and create a new one with the current AWS Organization."
	msgNotDelegatedAdmin = "You are not a registered delegated administrator for AWS Config with permissions to call ListDelegatedAdministrators API. Ensure that the management account registers delagated administrator for AWS Config service principle name before the delegated administrator creates an aggregator."
)

// msgPreviousOrganization is the model's description of this cause of
// OrganizationAccessDeniedException.
const msgPreviousOrganization = "The configuration aggregator is associated with a previous AWS Organization and AWS Config cannot aggregate data with current AWS Organization. Delete this aggregator and create a new one with the current AWS Organization."

// DescribeConfigurationAggregators lists the caller's aggregators in this
// region, optionally only the named ones, sorted by name. It answers with
// its encoded response, spliced from the stored documents.
func (s *Service) DescribeConfigurationAggregators(ctx context.Context, in *configapi.DescribeConfigurationAggregatorsRequest) (shape.RawJSON, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	names := slices.Clone(in.ConfigurationAggregatorNames)
	slices.Sort(names)
	names = slices.Compact(names)
	scope := pagetoken.Scope("DescribeConfigurationAggregators", t.Owner, t.Region, strings.Join(names, "/"))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describeAggregatorsMax)
	var items []store.Item
	err = s.store.View(ctx, func(tx store.Tx) error {
		if len(names) == 0 {
			items, err = tx.List(t, kindAggregator, after, limit+1)
			return err
		}
		for _, n := range names {
			doc, err := tx.Get(t, kindAggregator, n)
			if errors.Is(err, store.ErrNotFound) {
				return noSuchAggregator(len(in.ConfigurationAggregatorNames))
			}
			if err != nil {
				return err
			}
			if n > after {
				items = append(items, store.Item{ID: n, Doc: doc})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	size := 64
	for _, it := range items {
		size += len(it.Doc) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, `{"ConfigurationAggregators":[`...)
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, it.Doc...)
	}
	out = append(out, ']')
	if more {
		tok, _ := json.Marshal(s.tokens.Encode(scope, items[len(items)-1].ID))
		out = append(append(append(out, `,"NextToken":`...), tok...), '}')
		return out, nil
	}
	return append(out, '}'), nil
}

func noSuchAggregator(namesRequested int) *apierr.Error {
	if namesRequested > 1 {
		return configapi.NoSuchConfigurationAggregator(msgNoSuchSome)
	}
	return configapi.NoSuchConfigurationAggregator(msgNoSuchOne)
}

// DeleteConfigurationAggregator deletes an aggregator, its tags and its
// aggregated data.
func (s *Service) DeleteConfigurationAggregator(ctx context.Context, in *configapi.DeleteConfigurationAggregatorRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationAggregatorName
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, err := loadAggregator(tx, t, name)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return noSuchAggregator(1)
			}
			return err
		}
		if err := deleteTaggable(tx, t, *rec.Aggregator.ConfigurationAggregatorArn); err != nil {
			return err
		}
		if err := indexSources(tx, t, name, &rec.Aggregator, nil, s.clock.Now()); err != nil {
			return err
		}
		return deleteAggregator(tx, t, rec)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}
