package configservice

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/conformance/template"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// Conformance packs of a source account: PutConformancePack,
// DescribeConformancePacks, DescribeConformancePackStatus,
// DescribeConformancePackCompliance, GetConformancePackComplianceDetails,
// GetConformancePackComplianceSummary, DeleteConformancePack (AWS Config API
// Reference).
//
// A pack is a control-plane document of its account and region, and its
// rules are Config rules of the account like any other (rules.go): checked
// as PutConfigRule checks a rule, evaluated the same way, their results in
// the results store. AWS names them <ConfigRuleName>-conformance-pack-<the
// pack id's suffix> and marks them CreatedBy config-conforms.amazonaws.com
// (service-linked rules, which PutConfigRule and DeleteConfigRule refuse to
// touch); the pack's compliance is computed from their results.
//
// Where Starling differs from AWS (docs/deviations.md should say so):
//
//   - The template comes from TemplateBody only: Starling has neither
//     Amazon S3 nor AWS Systems Manager to read TemplateS3Uri or
//     TemplateSSMDocumentDetails from, and refuses them with
//     ConformancePackTemplateValidationException.
//   - AWS deploys a pack through a CloudFormation stack, asynchronously,
//     and reports a rule it cannot create as CREATE_FAILED in
//     DescribeConformancePackStatus. Starling deploys the pack within the
//     request: a template whose rules PutConfigRule would refuse is refused
//     with ConformancePackTemplateValidationException, and a pack that
//     exists is in CREATE_COMPLETE. The stack is not created; StackArn
//     names the stack AWS would have created.
//   - The template language is the part of CloudFormation's that
//     conformance packs use (package template): no remediation actions.

// kindConformancePack holds a packRecord per pack, keyed by name.
const kindConformancePack store.Kind = "ConformancePack"

// packRecord is the stored form of a pack.
type packRecord struct {
	// Detail is the pack as DescribeConformancePacks shows it.
	Detail              configapi.ConformancePackDetail `json:"detail"`
	StackArn            string                          `json:"stackArn"`
	LastUpdateCompleted shape.Timestamp                 `json:"lastUpdateCompleted"`
	// Rules are the pack's rules, by name.
	Rules []packRule `json:"rules"`
	// Org is the ARN of the organization conformance pack that deployed
	// the pack, which only it changes (organization_packs.go); "" for the
	// caller's own.
	Org string `json:"org,omitempty"`
}

// packRule is one rule of a pack.
type packRule struct {
	// Name is the rule's name in the account (with the pack's suffix).
	Name string `json:"name"`
	// Controls are the compliance controls the template maps it to.
	Controls []string `json:"controls,omitempty"`
}

func (p *packRecord) name() string { return *p.Detail.ConformancePackName }

// ruleNames returns the names of the pack's rules.
func (p *packRecord) ruleNames() []string {
	out := make([]string, len(p.Rules))
	for i, r := range p.Rules {
		out[i] = r.Name
	}
	return out
}

const (
	// maxConformancePacks is the quota of packs per account (and region):
	// "Maximum number of conformance packs per account: 50", not
	// adjustable (AWS Config Developer Guide, "Service Limits").
	maxConformancePacks = 50
	// packIDLength is the length of a pack id's suffix,
	// conformance-pack-<9 lowercase characters> as AWS's ARNs show them
	// (conformance-pack/ecommerce-OBP-EC2/conformance-pack-ctqux7q7m), and
	// the suffix of its rules' names
	// (cmk-backing-key-rotation-enabled-conformance-pack-j3wepwlkw).
	packIDLength = 9
	// packRuleInfix joins a rule's template name and the pack's suffix.
	packRuleInfix = "-conformance-pack-"
	// conformsPrincipal is the service that creates a pack's rules: their
	// CreatedBy, and the path of their ARNs
	// (config-rule/aws-service-rule/config-conforms.amazonaws.com/config-rule-2pxv2c).
	conformsPrincipal = "config-conforms.amazonaws.com"
	// packStateComplete is the state of every pack Starling holds.
	packStateComplete = "CREATE_COMPLETE"
	// describePacksMax is the largest and default page of
	// DescribeConformancePacks, DescribeConformancePackStatus and
	// GetConformancePackComplianceSummary (the model's PageSizeLimit,
	// 0..20).
	describePacksMax = 20
	// packComplianceMax is DescribeConformancePackCompliance's largest and
	// default page (0..1000).
	packComplianceMax = 1000
	// packDetailsDefault is GetConformancePackComplianceDetails' default
	// and largest page: "The default is 100."
	packDetailsDefault = 100
	// maxPackControls is how many controls a rule may list (the model's
	// ControlsList: 0..20 items of 1..128 characters).
	maxPackControls = 20
)

