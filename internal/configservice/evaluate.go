package configservice

import (
	"context"
	"slices"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/compliance/managed"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store"
)

// Managed rules evaluated by Starling itself (package managed), over the
// configuration items of the rule's account and region: all of them when
// a rule is put or StartConfigRulesEvaluation names it, and the changed
// ones whenever the server records items (RecordConfigurationItems,
// PutResourceConfig, DeleteResourceConfig).

// periodicRules are the managed rules Starling evaluates that AWS also
// runs periodically, for which PutConfigRule accepts a
// MaximumExecutionFrequency (the trigger types of each rule's page in the
// AWS Config Developer Guide; shared/spec/managed-rules.md, the table).
// The others run on configuration changes only.
var periodicRules = map[string]bool{
	"INCOMING_SSH_DISABLED":            true,
	"RESTRICTED_INCOMING_TRAFFIC":      true,
	"S3_BUCKET_PUBLIC_READ_PROHIBITED": true,
	"VPC_FLOW_LOGS_ENABLED":            true,
}

// resultsBatch is how many results one PutResults writes.
const resultsBatch = 1000

// evaluable returns the managed rule that r runs and its parameters, or
// false when Starling does not evaluate r (a custom rule, or a managed
// rule it does not know).
func evaluable(r *configapi.ConfigRule) (*managed.Rule, managed.Params, bool) {
	if r.Source == nil || deref(r.Source.Owner) != ownerAWS {
		return nil, nil, false
	}
	m, ok := managed.Lookup(deref(r.Source.SourceIdentifier))
	if !ok {
		return nil, nil, false
	}
	p, err := managed.ParseParams(deref(r.InputParameters))
	if err != nil {
		return nil, nil, false // PutConfigRule refused it; an older record
	}
	return m, p, true
}

// ruleTypes returns the types r evaluates: the managed rule's, narrowed to
// the scope's ComplianceResourceTypes when it names some.
func ruleTypes(r *configapi.ConfigRule, m *managed.Rule) []string {
	if r.Scope == nil || len(r.Scope.ComplianceResourceTypes) == 0 {
		return m.ResourceTypes
	}
	var out []string
	for _, t := range m.ResourceTypes {
		if slices.Contains(r.Scope.ComplianceResourceTypes, t) {
			out = append(out, t)
		}
	}
	return out
}

// inRuleScope reports whether the scope of r admits the item: its type is
// one of types, and it has the scope's resource id and tag.
func inRuleScope(r *configapi.ConfigRule, types []string, it *inventory.Item) bool {
	if !slices.Contains(types, it.ResourceType) {
		return false
	}
	sc := r.Scope
	if sc == nil {
		return true
	}
	if sc.ComplianceResourceId != nil && *sc.ComplianceResourceId != it.ResourceID {
		return false
	}
	if sc.TagKey != nil {
		v, ok := it.Tags[*sc.TagKey]
		if !ok || (sc.TagValue != nil && *sc.TagValue != v) {
			return false
		}
	}
	return true
}

