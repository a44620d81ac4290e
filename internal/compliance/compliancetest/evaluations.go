package compliancetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// The cases of the rules' evaluation times: ReplaceResults and
// MarkEvaluated write them, Evaluations reads them, DeleteResults and
// Reset delete them.

// wantEvaluations checks that Evaluations of rules of src returns want.
func wantEvaluations(t *testing.T, st compliance.Store, when string, src inventory.Source, rules []string, want map[string]time.Time) {
	t.Helper()
	got, err := st.Evaluations(t.Context(), src, rules)
	if err != nil {
		t.Fatalf("%s: Evaluations(%v, %v): %v", when, src, rules, err)
	}
	if !maps.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("%s: Evaluations(%v, %v) = %v, want %v", when, src, rules, got, want)
	}
	for rule, at := range got {
		if at.Location() != time.UTC {
			t.Errorf("%s: Evaluations(%v, %v): %s's time %v is not in UTC", when, src, rules, rule, at)
		}
	}
}

// evaluations checks each write of the evaluation times, in turn, against
// what Evaluations reads after it.
func (s suite) evaluations(t *testing.T) {
	st := s.open(t)
	seed(t, st) // results beside the times, which the writes below change
	rules := []string{ruleTags, ruleEnc, ruleS3, "never-evaluated"}
	at := func(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }
	want := map[string]time.Time{}
	wantEvaluations(t, st, "at first", srcA, rules, want)

	steps := []struct {
		name  string
		write func() error
		src   inventory.Source
		after map[string]time.Time // srcA's, when src is srcA
	}{
		{"a replacement without a time records none", func() error {
			return st.ReplaceResults(t.Context(), srcA, []string{ruleTags}, []compliance.Result{res(key(srcA, ruleTags, typInstance, "i-1"), compliance.Compliant, 1)}, time.Time{})
		}, srcA, map[string]time.Time{}},
		{"a replacement records its rules', those without results too", func() error {
			return st.ReplaceResults(t.Context(), srcA, []string{ruleTags, ruleEnc, ruleEnc}, []compliance.Result{res(key(srcA, ruleTags, typInstance, "i-1"), compliance.Compliant, 2)}, at(10))
		}, srcA, map[string]time.Time{ruleTags: at(10), ruleEnc: at(10)}},
		{"another source's are its own", func() error {
			return st.ReplaceResults(t.Context(), srcB, []string{ruleTags, ruleS3}, nil, at(20))
		}, srcA, map[string]time.Time{ruleTags: at(10), ruleEnc: at(10)}},
		{"MarkEvaluated moves a rule on, to the millisecond, in UTC", func() error {
			return st.MarkEvaluated(t.Context(), srcA, []string{ruleS3, ruleTags}, at(30).Add(1500*time.Microsecond).In(time.FixedZone("X", 3600)))
		}, srcA, map[string]time.Time{ruleTags: at(30).Add(time.Millisecond), ruleEnc: at(10), ruleS3: at(30).Add(time.Millisecond)}},
		{"an earlier MarkEvaluated does not move it back", func() error {
			return st.MarkEvaluated(t.Context(), srcA, []string{ruleTags, ruleEnc}, at(5))
		}, srcA, map[string]time.Time{ruleTags: at(30).Add(time.Millisecond), ruleEnc: at(10), ruleS3: at(30).Add(time.Millisecond)}},
		{"nor does an earlier replacement", func() error {
			return st.ReplaceResults(t.Context(), srcA, []string{ruleS3, ruleEnc}, nil, at(20))
		}, srcA, map[string]time.Time{ruleTags: at(30).Add(time.Millisecond), ruleEnc: at(20), ruleS3: at(30).Add(time.Millisecond)}},
		{"a resource's results deleted leave them", func() error {
			if err := st.DeleteResource(t.Context(), srcA, typInstance, "i-1"); err != nil {
				return err
			}
			return st.DeleteResult(t.Context(), key(srcA, ruleS3, typBucket, "b-1"))
		}, srcA, map[string]time.Time{ruleTags: at(30).Add(time.Millisecond), ruleEnc: at(20), ruleS3: at(30).Add(time.Millisecond)}},
		{"PutResults leaves them", func() error {
			return st.PutResults(t.Context(), []compliance.Result{res(key(srcA, ruleEnc, typVolume, "v-9"), compliance.NonCompliant, 90)})
		}, srcA, map[string]time.Time{ruleTags: at(30).Add(time.Millisecond), ruleEnc: at(20), ruleS3: at(30).Add(time.Millisecond)}},
		{"a rule's results deleted take its time", func() error {
			_, err := st.DeleteResults(t.Context(), srcA, ruleTags)
			return err
		}, srcA, map[string]time.Time{ruleEnc: at(20), ruleS3: at(30).Add(time.Millisecond)}},
		{"and so for a rule without results", func() error {
			_, err := st.DeleteResults(t.Context(), srcA, ruleS3)
			return err
		}, srcA, map[string]time.Time{ruleEnc: at(20)}},
		{"a deleted rule evaluated again has its new time", func() error {
			return st.MarkEvaluated(t.Context(), srcA, []string{ruleTags}, at(1))
		}, srcA, map[string]time.Time{ruleTags: at(1), ruleEnc: at(20)}},
	}
	for _, step := range steps {
		if err := step.write(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		wantEvaluations(t, st, step.name, srcA, rules, step.after)
		wantEvaluations(t, st, step.name+" (one rule)", srcA, []string{ruleEnc}, pick(step.after, ruleEnc))
		wantEvaluations(t, st, step.name+" (no rules)", srcA, nil, map[string]time.Time{})
	}
	wantEvaluations(t, st, "at the end", srcB, rules, map[string]time.Time{ruleTags: at(20), ruleS3: at(20)})
	wantEvaluations(t, st, "at the end", other, rules, map[string]time.Time{})
	if err := st.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	wantEvaluations(t, st, "after Reset", srcA, rules, map[string]time.Time{})
	wantEvaluations(t, st, "after Reset", srcB, rules, map[string]time.Time{})
}

// pick returns the entries of m of keys.
func pick(m map[string]time.Time, keys ...string) map[string]time.Time {
	out := map[string]time.Time{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// evaluationsRefused checks that MarkEvaluated and Evaluations refuse an
// empty account, region or rule name, and a cancelled context.
func (s suite) evaluationsRefused(t *testing.T) {
	st := s.open(t)
	bad := []struct {
		name  string
		src   inventory.Source
		rules []string
	}{
		{"no account", inventory.Source{Region: "us-east-1"}, []string{ruleTags}},
		{"no region", inventory.Source{AccountID: "111111111111"}, []string{ruleTags}},
		{"an empty rule name", srcA, []string{ruleTags, ""}},
	}
	for _, b := range bad {
		if err := st.MarkEvaluated(t.Context(), b.src, b.rules, t0); err == nil {
			t.Errorf("MarkEvaluated of %s: no error", b.name)
		}
		if _, err := st.Evaluations(t.Context(), b.src, b.rules); err == nil {
			t.Errorf("Evaluations of %s: no error", b.name)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := st.MarkEvaluated(ctx, srcA, []string{ruleTags}, t0); !errors.Is(err, context.Canceled) {
		t.Errorf("MarkEvaluated with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := st.Evaluations(ctx, srcA, []string{ruleTags}); !errors.Is(err, context.Canceled) {
		t.Errorf("Evaluations with a cancelled context: %v, want context.Canceled", err)
	}
	wantEvaluations(t, st, "after the refusals", srcA, []string{ruleTags}, map[string]time.Time{})
}

// evaluationsConcurrent runs MarkEvaluated and ReplaceResults of the same
// rules at once, each writer its own times: every write succeeds, and each
// rule ends with the latest time any wrote.
func (s suite) evaluationsConcurrent(t *testing.T) {
	st := s.open(t)
	rules := []string{"rule-a", "rule-b", "rule-c"}
	const writers, rounds = 4, 10
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				at := t0.Add(time.Duration(r*writers+w) * time.Second)
				// Each writer names the rules in another order.
				names := []string{rules[(w+0)%3], rules[(w+1)%3], rules[(w+2)%3]}
				var err error
				if (w+r)%2 == 0 {
					err = st.MarkEvaluated(context.Background(), srcA, names, at)
				} else {
					err = st.ReplaceResults(context.Background(), srcA, names,
						[]compliance.Result{res(key(srcA, names[0], typInstance, fmt.Sprintf("i-%d", r)), compliance.Compliant, r)}, at)
				}
				if err != nil {
					errc <- fmt.Errorf("writer %d round %d: %w", w, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	last := t0.Add(time.Duration(rounds*writers-1) * time.Second)
	wantEvaluations(t, st, "after the writers", srcA, rules, map[string]time.Time{"rule-a": last, "rule-b": last, "rule-c": last})
}
