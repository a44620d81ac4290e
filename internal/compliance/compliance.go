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
	"fmt"
	"slices"
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

// Compliance returns the compliance of the rule that c counts:
// NON_COMPLIANT when one of its results is, else COMPLIANT when one is,
// else "" (its results are all NOT_APPLICABLE or INSUFFICIENT_DATA: AWS
// shows no compliance for it).
func (c *RuleCounts) Compliance() string {
	switch {
	case c.NonCompliant > 0:
		return NonCompliant
	case c.Compliant > 0:
		return Compliant
	}
	return ""
}

// RuleKey identifies one rule of one source.
type RuleKey struct {
	inventory.Source
	RuleName string
}

// CountsQuery asks for the RuleCounts of every (source, rule) that Scope
// and Filter admit (Filter.ResourceType and ResourceID and
// ComplianceTypes are ignored) and that has at least one result, in the
// order (account, region, rule).
type CountsQuery struct {
	Scope  *inventory.Scope
	Filter Filter
	// Compliance, when not empty, admits only the rules whose compliance
	// (RuleCounts.Compliance) is one of these: COMPLIANT, NON_COMPLIANT,
	// or "" for the rules without one.
	Compliance []string
	// After, when not nil, admits only the rules after it in the order
	// (account, region, rule): the page that follows the one that ended
	// with it.
	After *RuleKey
	// Limit, when positive, is the largest number of rows returned: the
	// first ones in the order.
	Limit int
}

// SummaryGroupBy is what a SummaryQuery sums the rules' compliance by.
type SummaryGroupBy int

// The groupings of a SummaryQuery.
const (
	// SummaryTotal sums every rule of the scope in one group, named "".
	SummaryTotal SummaryGroupBy = iota
	// SummaryByAccount sums the rules of each account.
	SummaryByAccount
	// SummaryByRegion sums the rules of each region.
	SummaryByRegion
)

// SummaryQuery asks how many of the rules (with results) of the sources
// that Scope, AccountID and Region admit are compliant and how many
// noncompliant, per group: GetAggregateConfigRuleComplianceSummary's
// answer.
type SummaryQuery struct {
	Scope *inventory.Scope
	// AccountID and Region, when set, narrow the scope.
	AccountID, Region string
	GroupBy           SummaryGroupBy
	// After, when not "", admits only the groups after it (by name, in
	// byte order).
	After string
	// Limit, when positive, is the largest number of groups returned: the
	// first ones in the order.
	Limit int
}

// RuleSummary sums the compliance of the rules of one group: Compliant
// and NonCompliant count the rules whose compliance (RuleCounts.Compliance)
// is COMPLIANT and NON_COMPLIANT. A group whose rules have no compliance
// has a summary of zeros; a group without rules with results has none.
type RuleSummary struct {
	// Group is the account or the region, or "" for SummaryTotal.
	Group        string
	Compliant    int64
	NonCompliant int64
	// Latest is the largest Latest of the rules counted; zero when none
	// is.
	Latest time.Time
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
	// ReplaceResults makes results the only results of the rules of the
	// source src, atomically: the rules' other results are deleted, and
	// results are stored whatever the OrderingTime of the results they
	// replace (of several of one key in results, the one with the latest
	// OrderingTime is kept, as PutResults keeps it). A reader sees the
	// rules' results as they were before or as they are after, never a
	// mix, nor a rule without results in between. Every result must be of
	// src and of one of rules; rules may hold rules without results, which
	// are left with none. When evaluated is not zero, it becomes, in the
	// same transaction, the time each of rules last evaluated
	// (Evaluations), as MarkEvaluated sets it.
	ReplaceResults(ctx context.Context, src inventory.Source, rules []string, results []Result, evaluated time.Time) error
	// MarkEvaluated records at, to the millisecond, as the time each of
	// rules of the source last evaluated, unless a later time is recorded
	// (two writers' clocks): a rule's evaluation time never goes back.
	MarkEvaluated(ctx context.Context, src inventory.Source, rules []string, at time.Time) error
	// Evaluations returns the time each of rules of the source last
	// evaluated, of those that have one (ReplaceResults, MarkEvaluated),
	// by rule name, in UTC.
	Evaluations(ctx context.Context, src inventory.Source, rules []string) (map[string]time.Time, error)
	// DeleteResults deletes the results of the rule of the source, and its
	// evaluation time (the rule is gone), and returns how many results
	// there were.
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
	// Summaries returns the sums of q, in group order, in one read of
	// the per-rule counts, summed by the database: never one row per rule.
	Summaries(ctx context.Context, q SummaryQuery) ([]RuleSummary, error)
	// ResourceCounts returns, for each resource type with results in the
	// scope (sorted by type), ResourceCounts over the rules that
	// Filter.RuleNames admits (all when empty). Filter.ResourceType, when
	// set, keeps that type only.
	ResourceCounts(ctx context.Context, scope *inventory.Scope, f Filter) ([]ResourceCounts, error)
	// Reset deletes every result, evaluation time and group.
	Reset(ctx context.Context) error
	GroupStore
}

// CheckRules returns an error naming what MarkEvaluated and Evaluations
// refuse: a source with an empty account or region, or an empty rule name.
func CheckRules(src inventory.Source, rules []string) error {
	switch {
	case src.AccountID == "":
		return errors.New("empty account id")
	case src.Region == "":
		return errors.New("empty region")
	case slices.Contains(rules, ""):
		return errors.New("empty rule name")
	}
	return nil
}

// CheckReplace returns an error naming what ReplaceResults refuses in its
// arguments besides the results' own fields, which a backend checks as
// PutResults does: a source with an empty account or region, an empty
// rule name, a result of another source or of a rule rules does not name.
func CheckReplace(src inventory.Source, rules []string, results []Result) error {
	if err := CheckRules(src, rules); err != nil {
		return err
	}
	named := func(rule string) bool { return slices.Contains(rules, rule) }
	if len(rules) > 8 {
		set := make(map[string]bool, len(rules))
		for _, rule := range rules {
			set[rule] = true
		}
		named = func(rule string) bool { return set[rule] }
	}
	for i := range results {
		r := &results[i]
		if r.Source != src {
			return fmt.Errorf("result %d: of source %s/%s, not %s/%s", i, r.AccountID, r.Region, src.AccountID, src.Region)
		}
		if !named(r.RuleName) {
			return fmt.Errorf("result %d: of rule %q, which the replacement does not name", i, r.RuleName)
		}
	}
	return nil
}