// relatedEnv returns the Env of the items of the related types of the
// rules ms in src, or nil when they have none.
func (s *Service) relatedEnv(ctx context.Context, src inventory.Source, ms ...*managed.Rule) (managed.Env, error) {
	var types []string
	for _, m := range ms {
		for _, t := range m.Related {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	if len(types) == 0 {
		return nil, nil
	}
	var items []inventory.Item
	q := inventory.ScanQuery{Scope: inventory.OneSource(src), Filter: inventory.Filter{ResourceTypes: types}, WithoutRelationships: true}
	for it, err := range s.inv.Scan(ctx, q) {
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return managed.NewSourceEnv(items), nil
}

// result returns the result of a verdict on it.
func result(src inventory.Source, rule string, v managed.Verdict, it *inventory.Item, now time.Time) compliance.Result {
	return compliance.Result{
		ResultKey:      compliance.ResultKey{Source: src, RuleName: rule, ResourceType: v.ResourceType, ResourceID: v.ResourceID},
		ComplianceType: v.ComplianceType, Annotation: v.Annotation,
		OrderingTime: it.CaptureTime, RecordedTime: now, InvokedTime: now,
	}
}

// ruleRun is one rule of an evaluation: the rule, what it runs, and the
// types it evaluates.
type ruleRun struct {
	rule   *configapi.ConfigRule
	m      *managed.Rule
	params managed.Params
	types  []string
}

// runsOf returns the runs of the rules Starling evaluates among rules.
func runsOf(rules []configapi.ConfigRule) []ruleRun {
	var runs []ruleRun
	for i := range rules {
		r := &rules[i]
		if m, p, ok := evaluable(r); ok {
			runs = append(runs, ruleRun{rule: r, m: m, params: p, types: ruleTypes(r, m)})
		}
	}
	return runs
}

// evaluateRules evaluates, of rules (of the namespace t), those Starling
// evaluates over every configuration item of t's source in their scope,
// in one read of the items of all their types and of the types their
// rules relate to, and makes their results the rules' only ones, in one
// write.
//
// The rules that read related items (a VPC's flow logs) need all of those
// before they evaluate an item: the items of their types are kept until
// the read ends, then evaluated; the others' are evaluated as they come.
func (s *Service) evaluateRules(ctx context.Context, t store.Namespace, rules []configapi.ConfigRule) error {
	runs := runsOf(rules)
	if len(runs) == 0 {
		return nil
	}
	src := sourceOf(t)
	now := s.clock.Now().Truncate(time.Millisecond)
	// types: what the runs evaluate; related: what some read besides;
	// later: the types of those, whose items wait for the related ones.
	var types, related, later []string
	add := func(set *[]string, ts []string) {
		for _, typ := range ts {
			if !slices.Contains(*set, typ) {
				*set = append(*set, typ)
			}
		}
	}
	for _, run := range runs {
		add(&types, run.types)
		add(&related, run.m.Related)
		if len(run.m.Related) > 0 {
			add(&later, run.types)
		}
	}
	read := slices.Clone(types)
	add(&read, related)
	slices.Sort(read)
	var results []compliance.Result
	var relatedItems, waiting []inventory.Item
	if len(types) > 0 {
		// No managed rule reads relationships (package managed), and the
		// rule of tags reads no configuration: of the types only it reads
		// (most of the bytes of its 30), the backend need not read the
		// documents.
		q := inventory.ScanQuery{Scope: inventory.OneSource(src), Filter: inventory.Filter{ResourceTypes: read, IncludeDeleted: true},
			WithoutRelationships: true, WithoutConfigurationOf: tagsOnlyTypes(runs, read, related)}
		for it, err := range s.inv.Scan(ctx, q) {
			if err != nil {
				return err
			}
			if !it.Deleted() && slices.Contains(related, it.ResourceType) {
				relatedItems = append(relatedItems, it)
			}
			if slices.Contains(later, it.ResourceType) {
				waiting = append(waiting, it)
			}
			for _, run := range runs {
				if len(run.m.Related) == 0 && inRuleScope(run.rule, run.types, &it) {
					results = append(results, result(src, *run.rule.ConfigRuleName, run.m.Evaluate(&it, run.params, nil), &it, now))
				}
			}
		}
	}
	if len(waiting) > 0 {
		env := managed.NewSourceEnv(relatedItems)
		for i := range waiting {
			it := &waiting[i]
			for _, run := range runs {
				if len(run.m.Related) > 0 && inRuleScope(run.rule, run.types, it) {
					results = append(results, result(src, *run.rule.ConfigRuleName, run.m.Evaluate(it, run.params, env), it, now))
				}
			}
		}
	}
	// The rules' results are these, in one transaction: a resource that
	// left a rule's scope has none, and a reader never sees a rule
	// without its results. The same transaction records that the rules
	// ran now (DescribeConfigRuleEvaluationStatus reads it).
	names := make([]string, len(runs))
	for i, run := range runs {
		names[i] = *run.rule.ConfigRuleName
	}
	return s.results.ReplaceResults(ctx, src, names, results, now)
}

// tagsOnlyTypes returns, of the types read (every type the runs evaluate,
// and related, those some read besides), sorted, those whose every run
// reads tags only (managed.Rule's TagsOnly) and that no run reads as a
// related type.
func tagsOnlyTypes(runs []ruleRun, read, related []string) []string {
	var bare []string
	for _, typ := range read {
		tagsOnly := !slices.Contains(related, typ)
		for i := 0; tagsOnly && i < len(runs); i++ {
			if !runs[i].m.TagsOnly && slices.Contains(runs[i].types, typ) {
				tagsOnly = false
			}
		}
		if tagsOnly {
			bare = append(bare, typ)
		}
	}
	slices.Sort(bare)
	return bare
}

// evaluateChanged evaluates the items just recorded in src by the rules of
// the source that Starling evaluates and whose scope admits them, and, for
// a rule that reads a related type (a VPC's flow logs), every resource of
// the rule when an item of that type changed.
func (s *Service) evaluateChanged(ctx context.Context, src inventory.Source, items []inventory.Item) error {
	t := store.Regional(src.AccountID, src.Region)
	var rules []configapi.ConfigRule
	err := s.store.View(ctx, func(tx store.Tx) error {
		n, err := tx.Count(t, kindConfigRule)
		if err != nil || n == 0 {
			return err
		}
		recs, err := allRules(tx, t)
		for _, rec := range recs {
			rules = append(rules, rec.Rule)
		}
		return err
	})
	if err != nil || len(rules) == 0 {
		return err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	var whole []configapi.ConfigRule // rules to evaluate over every resource
	var runs []ruleRun
	var ms []*managed.Rule
	for _, run := range runsOf(rules) {
		if slices.ContainsFunc(items, func(it inventory.Item) bool { return slices.Contains(run.m.Related, it.ResourceType) }) {
			whole = append(whole, *run.rule)
			continue
		}
		if slices.ContainsFunc(items, func(it inventory.Item) bool { return slices.Contains(run.types, it.ResourceType) }) {
			runs = append(runs, run)
			ms = append(ms, run.m)
		}
	}
	var results []compliance.Result
	if len(runs) > 0 {
		env, err := s.relatedEnv(ctx, src, ms...)
		if err != nil {
			return err
		}
		for j := range items {
			it := latestOf(items, j)
			if it == nil {
				continue
			}
			for _, run := range runs {
				if !slices.Contains(run.types, it.ResourceType) {
					continue
				}
				name := *run.rule.ConfigRuleName
				if !inRuleScope(run.rule, run.types, it) {
					// Out of the scope now (a tag removed): no result.
					k := compliance.ResultKey{Source: src, RuleName: name, ResourceType: it.ResourceType, ResourceID: it.ResourceID}
					if err := s.results.DeleteResult(ctx, k); err != nil {
						return err
					}
					continue
				}
				results = append(results, result(src, name, run.m.Evaluate(it, run.params, env), it, now))
			}
		}
	}
	for batch := range slices.Chunk(results, resultsBatch) {
		if err := s.results.PutResults(ctx, batch); err != nil {
			return err
		}
	}
	return s.evaluateRules(ctx, t, whole)
}

// latestOf returns items[j] if no later item of the batch is a later
// version of the same resource, else nil (the later one is evaluated).
func latestOf(items []inventory.Item, j int) *inventory.Item {
	it := &items[j]
	for k := range items {
		if k != j && items[k].Key == it.Key && (items[k].StateID > it.StateID || (items[k].StateID == it.StateID && k > j)) {
			return nil
		}
	}
	return it
}

// ReplaceResults, of a Service built without a results store, refuses as
// PutResults does (noResults, items.go).
func (noResults) ReplaceResults(context.Context, inventory.Source, []string, []compliance.Result, time.Time) error {
	return errNoResults
}
