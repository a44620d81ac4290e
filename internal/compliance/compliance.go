// Package compliance defines the contract of the evaluation-result store:
// the latest verdict of each Config rule on each resource it evaluated, in
// each source account and region, indexed for the compliance reads of AWS
// Config (by rule, by resource, summaries) and of an aggregator (the same
// over a set of sources). It knows neither HTTP, nor AWS's wire shapes, nor
// SQL; backends (SQLite, PostgreSQL) implement Store, and compliancetest is
// the conformance suite every backend runs unchanged.
//
// The rules themselves (their names, scopes, parameters) are control-plane
// documents, few and small, kept by package store; the results grow with
// the resources, so they live beside the configuration items.
package compliance

import (
	"context"
	"errors"
	"time"

	"github.com/starlingcfg/starling/internal/inventory"
)

// Compliance types (ComplianceType in the AWS model).
const (
	Compliant        = "COMPLIANT"
	NonCompliant     = "NON_COMPLIANT"
	NotApplicable    = "NOT_APPLICABLE"
	InsufficientData = "INSUFFICIENT_DATA"
)

// ErrInvalidCursor is returned for a Cursor the backend did not make for
// the same query.
var ErrInvalidCursor = errors.New("compliance: invalid cursor")

// ResultKey identifies one evaluation result: the verdict of the rule
// RuleName of the source (the account and region the rule belongs to) on
// one resource of that source. For account-level rules the resource is
// AWS::::Account and the id the account's.
type ResultKey struct {
	inventory.Source
	RuleName     string
	ResourceType string
	ResourceID   string
}

// Result is the latest evaluation of a resource by a rule. Times are kept
// to the millisecond and returned in UTC.
type Result struct {
	ResultKey
	// ComplianceType is one of the compliance types above.
	ComplianceType string
	// Annotation explains the verdict; "" when there is none.
	Annotation string
	// OrderingTime is the evaluation's OrderingTimestamp: the time of the
	// event (the configuration item's capture time, or the periodic
	// trigger's time) that it evaluated.
	OrderingTime time.Time
	// RecordedTime is ResultRecordedTime: when the store got it.
	RecordedTime time.Time
	// InvokedTime is ConfigRuleInvokedTime: when the rule ran.
	InvokedTime time.Time
}

// Cursor resumes a paged read after the last row of the previous page; ""
// is the first page. It is opaque to callers, who wrap it in a signed page
// token.
type Cursor string

// Filter narrows the results a read sees, besides its scope. Empty fields
// admit everything.
type Filter struct {
	// RuleNames admits the results of these rules only.
	RuleNames []string
	// ResourceType and ResourceID admit one type, or one resource.
	ResourceType string
	ResourceID   string
	// ComplianceTypes admits these compliance types only.
	ComplianceTypes []string
	// AccountID and Region narrow the scope further (the aggregate
	// reads' filters).
	AccountID string
	Region    string
}

// ListQuery pages through the results that Scope and Filter admit, in the
// order (account, region, rule, resource type, resource id).
type ListQuery struct {
	Scope  *inventory.Scope
	Filter Filter
	// Limit is the page size; it must be positive.
	Limit  int
	Cursor Cursor
}

// ListPage is one page of a List. Next is "" on the last page.
type ListPage struct {
	Results []Result
	Next    Cursor
}

// RuleCounts counts the resources of each compliance type that one rule of
// one source has results for.
type RuleCounts struct {
	inventory.Source
	RuleName      string
	Compliant     int64
	NonCompliant  int64
	NotApplicable int64
	// Insufficient counts INSUFFICIENT_DATA results.
	Insufficient int64
	// Latest is the largest RecordedTime among the rule's results.
	Latest time.Time
}

// CountsQuery asks for the RuleCounts of every (source, rule) that Scope
// and Filter admit (Filter.ResourceType and ResourceID and
// ComplianceTypes are ignored) and that has at least one result, in the
// order (account, region, rule).
type CountsQuery struct {
	Scope  *inventory.Scope
	Filter Filter
}

// ResourceCounts counts, for one resource type of the scope, the resources
// whose results (over every rule the filter admits) include a
// NON_COMPLIANT one, and those whose results include a COMPLIANT one and
// no NON_COMPLIANT one: GetComplianceSummaryByResourceType's answer.
type ResourceCounts struct {
	ResourceType string
	Compliant    int64
	NonCompliant int64
	// Latest is the largest RecordedTime among the counted results.
	Latest time.Time
}

// Store keeps evaluation results. Implementations are safe for concurrent
// use.
type Store interface {
	// PutResults stores results, each replacing the stored result of its
	// key, unless the stored one has a later OrderingTime (an older
	// evaluation arriving late does not undo a newer one). A batch is
	// atomic.
	PutResults(ctx context.Context, results []Result) error
	// DeleteResults deletes the results of the rule of the source, and
	// returns how many there were.
	DeleteResults(ctx context.Context, src inventory.Source, rule string) (int64, error)
	// DeleteResource deletes every result of one resource of the source
	// (by every rule), as when the resource leaves the rules' scope.
	DeleteResource(ctx context.Context, src inventory.Source, resourceType, resourceID string) error
	// DeleteResult deletes the result of one rule on one resource, if
	// there is one, as when the resource leaves that rule's scope.
	DeleteResult(ctx context.Context, k ResultKey) error
	// List returns a page of the results that q admits.
	List(ctx context.Context, q ListQuery) (ListPage, error)
	// Counts returns the per-rule counts that q admits, in one read (a
	// summary table, never a scan of every result), however many sources
	// the scope holds.
	Counts(ctx context.Context, q CountsQuery) ([]RuleCounts, error)
	// ResourceCounts returns, for each resource type with results in the
	// scope (sorted by type), ResourceCounts over the rules that
	// Filter.RuleNames admits (all when empty). Filter.ResourceType, when
	// set, keeps that type only.
	ResourceCounts(ctx context.Context, scope *inventory.Scope, f Filter) ([]ResourceCounts, error)
	// Reset deletes every result.
	Reset(ctx context.Context) error
}