// Messages of the conformance pack operations.
const (
	// AWS's envelope of a template it refuses
	// ("ConformancePackTemplateValidationException: Invalid conformance
	// pack template provided. Errors found: [Number of resources provided
	// in the template exceeds the allowed limit]. Fix your template and
	// try again.", awslabs/aws-config-rules#430); what is between the
	// brackets is package template's, or PutConfigRule's.
	msgTemplatePrefix = "Invalid conformance pack template provided. Errors found: ["
	msgTemplateSuffix = "]. Fix your template and try again."
	// ours
	msgNoTemplateS3 = "Starling reads conformance pack templates from TemplateBody only: it has no Amazon S3 to read " +
		"TemplateS3Uri from. Pass the template's text in TemplateBody."
	// ours
	msgNoTemplateSSM = "Starling reads conformance pack templates from TemplateBody only: it has no AWS Systems Manager to read " +
		"TemplateSSMDocumentDetails from. Pass the template's text in TemplateBody."
	// The API reference's note on PutConformancePack.
	msgNoTemplate = "You must specify only one of the follow parameters: TemplateS3Uri, TemplateBody or TemplateSSMDocumentDetails."
	// AWS's text (AWS Config Developer Guide, "Service-Linked AWS Config
	// Rules": PutConfigRule, DeleteConfigRule and DeleteEvaluationResults
	// answer it for a service-linked rule; "Troubleshooting for
	// Conformance Packs" shows it with AccessDeniedException for a rule of
	// a pack).
	msgServiceLinkedRule = "An AWS service owns ServiceLinkedConfigRule. You do not have permissions to take action on this rule."
	// moto's text for organization conformance packs
	// (NoSuchOrganizationConformancePackException), of a conformance pack.
	msgNoSuchPack = "One or more conformance packs with specified names are not present. Ensure your names are correct and try your request again later."
)

func noSuchPack() error { return configapi.NoSuchConformancePack(msgNoSuchPack) }

func templateInvalid(detail string) error {
	return configapi.ConformancePackTemplateValidation(msgTemplatePrefix + detail + msgTemplateSuffix)
}

// refuseServiceLinked refuses to change a rule that a conformance pack
// deployed, as AWS refuses to change a service-linked rule
// (AccessDeniedException, "Status Code: 400", in the developer guide's
// troubleshooting page).
func refuseServiceLinked(rec *ruleRecord) error {
	if rec.Pack == "" && rec.Org == "" {
		return nil
	}
	return apierr.New("AccessDeniedException", msgServiceLinkedRule)
}

func packARN(t store.Namespace, name, id string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":conformance-pack/" + name + "/" + id
}

// packRuleARN is the ARN of a rule a pack deployed: a service-linked rule's.
func packRuleARN(t store.Namespace, id string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":config-rule/aws-service-rule/" + conformsPrincipal + "/" + id
}

// stackARN is the ARN of the stack AWS deploys a pack with: "stack/
// awsconfigconforms-MyConformancePack1-conformance-pack-ID/d4301fe0-…"
// (AWS Config Developer Guide, "Deploying a Conformance Pack Using the AWS
// Command Line Interface").
func stackARN(t store.Namespace, name, id, stackID string) string {
	return "arn:aws:cloudformation:" + t.Region + ":" + t.Owner + ":stack/awsconfigconforms-" + name + "-" + id + "/" + stackID
}

// packRuleName is the name in the account of the rule a pack whose id ends
// in suffix deploys under the name name.
func packRuleName(name, suffix string) string { return name + packRuleInfix + suffix }

// draftRule is a rule of a template, as PutConfigRule would take it.
type draftRule struct {
	rule     configapi.ConfigRule
	name     string // the template's name
	logical  string
	controls []string
}

