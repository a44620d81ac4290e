package configservice

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/inventory"
)

// This file holds what the resource operations share: the caller's source,
// the API forms of a configuration item (CI), and the rules of custom
// resource type names.

// itemVersion is the configurationItemVersion AWS Config writes today, as
// in the example outputs of the AWS Config Developer Guide ("Read
// Configuration Items with AWS Config for Third-Party Resources using the
// AWS CLI": "version": "1.3").
const itemVersion = "1.3"

// callerSource returns the source (account and region) of the caller: the
// only one whose items the source-account operations read and write.
func callerSource(ctx context.Context) (inventory.Source, error) {
	c, ok := identity.CallerFrom(ctx)
	if !ok {
		return inventory.Source{}, apierr.Internal(errors.New("configservice: no caller in context"))
	}
	return inventory.Source{AccountID: c.AccountID, Region: c.Region}, nil
}

// errNoInventory is what noInventory's writes fail with.
var errNoInventory = errors.New("configservice: the service has no inventory store")

// noInventory is the CI store of a Service built without one: it holds
// nothing, and refuses writes.
type noInventory struct{}

var _ inventory.Store = noInventory{}

func (noInventory) Write(context.Context, []inventory.Item) (inventory.WriteResult, error) {
	return inventory.WriteResult{}, apierr.Internal(errNoInventory)
}
func (noInventory) Get(context.Context, inventory.Key) (inventory.Item, error) {
	return inventory.Item{}, inventory.ErrNotFound
}
func (noInventory) BatchGet(context.Context, []inventory.Key) ([]inventory.Item, error) {
	return nil, nil
}
func (noInventory) BatchGetBase(context.Context, []inventory.Key) ([]inventory.Item, error) {
	return nil, nil
}
func (noInventory) List(context.Context, inventory.ListQuery) (inventory.ListPage, error) {
	return inventory.ListPage{}, nil
}
func (noInventory) Count(context.Context, inventory.CountQuery) (inventory.CountResult, error) {
	return inventory.CountResult{}, nil
}
func (noInventory) History(context.Context, inventory.HistoryQuery) (inventory.HistoryPage, error) {
	return inventory.HistoryPage{}, inventory.ErrNotFound
}
func (noInventory) Scan(context.Context, inventory.ScanQuery) iter.Seq2[inventory.Item, error] {
	return func(func(inventory.Item, error) bool) {}
}
func (noInventory) Prune(context.Context, inventory.Source, time.Time) (int64, error) { return 0, nil }
func (noInventory) Reset(context.Context) error                                       { return nil }
func (noInventory) LockSource(context.Context, inventory.Source) (func(), error) {
	return func() {}, nil
}
func (noInventory) Close() error { return nil }

// maxResourceName is the longest resource name Starling takes. The model
// does not bound ResourceName; Starling holds names to the bound of
// resource ids (ResourceId, 768), so that one request cannot store or
// query a name of megabytes (docs/deviations.md).
const maxResourceName = 768

