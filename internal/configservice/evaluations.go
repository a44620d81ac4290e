package configservice

import (
	"context"
	"errors"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/store"
)

// PutEvaluations and PutExternalEvaluation: results that a rule's own
// function (a Lambda function, in AWS) or a person (a process check)
// delivers.

// maxAnnotation is the longest Annotation AWS keeps (the model: 0..256).
const maxAnnotation = 256

// resolveResultToken returns the rule that a ResultToken names. AWS's
// tokens come with each invocation of a rule's Lambda function, which
// Starling does not invoke; Starling takes the rule's name, ARN or id as
// the token instead (docs/deviations.md).
func resolveResultToken(tx store.Tx, t store.Namespace, token string) (ruleRecord, error) {
	var rec ruleRecord
	err := store.GetJSON(tx, t, kindConfigRule, token, &rec)
	if err == nil {
		return rec, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return rec, err
	}
	recs, err := allRules(tx, t)
	if err != nil {
		return rec, err
	}
	for _, x := range recs {
		if token == deref(x.Rule.ConfigRuleArn) || token == deref(x.Rule.ConfigRuleId) {
			return x, nil
		}
	}
	// The text the spec gives (PutEvaluations behaviour notes).
	return rec, configapi.InvalidResultToken("The resultToken provided is invalid")
}

// checkEvaluation checks one evaluation of PutEvaluations or
// PutExternalEvaluation.
func checkEvaluation(typ, id, complianceType *string, ordering any, annotation *string) error {
	switch {
	case typ == nil || *typ == "", id == nil || *id == "", complianceType == nil, ordering == nil:
		// ours
		return configapi.InvalidParameterValue("An evaluation needs a ComplianceResourceType, a ComplianceResourceId, a ComplianceType and an OrderingTimestamp.")
	case *complianceType == compliance.InsufficientData:
		// "For the Evaluation data type, Config supports only the
		// COMPLIANT, NON_COMPLIANT, and NOT_APPLICABLE values" (AWS
		// Config API Reference, Evaluation).
		return configapi.InvalidParameterValue("The ComplianceType INSUFFICIENT_DATA is not supported for evaluations. Use COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE.")
	case annotation != nil && len(*annotation) > maxAnnotation:
		// ours
		return configapi.InvalidParameterValue("The Annotation of an evaluation can be at most 256 characters.")
	}
	return nil
}

// PutEvaluations records the evaluations of the rule that ResultToken
// names, each replacing the rule's result on its resource unless that one
// has a later OrderingTimestamp. With TestMode it checks them and records
// nothing, and any ResultToken will do.
func (s *Service) PutEvaluations(ctx context.Context, in *configapi.PutEvaluationsRequest) (*configapi.PutEvaluationsResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.Evaluations) == 0 {
		// moto's text (spec: PutEvaluations behaviour notes).
		return nil, configapi.InvalidParameterValue("The Evaluations object in your request cannot be null.Add the required parameters and try again.")
	}
	for _, e := range in.Evaluations {
		var ord any
		if e.OrderingTimestamp != nil {
			ord = e.OrderingTimestamp
		}
		if err := checkEvaluation(e.ComplianceResourceType, e.ComplianceResourceId, e.ComplianceType, ord, e.Annotation); err != nil {
			return nil, err
		}
	}
	test := in.TestMode != nil && *in.TestMode
	var rec ruleRecord
	err = s.store.View(ctx, func(tx store.Tx) (err error) {
		rec, err = resolveResultToken(tx, t, *in.ResultToken)
		return err
	})
	if err != nil && !test {
		return nil, err
	}
	if test {
		return &configapi.PutEvaluationsResponse{FailedEvaluations: []configapi.Evaluation{}}, nil
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	src := sourceOf(t)
	results := make([]compliance.Result, len(in.Evaluations))
	for i, e := range in.Evaluations {
		results[i] = compliance.Result{
			ResultKey: compliance.ResultKey{Source: src, RuleName: *rec.Rule.ConfigRuleName,
				ResourceType: *e.ComplianceResourceType, ResourceID: *e.ComplianceResourceId},
			ComplianceType: *e.ComplianceType, Annotation: deref(e.Annotation),
			OrderingTime: e.OrderingTimestamp.Time, RecordedTime: now, InvokedTime: now,
		}
	}
	if err := s.results.PutResults(ctx, results); err != nil {
		return nil, err
	}
	if err := s.results.MarkEvaluated(ctx, src, []string{*rec.Rule.ConfigRuleName}, now); err != nil {
		return nil, err
	}
	return &configapi.PutEvaluationsResponse{FailedEvaluations: []configapi.Evaluation{}}, nil
}

// PutExternalEvaluation records the evaluation of a resource by a process
// check rule (Owner AWS, SourceIdentifier AWS_CONFIG_PROCESS_CHECK).
func (s *Service) PutExternalEvaluation(ctx context.Context, in *configapi.PutExternalEvaluationRequest) (*configapi.PutExternalEvaluationResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	e := in.ExternalEvaluation
	var ord any
	if e.OrderingTimestamp != nil {
		ord = e.OrderingTimestamp
	}
	if err := checkEvaluation(e.ComplianceResourceType, e.ComplianceResourceId, e.ComplianceType, ord, e.Annotation); err != nil {
		return nil, err
	}
	name := *in.ConfigRuleName
	err = s.store.View(ctx, func(tx store.Tx) error {
		var rec ruleRecord
		err := store.GetJSON(tx, t, kindConfigRule, name, &rec)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (deref(rec.Rule.Source.Owner) != ownerAWS ||
			deref(rec.Rule.Source.SourceIdentifier) != processCheckIdentifier)) {
			// The model's text of NoSuchConfigRuleException names
			// process check rules.
			return configapi.NoSuchConfigRule("The Config rule in the request is not valid. Verify that the rule is an Config Process Check rule, " +
				"that the rule name is correct, and that valid Amazon Resouce Names (ARNs) are used before trying again.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	r := compliance.Result{
		ResultKey: compliance.ResultKey{Source: sourceOf(t), RuleName: name,
			ResourceType: *e.ComplianceResourceType, ResourceID: *e.ComplianceResourceId},
		ComplianceType: *e.ComplianceType, Annotation: deref(e.Annotation),
		OrderingTime: e.OrderingTimestamp.Time, RecordedTime: now, InvokedTime: now,
	}
	if err := s.results.PutResults(ctx, []compliance.Result{r}); err != nil {
		return nil, err
	}
	return &configapi.PutExternalEvaluationResponse{}, nil
}