// apiRule returns a template's rule in the API's shape, without its name.
func apiRule(r *template.Rule) configapi.ConfigRule {
	out := configapi.ConfigRule{
		Description: r.Description, InputParameters: r.InputParameters, MaximumExecutionFrequency: r.MaximumExecutionFrequency,
		Source: &configapi.Source{Owner: ptr(r.Source.Owner), SourceIdentifier: r.Source.SourceIdentifier},
	}
	if sc := r.Scope; sc != nil {
		out.Scope = &configapi.Scope{ComplianceResourceTypes: sc.ComplianceResourceTypes, ComplianceResourceId: sc.ComplianceResourceID,
			TagKey: sc.TagKey, TagValue: sc.TagValue}
	}
	for _, d := range r.Source.SourceDetails {
		out.Source.SourceDetails = append(out.Source.SourceDetails, configapi.SourceDetail{
			EventSource: d.EventSource, MessageType: d.MessageType, MaximumExecutionFrequency: d.MaximumExecutionFrequency})
	}
	if cp := r.Source.CustomPolicyDetails; cp != nil {
		out.Source.CustomPolicyDetails = &configapi.CustomPolicyDetails{PolicyRuntime: cp.PolicyRuntime, PolicyText: cp.PolicyText,
			EnableDebugLogDelivery: cp.EnableDebugLogDelivery}
	}
	for _, m := range r.EvaluationModes {
		out.EvaluationModes = append(out.EvaluationModes, configapi.EvaluationModeConfiguration{Mode: ptr(m)})
	}
	return out
}

// draftRules reads the template of a PutConformancePack and checks each of
// its rules as PutConfigRule would, named as the pack will name it.
func draftRules(t store.Namespace, in *configapi.PutConformancePackRequest) ([]draftRule, error) {
	params := make(map[string]string, len(in.ConformancePackInputParameters))
	for _, p := range in.ConformancePackInputParameters {
		name := deref(p.ParameterName)
		if _, dup := params[name]; dup {
			// ours
			return nil, configapi.InvalidParameterValue("The ConformancePackInputParameters name the parameter " + name + " more than once.")
		}
		params[name] = deref(p.ParameterValue)
	}
	rules, err := template.Parse([]byte(*in.TemplateBody), template.Options{Parameters: params, AccountID: t.Owner, Region: t.Region})
	if err != nil {
		return nil, templateInvalid(err.Error())
	}
	out := make([]draftRule, 0, len(rules))
	placeholder := strings.Repeat("x", packIDLength)
	for i := range rules {
		r := &rules[i]
		at := "Resources." + r.LogicalID
		if len(r.Controls) > maxPackControls {
			// ours
			return nil, templateInvalid(at + ".Controls: A rule can list at most " + strconv.Itoa(maxPackControls) + " controls.")
		}
		for _, c := range r.Controls {
			if c == "" || len(c) > 128 {
				// ours
				return nil, templateInvalid(at + ".Controls: A control must have 1 to 128 characters.")
			}
		}
		d := draftRule{rule: apiRule(r), name: r.ConfigRuleName, logical: r.LogicalID, controls: r.Controls}
		// The model's constraints and PutConfigRule's checks, on the rule
		// as the pack names it.
		check := d.rule
		check.ConfigRuleName = ptr(packRuleName(r.ConfigRuleName, placeholder))
		err := check.Validate()
		if err == nil {
			_, err = checkRule(&check)
		}
		if err != nil {
			var ae *apierr.Error
			if errors.As(err, &ae) {
				return nil, templateInvalid(at + ": " + ae.Message)
			}
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PutConformancePack creates a pack, or updates the pack of that name, which
// keeps its id, ARN and tags: its rules become the template's, those no
// longer in it deleted with their results. The rules are evaluated at once,
// as PutConfigRule's are.
func (s *Service) PutConformancePack(ctx context.Context, in *configapi.PutConformancePackRequest) (*configapi.PutConformancePackResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case in.TemplateS3Uri != nil:
		return nil, configapi.ConformancePackTemplateValidation(msgNoTemplateS3)
	case in.TemplateSSMDocumentDetails != nil:
		return nil, configapi.ConformancePackTemplateValidation(msgNoTemplateSSM)
	case in.TemplateBody == nil:
		return nil, configapi.ConformancePackTemplateValidation(msgNoTemplate)
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	drafts, err := draftRules(t, in)
	if err != nil {
		return nil, err
	}
	name := *in.ConformancePackName
	suffix, err := s.randomID(packIDLength)
	if err != nil {
		return nil, err
	}
	ruleIDs := make([]string, len(drafts))
	for i := range ruleIDs {
		if ruleIDs[i], err = s.randomID(ruleIDLength); err != nil {
			return nil, err
		}
	}
	stackID, err := uuid.NewRandomFromReader(s.random)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var arn string
	var deployed []configapi.ConfigRule
	var removed []string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		deployed, removed = nil, nil
		var pack packRecord
		err := store.GetJSON(tx, t, kindConformancePack, name, &pack)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := s.newPack(tx, t, name, suffix, stackID.String(), in.Tags, &pack); err != nil {
				return err
			}
		case err != nil:
			return err
		case pack.Org != "":
			return refuseOrgPack()
		}
		rules, gone, err := deployPackRules(tx, t, &pack, drafts, ruleIDs, now)
		if err != nil {
			return err
		}
		deployed, removed = rules, gone
		d := &pack.Detail
		d.DeliveryS3Bucket, d.DeliveryS3KeyPrefix = in.DeliveryS3Bucket, in.DeliveryS3KeyPrefix
		d.ConformancePackInputParameters = in.ConformancePackInputParameters
		d.LastUpdateRequestedTime = shape.NewTimestamp(now)
		pack.LastUpdateCompleted = *shape.NewTimestamp(now)
		arn = *d.ConformancePackArn
		return store.PutJSON(tx, t, kindConformancePack, name, &pack)
	})
	if err != nil {
		return nil, err
	}
	if err := s.syncPack(ctx, t, name); err != nil {
		return nil, err
	}
	for _, r := range removed {
		if _, err := s.results.DeleteResults(ctx, sourceOf(t), r); err != nil {
			return nil, resultsErr(err)
		}
	}
	if err := s.evaluateRules(ctx, t, deployed); err != nil {
		return nil, err
	}
	return &configapi.PutConformancePackResponse{ConformancePackArn: &arn}, nil
}