// checkResourceName refuses a resource name longer than maxResourceName,
// counted in UTF-16 code units as AWS counts lengths. The text is ours.
func checkResourceName(name *string, member string) error {
	if name == nil || len(*name) <= maxResourceName || utf16Len(*name) <= maxResourceName {
		return nil
	}
	return configapi.Validation("The " + member + " is not valid: it is longer than 768 characters.")
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// inventoryErr turns a store error into the API's: a cursor the store does
// not recognize is a token the client made up or reused elsewhere.
func inventoryErr(err error) error {
	if errors.Is(err, inventory.ErrInvalidCursor) {
		return invalidNextToken()
	}
	return err
}

// optString returns a pointer to s, or nil when s is empty: the API leaves
// out the members a CI does not have (resourceName, arn, availabilityZone).
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// configurationString returns the configuration as the API sends it: the
// document as a JSON string, "null" for a deleted resource (AWS Config API
// Reference, ConfigurationItem, configuration: "A JSON-encoded string").
func configurationString(it *inventory.Item) *string {
	if len(it.Configuration) == 0 {
		return ptr("null")
	}
	return ptr(string(it.Configuration))
}

// supplementaryStrings returns the supplementary configuration as the API
// sends it: each value as its JSON text (ConfigurationItem,
// supplementaryConfiguration: "A string to string map").
func supplementaryStrings(it *inventory.Item) map[string]string {
	m := make(map[string]string, len(it.SupplementaryConfiguration))
	for k, v := range it.SupplementaryConfiguration {
		m[k] = string(v)
	}
	return m
}

// creationTime returns resourceCreationTime, or nil when it is unknown.
func creationTime(it *inventory.Item) *shape.Timestamp {
	if it.ResourceCreationTime.IsZero() {
		return nil
	}
	return shape.NewTimestamp(it.ResourceCreationTime)
}

// configurationItem returns the API form of a CI (AWS Config API
// Reference, ConfigurationItem). configurationItemMD5Hash is empty and
// relatedEvents is empty, as AWS sends them since version 1.3 (AWS Config
// Developer Guide, "Components of a Configuration Item").
func configurationItem(it *inventory.Item) configapi.ConfigurationItem {
	tags := make(map[string]string, len(it.Tags))
	for k, v := range it.Tags {
		tags[k] = v
	}
	rels := make([]configapi.Relationship, 0, len(it.Relationships))
	for _, r := range it.Relationships {
		rels = append(rels, configapi.Relationship{
			ResourceType:     ptr(r.ResourceType),
			ResourceId:       optString(r.ResourceID),
			ResourceName:     optString(r.ResourceName),
			RelationshipName: ptr(r.Name),
		})
	}
	return configapi.ConfigurationItem{
		Version:                      optString(it.Version),
		AccountId:                    ptr(it.AccountID),
		ConfigurationItemCaptureTime: shape.NewTimestamp(it.CaptureTime),
		ConfigurationItemStatus:      ptr(it.Status),
		ConfigurationStateId:         ptr(strconv.FormatInt(it.StateID, 10)),
		ConfigurationItemMD5Hash:     ptr(""),
		Arn:                          optString(it.ARN),
		ResourceType:                 ptr(it.ResourceType),
		ResourceId:                   ptr(it.ResourceID),
		ResourceName:                 optString(it.ResourceName),
		AwsRegion:                    optString(it.AWSRegion),
		AvailabilityZone:             optString(it.AvailabilityZone),
		ResourceCreationTime:         creationTime(it),
		Tags:                         tags,
		RelatedEvents:                []string{},
		Relationships:                rels,
		Configuration:                configurationString(it),
		SupplementaryConfiguration:   supplementaryStrings(it),
	}
}

// baseConfigurationItem returns the BaseConfigurationItem form of a CI
// (AWS Config API Reference, BaseConfigurationItem): no tags, relationships,
// related events or hash.
func baseConfigurationItem(it *inventory.Item) configapi.BaseConfigurationItem {
	return configapi.BaseConfigurationItem{
		Version:                      optString(it.Version),
		AccountId:                    ptr(it.AccountID),
		ConfigurationItemCaptureTime: shape.NewTimestamp(it.CaptureTime),
		ConfigurationItemStatus:      ptr(it.Status),
		ConfigurationStateId:         ptr(strconv.FormatInt(it.StateID, 10)),
		Arn:                          optString(it.ARN),
		ResourceType:                 ptr(it.ResourceType),
		ResourceId:                   ptr(it.ResourceID),
		ResourceName:                 optString(it.ResourceName),
		AwsRegion:                    optString(it.AWSRegion),
		AvailabilityZone:             optString(it.AvailabilityZone),
		ResourceCreationTime:         creationTime(it),
		Configuration:                configurationString(it),
		SupplementaryConfiguration:   supplementaryStrings(it),
	}
}

// wireConfigurationItem is a ConfigurationItem as AWS sends it: tags,
// relatedEvents, relationships and supplementaryConfiguration are always
// present, {} or [] when empty, as in the get-resource-config-history
// output the AWS Config Developer Guide shows ("Querying Compliance History
// for Conformance Packs for AWS Config") and in recorded AWS responses
// (cloud-custodian/cloud-custodian, tests/data/placebo/
// test_ebs_health_events_filter/config.GetResourceConfigHistory_1.json).
// The generated type leaves empty ones out; its members of the same names
// are shadowed here.
type wireConfigurationItem struct {
	*configapi.ConfigurationItem
	Tags                       map[string]string        `json:"tags"`
	RelatedEvents              []string                 `json:"relatedEvents"`
	Relationships              []configapi.Relationship `json:"relationships"`
	SupplementaryConfiguration map[string]string        `json:"supplementaryConfiguration"`
}

func wireItem(ci *configapi.ConfigurationItem) wireConfigurationItem {
	w := wireConfigurationItem{
		ConfigurationItem:          ci,
		Tags:                       ci.Tags,
		RelatedEvents:              ci.RelatedEvents,
		Relationships:              ci.Relationships,
		SupplementaryConfiguration: ci.SupplementaryConfiguration,
	}
	if w.Tags == nil {
		w.Tags = map[string]string{}
	}
	if w.RelatedEvents == nil {
		w.RelatedEvents = []string{}
	}
	if w.Relationships == nil {
		w.Relationships = []configapi.Relationship{}
	}
	if w.SupplementaryConfiguration == nil {
		w.SupplementaryConfiguration = map[string]string{}
	}
	return w
}

// wireBaseConfigurationItem is a BaseConfigurationItem as AWS sends it:
// supplementaryConfiguration always present, {} when empty, as in the
// batch-get-resource-config output of the AWS Config Developer Guide ("Read
// Configuration Items with AWS Config for Third-Party Resources using the
// AWS CLI").
type wireBaseConfigurationItem struct {
	*configapi.BaseConfigurationItem
	SupplementaryConfiguration map[string]string `json:"supplementaryConfiguration"`
}

// encodeHistory encodes GetResourceConfigHistory's answer with each item's
// empty collections present.
func encodeHistory(out *configapi.GetResourceConfigHistoryResponse) (shape.RawJSON, error) {
	items := make([]wireConfigurationItem, len(out.ConfigurationItems))
	for i := range out.ConfigurationItems {
		items[i] = wireItem(&out.ConfigurationItems[i])
	}
	return json.Marshal(struct {
		ConfigurationItems []wireConfigurationItem `json:"configurationItems"`
		NextToken          *string                 `json:"nextToken,omitempty"`
	}{items, out.NextToken})
}

// encodeBatchGet encodes BatchGetResourceConfig's answer with each item's
// empty supplementary configuration present.
func encodeBatchGet(out *configapi.BatchGetResourceConfigResponse) (shape.RawJSON, error) {
	keys := out.UnprocessedResourceKeys
	if keys == nil {
		keys = []configapi.ResourceKey{}
	}
	return appendBatchAnswer("baseConfigurationItems", out.BaseConfigurationItems, "unprocessedResourceKeys", keys)
}

// customTypeRE is the form of a CloudFormation registry type name,
// Organization::Service::Resource, as the Config model spells it for
// resource type values (ResourceTypeValue, [a-zA-Z0-9]{2,64}::… three
// times; CloudFormation API Reference, RegisterType, TypeName).
var customTypeRE = regexp.MustCompile(`^[a-zA-Z0-9]{2,64}::[a-zA-Z0-9]{2,64}::[a-zA-Z0-9]{2,64}$`)

// reservedOrganizations are the organization names a custom resource type
// may not use, compared without case: "You cannot use the organization
// names "aws", "amzn", "amazon", "alexa", "custom" with custom resource
// types. It is the first part of the ResourceType up to the first ::." (AWS
// Config API Reference, PutResourceConfig, ResourceType; later revisions of
// the page leave "aws" out of the list, but AWS:: names AWS's own types).
var reservedOrganizations = []string{"aws", "amzn", "amazon", "alexa", "custom"}

// checkCustomType returns the ValidationException for a ResourceType that
// PutResourceConfig and DeleteResourceConfig refuse. The texts are ours:
// AWS does not publish them.
func checkCustomType(t string) error {
	org, _, _ := strings.Cut(t, "::")
	if slices.Contains(reservedOrganizations, strings.ToLower(org)) {
		return configapi.Validation("The resource type '" + t + "' is not valid: you cannot use the organization name '" + org +
			"' with custom resource types. The organization names aws, amzn, amazon, alexa and custom are reserved.")
	}
	if !customTypeRE.MatchString(t) {
		return configapi.Validation("The resource type '" + t + "' is not valid: a custom resource type is named " +
			"Organization::Service::Resource, each part 2 to 64 letters or digits.")
	}
	return nil
}

// isCustomType reports whether t names a custom (third-party) resource
// type that PutResourceConfig accepts.
func isCustomType(t string) bool { return checkCustomType(t) == nil }

// errNoResults is what noResults' writes fail with.
var errNoResults = errors.New("configservice: no evaluation-result store")

// noResults is the results store of a Service built without one: it holds
// no result and refuses writes.
type noResults struct{}

var _ compliance.Store = noResults{}

func (noResults) PutResults(context.Context, []compliance.Result) error { return errNoResults }
func (noResults) DeleteResults(context.Context, inventory.Source, string) (int64, error) {
	return 0, nil
}
func (noResults) MarkEvaluated(context.Context, inventory.Source, []string, time.Time) error {
	return errNoResults
}
func (noResults) Evaluations(context.Context, inventory.Source, []string) (map[string]time.Time, error) {
	return map[string]time.Time{}, nil
}
func (noResults) DeleteResource(context.Context, inventory.Source, string, string) error { return nil }
func (noResults) DeleteResult(context.Context, compliance.ResultKey) error               { return nil }
func (noResults) List(context.Context, compliance.ListQuery) (compliance.ListPage, error) {
	return compliance.ListPage{}, nil
}
func (noResults) Counts(context.Context, compliance.CountsQuery) ([]compliance.RuleCounts, error) {
	return nil, nil
}
func (noResults) ResourceCounts(context.Context, *inventory.Scope, compliance.Filter) ([]compliance.ResourceCounts, error) {
	return nil, nil
}
func (noResults) Reset(context.Context) error { return nil }
func (noResults) SyncGroup(context.Context, inventory.Source, string, func(context.Context) ([]string, bool, error)) error {
	return nil
}
func (noResults) ReplaceGroups(context.Context, func(context.Context) ([]compliance.Group, error)) error {
	return nil
}
func (noResults) GroupSummaries(context.Context, compliance.SummaryQuery) ([]compliance.GroupSummary, error) {
	return nil, nil
}
func (noResults) GroupCounts(context.Context, compliance.GroupCountsQuery) ([]compliance.GroupCounts, error) {
	return nil, nil
}