// newPack makes pack a new pack of the name, within the quota, in an
// account and region with a configuration recorder (its rules need one, as
// PutConfigRule's do).
func (s *Service) newPack(tx store.Tx, t store.Namespace, name, suffix, stackID string, tags []configapi.Tag, pack *packRecord) error {
	if rec, err := loadRecorder(tx, t); err != nil {
		return err
	} else if rec == nil {
		return configapi.NoAvailableConfigurationRecorder(msgNoRecorderForRule)
	}
	n, err := tx.Count(t, kindConformancePack)
	if err != nil {
		return err
	}
	if n >= maxConformancePacks {
		// ours, in the form of PutConfigRule's quota message.
		return configapi.MaxNumberOfConformancePacksExceeded("Failed to put conformance pack '" + name +
			"' because the maximum number of conformance packs: " + strconv.Itoa(maxConformancePacks) + " is reached.")
	}
	id := "conformance-pack-" + suffix
	arn := packARN(t, name, id)
	*pack = packRecord{
		Detail:   configapi.ConformancePackDetail{ConformancePackName: &name, ConformancePackArn: &arn, ConformancePackId: &id},
		StackArn: stackARN(t, name, id, stackID),
	}
	return createTaggable(tx, t, arn, kindConformancePack, name, tags)
}

// deployPackRules makes the pack's rules the drafts: it updates those it
// has, creates the others (with the ids of ruleIDs), and deletes the rules
// no draft names. It returns the rules deployed and the names of those
// deleted.
func deployPackRules(tx store.Tx, t store.Namespace, pack *packRecord, drafts []draftRule, ruleIDs []string, now time.Time) ([]configapi.ConfigRule, []string, error) {
	suffix := strings.TrimPrefix(*pack.Detail.ConformancePackId, "conformance-pack-")
	names := make([]string, len(drafts))
	for i, d := range drafts {
		names[i] = packRuleName(d.name, suffix)
	}
	var removed []string
	for _, old := range pack.ruleNames() {
		if slices.Contains(names, old) {
			continue
		}
		var rec ruleRecord
		err := store.GetJSON(tx, t, kindConfigRule, old, &rec)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if err := tx.Delete(t, kindConfigRule, old); err != nil {
			return nil, nil, err
		}
		if err := deleteTaggable(tx, t, deref(rec.Rule.ConfigRuleArn)); err != nil {
			return nil, nil, err
		}
		removed = append(removed, old)
	}
	pack.Rules = make([]packRule, 0, len(drafts))
	deployed := make([]configapi.ConfigRule, 0, len(drafts))
	firstNew := ""
	for i, d := range drafts {
		name := names[i]
		var rec ruleRecord
		err := store.GetJSON(tx, t, kindConfigRule, name, &rec)
		switch {
		case err == nil && rec.Pack == pack.name():
		case err == nil:
			// ours
			return nil, nil, templateInvalid("Resources." + d.logical + ": A Config rule named " + name + " already exists in the account and region.")
		case errors.Is(err, store.ErrNotFound):
			id := "config-rule-" + ruleIDs[i]
			arn := packRuleARN(t, id)
			rec = ruleRecord{Rule: configapi.ConfigRule{ConfigRuleName: &name, ConfigRuleArn: &arn, ConfigRuleId: &id},
				Status: ruleStatus{FirstActivated: *shape.NewTimestamp(now)}}
			if err := createTaggable(tx, t, arn, kindConfigRule, name, nil); err != nil {
				return nil, nil, err
			}
			if firstNew == "" {
				firstNew = name
			}
		default:
			return nil, nil, err
		}
		r := d.rule
		r.ConfigRuleName, r.ConfigRuleArn, r.ConfigRuleId = rec.Rule.ConfigRuleName, rec.Rule.ConfigRuleArn, rec.Rule.ConfigRuleId
		r.ConfigRuleState = ptr("ACTIVE")
		r.CreatedBy = ptr(conformsPrincipal)
		if len(r.EvaluationModes) == 0 {
			r.EvaluationModes = []configapi.EvaluationModeConfiguration{{Mode: ptr(evaluationModeDetective)}}
		}
		rec.Rule, rec.Pack = r, pack.name()
		if err := store.PutJSON(tx, t, kindConfigRule, name, &rec); err != nil {
			return nil, nil, err
		}
		pack.Rules = append(pack.Rules, packRule{Name: name, Controls: d.controls})
		deployed = append(deployed, r)
	}
	slices.SortFunc(pack.Rules, func(a, b packRule) int { return strings.Compare(a.Name, b.Name) })
	if firstNew != "" {
		// A pack's rules count in the account's quota of rules (AWS
		// Config Developer Guide, "Service Limits").
		n, err := tx.Count(t, kindConfigRule)
		if err != nil {
			return nil, nil, err
		}
		if n > maxConfigRules {
			// PutConfigRule's text (spec: PutConfigRule behaviour notes).
			return nil, nil, configapi.MaxNumberOfConfigRulesExceeded("Failed to put config rule '" + firstNew +
				"' because the maximum number of config rules: " + strconv.Itoa(maxConfigRules) + " is reached.")
		}
	}
	return deployed, removed, nil
}

// loadPack returns the caller's pack of that name, or
// NoSuchConformancePackException.
func loadPack(tx store.Tx, t store.Namespace, name string) (packRecord, error) {
	var p packRecord
	err := store.GetJSON(tx, t, kindConformancePack, name, &p)
	if errors.Is(err, store.ErrNotFound) {
		return p, noSuchPack()
	}
	return p, err
}

// allPacks returns every pack of the namespace, by name.
func allPacks(tx store.Tx, t store.Namespace) ([]packRecord, error) {
	// At most maxConformancePacks: one read.
	items, err := tx.List(t, kindConformancePack, "", 0)
	if err != nil {
		return nil, err
	}
	return store.DecodeItems[packRecord](items, kindConformancePack)
}

// packsNamed returns the packs of names (all when names is empty), by name.
// A name without a pack is NoSuchConformancePackException when strict, else
// left out.
func packsNamed(tx store.Tx, t store.Namespace, names []string, strict bool) ([]packRecord, error) {
	if len(names) == 0 {
		return allPacks(tx, t)
	}
	sorted := slices.Compact(slices.Sorted(slices.Values(names)))
	out := make([]packRecord, 0, len(sorted))
	for _, n := range sorted {
		p, err := loadPack(tx, t, n)
		if err != nil {
			var ae *apierr.Error
			if !strict && errors.As(err, &ae) && ae.Code == configapi.CodeNoSuchConformancePack {
				continue
			}
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// DescribeConformancePacks returns the caller's packs (of names, or all), by
// name, 20 a page unless Limit says fewer.
func (s *Service) DescribeConformancePacks(ctx context.Context, in *configapi.DescribeConformancePacksRequest) (*configapi.DescribeConformancePacksResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribeConformancePacks", t.Owner, t.Region, strings.Join(in.ConformancePackNames, "\x00"))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describePacksMax)
	out := &configapi.DescribeConformancePacksResponse{ConformancePackDetails: []configapi.ConformancePackDetail{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		packs, err := packsNamed(tx, t, in.ConformancePackNames, true)
		if err != nil {
			return err
		}
		for _, p := range packs {
			if after != "" && p.name() <= after {
				continue
			}
			if len(out.ConformancePackDetails) == limit {
				out.NextToken = ptr(s.tokens.Encode(scope, *out.ConformancePackDetails[limit-1].ConformancePackName))
				break
			}
			out.ConformancePackDetails = append(out.ConformancePackDetails, p.Detail)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeConformancePackStatus returns the deployment status of the
// caller's packs (of names, or all), by name: "If there are no conformance
// packs then you will see an empty result", and a name without a pack is
// left out (the operation models no NoSuchConformancePackException).
func (s *Service) DescribeConformancePackStatus(ctx context.Context, in *configapi.DescribeConformancePackStatusRequest) (*configapi.DescribeConformancePackStatusResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribeConformancePackStatus", t.Owner, t.Region, strings.Join(in.ConformancePackNames, "\x00"))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describePacksMax)
	out := &configapi.DescribeConformancePackStatusResponse{ConformancePackStatusDetails: []configapi.ConformancePackStatusDetail{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		packs, err := packsNamed(tx, t, in.ConformancePackNames, false)
		if err != nil {
			return err
		}
		for _, p := range packs {
			if after != "" && p.name() <= after {
				continue
			}
			if len(out.ConformancePackStatusDetails) == limit {
				out.NextToken = ptr(s.tokens.Encode(scope, *out.ConformancePackStatusDetails[limit-1].ConformancePackName))
				break
			}
			done := p.LastUpdateCompleted
			out.ConformancePackStatusDetails = append(out.ConformancePackStatusDetails, configapi.ConformancePackStatusDetail{
				ConformancePackName: p.Detail.ConformancePackName, ConformancePackId: p.Detail.ConformancePackId,
				ConformancePackArn: p.Detail.ConformancePackArn, ConformancePackState: ptr(packStateComplete),
				StackArn: ptr(p.StackArn), LastUpdateRequestedTime: p.Detail.LastUpdateRequestedTime, LastUpdateCompletedTime: &done,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteConformancePack deletes the caller's pack of that name, its tags,
// and its rules with their tags and results.
func (s *Service) DeleteConformancePack(ctx context.Context, in *configapi.DeleteConformancePackRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConformancePackName
	var rules []string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		pack, err := loadPack(tx, t, name)
		if err != nil {
			return err
		}
		if pack.Org != "" {
			return refuseOrgPack()
		}
		rules = pack.ruleNames()
		for _, r := range rules {
			var rec ruleRecord
			err := store.GetJSON(tx, t, kindConfigRule, r, &rec)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := tx.Delete(t, kindConfigRule, r); err != nil {
				return err
			}
			if err := deleteTaggable(tx, t, deref(rec.Rule.ConfigRuleArn)); err != nil {
				return err
			}
		}
		if err := tx.Delete(t, kindConformancePack, name); err != nil {
			return err
		}
		return deleteTaggable(tx, t, *pack.Detail.ConformancePackArn)
	})
	if err != nil {
		return nil, err
	}
	if err := s.syncPack(ctx, t, name); err != nil {
		return nil, err
	}
	for _, r := range rules {
		if _, err := s.results.DeleteResults(ctx, sourceOf(t), r); err != nil {
			return nil, resultsErr(err)
		}
	}
	return &shape.Empty{}, nil
}

// packCompliance is the compliance of a pack, from the counts of its rules'
// results by rule name: "A conformance pack is compliant if all of the
// rules in a conformance packs are compliant. It is noncompliant if any of
// the rules are not compliant. The compliance status of a conformance pack
// is INSUFFICIENT_DATA only if all rules within a conformance pack cannot be
// evaluated due to insufficient data. If some of the rules in a conformance
// pack are compliant but the compliance status of other rules in that same
// conformance pack is INSUFFICIENT_DATA, the conformance pack shows
// compliant." (AWS Config API Reference, AggregateConformancePackCompliance).
type packCompliance struct {
	compliant, nonCompliant, total int
}

func packComplianceOf(rules []string, counts func(rule string) compliance.RuleCounts) packCompliance {
	pc := packCompliance{total: len(rules)}
	for _, r := range rules {
		switch packRuleCompliance(counts(r)) {
		case compliance.NonCompliant:
			pc.nonCompliant++
		case compliance.Compliant:
			pc.compliant++
		}
	}
	return pc
}

// complianceType is the pack's ConformancePackComplianceType.
func (pc packCompliance) complianceType() string {
	switch {
	case pc.nonCompliant > 0:
		return compliance.NonCompliant
	case pc.compliant > 0:
		return compliance.Compliant
	}
	return compliance.InsufficientData
}

// packRuleCompliance is a rule's compliance within a pack: NON_COMPLIANT if
// a resource is, else COMPLIANT if one is, else INSUFFICIENT_DATA.
func packRuleCompliance(c compliance.RuleCounts) string {
	if rc := ruleCompliance(c); rc != nil {
		return *rc.ComplianceType
	}
	return compliance.InsufficientData
}

// packCounts returns the counts of the rules of the source, by rule; none
// when there are no rules (an empty filter would admit every rule).
func (s *Service) packCounts(ctx context.Context, src inventory.Source, rules []string) (map[string]compliance.RuleCounts, error) {
	if len(rules) == 0 {
		return map[string]compliance.RuleCounts{}, nil
	}
	return s.ruleCountsOf(ctx, src, rules)
}

// packRulesFilter returns the rules of the pack that names asks for (all
// when empty), or NoSuchConfigRuleInConformancePackException for a name that
// is not one of its rules.
func packRulesFilter(p *packRecord, names []string) ([]string, error) {
	all := p.ruleNames()
	if len(names) == 0 {
		return all, nil
	}
	for _, n := range names {
		if !slices.Contains(all, n) {
			// ours
			return nil, configapi.NoSuchConfigRuleInConformancePack("The Config rule '" + n + "' is not a rule of the conformance pack '" +
				p.name() + "'. Specify the rule's full name, as DescribeConformancePackCompliance shows it.")
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(names))), nil
}

// DescribeConformancePackCompliance returns the compliance of each rule of
// one of the caller's packs, by rule name: NON_COMPLIANT, COMPLIANT or
// INSUFFICIENT_DATA, with the controls the template maps it to.
func (s *Service) DescribeConformancePackCompliance(ctx context.Context, in *configapi.DescribeConformancePackComplianceRequest) (*configapi.DescribeConformancePackComplianceResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConformancePackName
	var filterNames []string
	want := ""
	if f := in.Filters; f != nil {
		filterNames, want = f.ConfigRuleNames, deref(f.ComplianceType)
	}
	// "The allowed values are COMPLIANT and NON_COMPLIANT. INSUFFICIENT_DATA
	// is not supported." (AWS Config API Reference,
	// ConformancePackComplianceFilters).
	if err := checkComplianceFilter([]string{want}); err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("DescribeConformancePackCompliance", t.Owner, t.Region, name, strings.Join(filterNames, "\x00"), want)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	var pack packRecord
	var rules []string
	err = s.store.View(ctx, func(tx store.Tx) error {
		if pack, err = loadPack(tx, t, name); err != nil {
			return err
		}
		rules, err = packRulesFilter(&pack, filterNames)
		return err
	})
	if err != nil {
		return nil, err
	}
	counts, err := s.packCounts(ctx, sourceOf(t), rules)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, packComplianceMax)
	out := &configapi.DescribeConformancePackComplianceResponse{ConformancePackName: &name,
		ConformancePackRuleComplianceList: []configapi.ConformancePackRuleCompliance{}}
	for _, pr := range pack.Rules {
		if !slices.Contains(rules, pr.Name) || (after != "" && pr.Name <= after) {
			continue
		}
		ct := packRuleCompliance(counts[pr.Name])
		if want != "" && ct != want {
			continue
		}
		if len(out.ConformancePackRuleComplianceList) == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, *out.ConformancePackRuleComplianceList[limit-1].ConfigRuleName))
			break
		}
		out.ConformancePackRuleComplianceList = append(out.ConformancePackRuleComplianceList, configapi.ConformancePackRuleCompliance{
			ConfigRuleName: ptr(pr.Name), ComplianceType: ptr(ct), Controls: pr.Controls,
		})
	}
	return out, nil
}

// GetConformancePackComplianceDetails returns the results of the rules of
// one of the caller's packs, COMPLIANT and NON_COMPLIANT ("The allowed
// values are COMPLIANT and NON_COMPLIANT", ConformancePackEvaluationResult),
// 100 a page unless Limit says fewer, narrowed by the filters.
func (s *Service) GetConformancePackComplianceDetails(ctx context.Context, in *configapi.GetConformancePackComplianceDetailsRequest) (*configapi.GetConformancePackComplianceDetailsResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConformancePackName
	var f configapi.ConformancePackEvaluationFilters
	if in.Filters != nil {
		f = *in.Filters
	}
	want := deref(f.ComplianceType)
	if err := checkComplianceFilter([]string{want}); err != nil {
		return nil, err
	}
	if len(f.ResourceIds) > 0 && f.ResourceType == nil {
		// "This is valid only when you provide resource type. If there is
		// no resource type, you will see an error." (AWS Config API
		// Reference, ConformancePackEvaluationFilters); the text is ours.
		return nil, configapi.InvalidParameterValue("Filtering by ResourceIds requires a ResourceType.")
	}
	types := []string{compliance.Compliant, compliance.NonCompliant}
	if want != "" {
		types = []string{want}
	}
	ids := slices.Compact(slices.Sorted(slices.Values(f.ResourceIds)))
	scope := pagetoken.Scope("GetConformancePackComplianceDetails", t.Owner, t.Region, name, strings.Join(f.ConfigRuleNames, "\x00"), want,
		deref(f.ResourceType), strings.Join(ids, "\x00"))
	var rules []string
	err = s.store.View(ctx, func(tx store.Tx) error {
		pack, err := loadPack(tx, t, name)
		if err != nil {
			return err
		}
		rules, err = packRulesFilter(&pack, f.ConfigRuleNames)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &configapi.GetConformancePackComplianceDetailsResponse{ConformancePackName: &name,
		ConformancePackRuleEvaluationResults: []configapi.ConformancePackEvaluationResult{}}
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return out, nil
	}
	limit := pageLimit(in.Limit, packDetailsDefault)
	q := compliance.ListQuery{Scope: inventory.OneSource(sourceOf(t)),
		Filter: compliance.Filter{RuleNames: rules, ResourceType: deref(f.ResourceType), ComplianceTypes: types}}
	// Without ResourceIds one read pages through the results; with them
	// (at most 5), one read per id in turn, the token holding the id's
	// index and the read's cursor.
	idx, cursor := 0, compliance.Cursor(after)
	if len(ids) > 0 {
		i, c, ok := strings.Cut(after, "\x00")
		if n, err := strconv.Atoi(i); after != "" && (!ok || err != nil || n < 0 || n >= len(ids)) {
			return nil, invalidNextToken()
		} else if after != "" {
			idx, cursor = n, compliance.Cursor(c)
		}
	}
	for {
		if len(ids) > 0 {
			q.Filter.ResourceID = ids[idx]
		}
		q.Cursor, q.Limit = cursor, limit-len(out.ConformancePackRuleEvaluationResults)
		page, err := s.results.List(ctx, q)
		if err != nil {
			return nil, resultsErr(err)
		}
		for i := range page.Results {
			e := evaluationResult(&page.Results[i])
			out.ConformancePackRuleEvaluationResults = append(out.ConformancePackRuleEvaluationResults, configapi.ConformancePackEvaluationResult{
				ComplianceType: e.ComplianceType, EvaluationResultIdentifier: e.EvaluationResultIdentifier,
				ConfigRuleInvokedTime: e.ConfigRuleInvokedTime, ResultRecordedTime: e.ResultRecordedTime, Annotation: e.Annotation,
			})
		}
		next := ""
		switch {
		case page.Next != "" && len(ids) > 0:
			next = strconv.Itoa(idx) + "\x00" + string(page.Next)
		case page.Next != "":
			next = string(page.Next)
		case len(ids) > 0 && idx+1 < len(ids):
			idx, cursor = idx+1, ""
			if len(out.ConformancePackRuleEvaluationResults) < limit {
				continue
			}
			next = strconv.Itoa(idx) + "\x00"
		}
		if next != "" {
			out.NextToken = ptr(s.tokens.Encode(scope, next))
		}
		return out, nil
	}
}

// GetConformancePackComplianceSummary returns the compliance of each of the
// caller's packs named, by name.
func (s *Service) GetConformancePackComplianceSummary(ctx context.Context, in *configapi.GetConformancePackComplianceSummaryRequest) (*configapi.GetConformancePackComplianceSummaryResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("GetConformancePackComplianceSummary", t.Owner, t.Region, strings.Join(in.ConformancePackNames, "\x00"))
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	var packs []packRecord
	err = s.store.View(ctx, func(tx store.Tx) error {
		packs, err = packsNamed(tx, t, in.ConformancePackNames, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	var rules []string
	for i := range packs {
		rules = append(rules, packs[i].ruleNames()...)
	}
	counts, err := s.packCounts(ctx, sourceOf(t), rules)
	if err != nil {
		return nil, err
	}
	limit := pageLimit(in.Limit, describePacksMax)
	out := &configapi.GetConformancePackComplianceSummaryResponse{ConformancePackComplianceSummaryList: []configapi.ConformancePackComplianceSummary{}}
	for i := range packs {
		p := &packs[i]
		if after != "" && p.name() <= after {
			continue
		}
		if len(out.ConformancePackComplianceSummaryList) == limit {
			out.NextToken = ptr(s.tokens.Encode(scope, *out.ConformancePackComplianceSummaryList[limit-1].ConformancePackName))
			break
		}
		pc := packComplianceOf(p.ruleNames(), func(r string) compliance.RuleCounts { return counts[r] })
		out.ConformancePackComplianceSummaryList = append(out.ConformancePackComplianceSummaryList, configapi.ConformancePackComplianceSummary{
			ConformancePackName: p.Detail.ConformancePackName, ConformancePackComplianceStatus: ptr(pc.complianceType()),
		})
	}
	return out, nil
}
