package configservice

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/orgdir"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// Organization Config rules: PutOrganizationConfigRule,
// DescribeOrganizationConfigRules, DescribeOrganizationConfigRuleStatuses,
// GetOrganizationConfigRuleDetailedStatus, DeleteOrganizationConfigRule and
// GetOrganizationCustomRulePolicy (AWS Config API Reference). This file also
// holds what organization rules and organization conformance packs
// (organization_packs.go) share: who may call them, and the deployment into
// the organization's accounts.
//
// An organization rule is a control-plane document of the account and
// region that put it (the management account or a delegated administrator
// for config-multiaccountsetup.amazonaws.com): "The
// DescribeOrganizationConfigRules and DescribeOrganizationConformancePacks
// APIs can only see and interact with the organization-related resource that
// were deployed from within the account calling those APIs" (API Reference,
// DescribeOrganizationConfigRules). Put deploys it, in the caller's region,
// into every account of the organization, the management account included,
// but those of ExcludedAccounts: there it is a Config rule of the account
// like any other (rules.go), named OrgConfigRule-<name>-<suffix>, created by
// config-multiaccountsetup.amazonaws.com, with a service-linked rule's ARN
// (config-rule/aws-service-rule/config-multiaccountsetup.amazonaws.com/...),
// which the account cannot change or delete, and evaluated as PutConfigRule
// evaluates a rule. An account where the rule cannot be created (no
// configuration recorder, the quota of rules) has a failed status, and so
// has the organization rule.
//
// Where Starling differs from AWS (docs/deviations.md says so): deployment
// is synchronous, done when Put answers; an account that joins the
// organization later gets the rule at the next Put of it, and one that
// leaves keeps it until then.

const (
	// kindOrgConfigRule holds an orgRuleRecord per organization rule, keyed
	// by name, in the namespace of the account and region that put it.
	kindOrgConfigRule store.Kind = "OrganizationConfigRule"
	// MultiAccountSetupPrincipal is the service principal of organization
	// rules and conformance packs: the one their delegated administrators
	// are registered for, whose trusted access Put enables, and the
	// creator of the rules they deploy (API Reference,
	// PutOrganizationConfigRule).
	MultiAccountSetupPrincipal = "config-multiaccountsetup.amazonaws.com"
	// maxOrgConfigRules is the quota of organization rules: "The maximum
	// number of organization config rules that AWS Config supports is 150"
	// (earlier editions of the API Reference, PutOrganizationConfigRule).
	// Starling counts them per account and region, as it keeps them.
	maxOrgConfigRules = 150
	// orgSuffixLength is the length of the random suffix of an
	// organization rule's or pack's ARN and of the names of what it
	// deploys: organization-config-rule/ec2-no-amazon-key-pair-yvylwqkv,
	// OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba,
	// OrgConformsPack-infra-lab-security-baseline-15lssxz6.
	orgSuffixLength = 8
	// orgRulePrefix starts the name of a rule an organization rule deploys.
	orgRulePrefix = "OrgConfigRule-"
	// describeOrgMax is the default and largest page of the organization
	// reads: "The default is 100." (model: CosmosPageLimit, 0..100).
	describeOrgMax = 100
)

// Deployment statuses (the model's OrganizationRuleStatus,
// MemberAccountRuleStatus, OrganizationResourceStatus and
// OrganizationResourceDetailedStatus enums).
const (
	orgCreateInProgress = "CREATE_IN_PROGRESS"
	orgCreateSuccessful = "CREATE_SUCCESSFUL"
	orgCreateFailed     = "CREATE_FAILED"
	orgUpdateInProgress = "UPDATE_IN_PROGRESS"
	orgUpdateSuccessful = "UPDATE_SUCCESSFUL"
	orgUpdateFailed     = "UPDATE_FAILED"
)

// Messages of the organization rule and pack operations.
const (
	// AWS (DescribeOrganizationConformancePacks from an account in no
	// organization, aws-samples/aws2tf#86).
	msgNotInOrganization = "This action can only be made by accounts in an AWS Organization"
	// ours, in the form of the one above: the model says only "Config
	// throws an exception if APIs are called from member accounts".
	msgNotOrgAdmin = "This action can only be made by the management account of an AWS Organization or by a delegated administrator " +
		"registered for " + MultiAccountSetupPrincipal + "."
	// AWS (boto/boto3#3388), from before custom policy rules existed.
	msgOrgRuleMetadata = "Specify either OrganizationCustomRuleMetadata or OrganizationManagedRuleMetadata in the input."
	// ours, in the form of moto's texts of organization conformance packs.
	msgNoSuchOrgRule = "One or more organization config rules with specified names are not present. " +
		"Ensure your names are correct and try your request again later."
	// ours: a rule of the account has the name of the rule to deploy.
	msgOrgRuleNameTaken = "A Config rule named %s already exists in the account and region."
)

func noSuchOrgRule() error { return configapi.NoSuchOrganizationConfigRule(msgNoSuchOrgRule) }

// noSuchOrgRuleToDelete is DeleteOrganizationConfigRule's text, in the form
// of moto's for DeleteOrganizationConformancePack.
func noSuchOrgRuleToDelete(name string) error {
	return configapi.NoSuchOrganizationConfigRule("Could not find an OrganizationConfigRule for given request with resourceName " + name)
}

// memberDeployment is where an organization rule or pack stands in one
// account: what GetOrganizationConfigRuleDetailedStatus shows of it.
type memberDeployment struct {
	// Name is the rule's or pack's name in the account.
	Name         string          `json:"name"`
	Status       string          `json:"status"`
	ErrorCode    string          `json:"errorCode,omitempty"`
	ErrorMessage string          `json:"errorMessage,omitempty"`
	Updated      shape.Timestamp `json:"updated"`
	// Deployed is whether the account holds the rule or pack now.
	Deployed bool `json:"deployed,omitempty"`
}

// orgDeployment is the deployment of an organization rule or pack.
type orgDeployment struct {
	// OrganizationID is the organization it was last put in.
	OrganizationID string `json:"organizationId"`
	// Suffix ends its ARN and the names of what it deploys.
	Suffix       string          `json:"suffix"`
	Status       string          `json:"status"`
	ErrorCode    string          `json:"errorCode,omitempty"`
	ErrorMessage string          `json:"errorMessage,omitempty"`
	Updated      shape.Timestamp `json:"updated"`
	// Members are the accounts it was deployed to, or failed to be, by id.
	Members map[string]memberDeployment `json:"members,omitempty"`
}

// orgRuleRecord is the stored form of an organization rule.
type orgRuleRecord struct {
	// Rule is the rule as DescribeOrganizationConfigRules shows it.
	Rule configapi.OrganizationConfigRule `json:"rule"`
	// PolicyText is a custom policy rule's policy, which only
	// GetOrganizationCustomRulePolicy shows.
	PolicyText *string       `json:"policyText,omitempty"`
	Deployment orgDeployment `json:"deployment"`
}

func (r *orgRuleRecord) arn() string { return *r.Rule.OrganizationConfigRuleArn }

// memberRuleName is the name of the rule an organization rule deploys.
func (r *orgRuleRecord) memberRuleName() string {
	return orgRulePrefix + *r.Rule.OrganizationConfigRuleName + "-" + r.Deployment.Suffix
}

func orgRuleARN(t store.Namespace, name, suffix string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":organization-config-rule/" + name + "-" + suffix
}

// orgMemberRuleARN is the ARN of a rule an organization rule deployed: a
// service-linked rule's, as the service-linked role's policy names them
// (AWSConfigMultiAccountSetupPolicy: "arn:aws:config:*:*:config-rule/
// aws-service-rule/config-multiaccountsetup.amazonaws.com/*").
func orgMemberRuleARN(t store.Namespace, id string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":config-rule/aws-service-rule/" + MultiAccountSetupPrincipal + "/" + id
}

// orgCaller checks that the caller may use the organization rule and pack
// operations, and returns its organization: it must be the management
// account of an organization or a delegated administrator registered for
// config-multiaccountsetup.amazonaws.com (API Reference,
// PutOrganizationConfigRule; OrganizationAccessDeniedException). A put also
// needs all features, and enables the principal's trusted access when the
// management account calls ("This API enables organization service access
// for config-multiaccountsetup.amazonaws.com through the
// EnableAWSServiceAccess action", PutOrganizationConformancePack).
func (s *Service) orgCaller(tx store.Tx, t store.Namespace, put bool) (orgdir.Organization, error) {
	org, ok, err := s.orgs.OrganizationOf(tx, t.Owner)
	switch {
	case err != nil:
		return org, err
	case !ok:
		return org, configapi.OrganizationAccessDenied(msgNotInOrganization)
	case org.ManagementAccountID == t.Owner:
	default:
		admin, err := s.orgs.IsDelegatedAdministrator(tx, org.ID, t.Owner, MultiAccountSetupPrincipal)
		if err != nil {
			return org, err
		}
		if !admin {
			return org, configapi.OrganizationAccessDenied(msgNotOrgAdmin)
		}
	}
	if !put {
		return org, nil
	}
	if !org.AllFeatures {
		return org, configapi.OrganizationAllFeaturesNotEnabled(msgAllFeatures)
	}
	if org.ManagementAccountID == t.Owner {
		return org, s.orgs.EnableServiceAccess(tx, org.ID, MultiAccountSetupPrincipal, s.clock.Now())
	}
	return org, nil
}

// orgTargets returns the accounts of the organization but the excluded
// ones, in ascending order.
func (s *Service) orgTargets(tx store.Tx, orgID string, excluded []string) ([]string, error) {
	all, err := s.orgs.MemberAccounts(tx, orgID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(a string) bool { return slices.Contains(excluded, a) }), nil
}

// memberFailure returns the error of a deployment into one account that
// fails that account's deployment, or nil for any other error, which fails
// the request.
func memberFailure(err error) *apierr.Error {
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.Fault == apierr.Client {
		return ae
	}
	return nil
}

// orgDeployer deploys an organization rule or pack into accounts, each in
// a transaction of its own so that an account's failure leaves the others'
// deployments standing, and removes it from accounts.
type orgDeployer struct {
	// deploy creates or updates it in the account (of the caller's
	// region); an *apierr.Error client fault fails that account only.
	deploy func(ctx context.Context, ns store.Namespace) error
	// remove deletes it from the account, if the account holds it.
	remove func(ctx context.Context, ns store.Namespace) error
}

// reconcile makes d's accounts the targets: it deploys into each target and
// removes it from every account that holds it and is no longer one (an
// excluded account, or one that left the organization), and records the
// outcomes in d. existed says whether the organization rule or pack existed
// before this put: its status is then an UPDATE_ one.
func (s *Service) reconcile(ctx context.Context, region string, d *orgDeployment, name string, targets []string, existed bool, dep orgDeployer) error {
	now := *shape.NewTimestamp(s.clock.Now())
	if d.Members == nil {
		d.Members = map[string]memberDeployment{}
	}
	for account, m := range d.Members {
		if slices.Contains(targets, account) {
			continue
		}
		if m.Deployed {
			if err := dep.remove(ctx, store.Regional(account, region)); err != nil {
				return err
			}
		}
		delete(d.Members, account)
	}
	for _, account := range targets {
		prev, had := d.Members[account]
		m := memberDeployment{Name: name, Updated: now, Deployed: prev.Deployed}
		err := dep.deploy(ctx, store.Regional(account, region))
		switch ae := memberFailure(err); {
		case err == nil:
			m.Deployed, m.Status = true, orgCreateSuccessful
			if had && prev.Deployed {
				m.Status = orgUpdateSuccessful
			}
		case ae != nil:
			m.Status, m.ErrorCode, m.ErrorMessage = orgCreateFailed, ae.Code, ae.Message
			if prev.Deployed {
				m.Status = orgUpdateFailed
			}
		default:
			return err
		}
		d.Members[account] = m
	}
	// The organization's status: failed when an account's is, with the
	// first such account's error.
	d.Status, d.ErrorCode, d.ErrorMessage, d.Updated = orgCreateSuccessful, "", "", now
	if existed {
		d.Status = orgUpdateSuccessful
	}
	for _, account := range targets {
		if m := d.Members[account]; m.ErrorCode != "" {
			d.Status, d.ErrorCode, d.ErrorMessage = orgCreateFailed, m.ErrorCode, m.ErrorMessage
			if existed {
				d.Status = orgUpdateFailed
			}
			break
		}
	}
	return nil
}

// listOrgRecords returns the records of kind in t: those of names, by name
// (missing for a name without one; a named read is not paged, "Limit and
// next token are not applicable if you specify organization Config rule
// names"), or else a page of limit after the key after, and whether more
// follow.
func listOrgRecords[T any](tx store.Tx, t store.Namespace, kind store.Kind, names []string, after string, limit int, missing func() error) ([]T, bool, error) {
	if len(names) > 0 {
		out := make([]T, 0, len(names))
		for _, n := range slices.Compact(slices.Sorted(slices.Values(names))) {
			var rec T
			err := store.GetJSON(tx, t, kind, n, &rec)
			if errors.Is(err, store.ErrNotFound) {
				return nil, false, missing()
			}
			if err != nil {
				return nil, false, err
			}
			out = append(out, rec)
		}
		return out, false, nil
	}
	items, err := tx.List(t, kind, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	recs, err := store.DecodeItems[T](items, kind)
	return recs, more, err
}

// orgPage is the paging of an organization read: the token's scope, the key
// to resume after, and the page size.
type orgPage struct {
	scope, after string
	limit        int
}

// orgPageOf decodes the paging of a read of op; with names the read is not
// paged and its token is not read.
func (s *Service) orgPageOf(op string, t store.Namespace, names []string, limit *int32, token *string) (orgPage, error) {
	p := orgPage{scope: pagetoken.Scope(op, t.Owner, t.Region), limit: pageLimit(limit, describeOrgMax)}
	if len(names) > 0 {
		return p, nil
	}
	after, err := s.decodeToken(p.scope, token)
	p.after = after
	return p, err
}

// orgRecordsPage reads, for the read op of the caller t, the caller's
// organization records of kind (of names, or a page of all, as
// listOrgRecords), after checking that t may read them (orgCaller), and
// returns them and the page's NextToken, after the name of the last.
func orgRecordsPage[T any](ctx context.Context, s *Service, t store.Namespace, op string, kind store.Kind, names []string,
	limit *int32, token *string, missing func() error, name func(*T) string) ([]T, *string, error) {
	var (
		recs []T
		next *string
	)
	err := s.store.View(ctx, func(tx store.Tx) error {
		if _, err := s.orgCaller(tx, t, false); err != nil {
			return err
		}
		p, err := s.orgPageOf(op, t, names, limit, token)
		if err != nil {
			return err
		}
		var more bool
		if recs, more, err = listOrgRecords[T](tx, t, kind, names, p.after, p.limit, missing); err != nil {
			return err
		}
		next = nil
		if len(recs) > 0 {
			next = s.next(p, more, name(&recs[len(recs)-1]))
		}
		return nil
	})
	return recs, next, err
}

// next returns the NextToken after the key last, if more follow.
func (s *Service) next(p orgPage, more bool, last string) *string {
	if !more {
		return nil
	}
	return ptr(s.tokens.Encode(p.scope, last))
}

// orgRuleDraft is what a PutOrganizationConfigRule deploys: the rule of
// each account (without its name, ARN and id), the organization rule as
// Describe shows it, and a custom policy rule's policy and debug accounts.
type orgRuleDraft struct {
	rule       configapi.ConfigRule
	api        configapi.OrganizationConfigRule
	policyText *string
	debug      []string
}

// sourceDetails returns the source details of trigger types: every type is
// a notification of AWS Config, and a periodic one runs at the frequency.
func sourceDetails(triggers []string, frequency *string) []configapi.SourceDetail {
	out := make([]configapi.SourceDetail, 0, len(triggers))
	for _, tt := range triggers {
		d := configapi.SourceDetail{EventSource: ptr("aws.config"), MessageType: ptr(tt)}
		if tt == "ScheduledNotification" {
			d.MaximumExecutionFrequency = frequency
		}
		out = append(out, d)
	}
	return out
}

// scopeOf returns the scope of the metadata's scope members, nil when it
// has none.
func scopeOf(types []string, id, tagKey, tagValue *string) *configapi.Scope {
	if len(types) == 0 && id == nil && tagKey == nil && tagValue == nil {
		return nil
	}
	return &configapi.Scope{ComplianceResourceTypes: types, ComplianceResourceId: id, TagKey: tagKey, TagValue: tagValue}
}

// draftOrgRule checks a PutOrganizationConfigRule and returns what it
// deploys. Exactly one kind of metadata must be given (API Reference,
// PutOrganizationConfigRule), and the rule each account gets must be one
// PutConfigRule accepts: it is checked as PutConfigRule checks a rule.
func draftOrgRule(in *configapi.PutOrganizationConfigRuleRequest) (*orgRuleDraft, error) {
	n := 0
	for _, given := range []bool{in.OrganizationManagedRuleMetadata != nil, in.OrganizationCustomRuleMetadata != nil,
		in.OrganizationCustomPolicyRuleMetadata != nil} {
		if given {
			n++
		}
	}
	if n != 1 {
		return nil, configapi.InvalidParameterValue(msgOrgRuleMetadata)
	}
	d := &orgRuleDraft{api: configapi.OrganizationConfigRule{
		OrganizationConfigRuleName: in.OrganizationConfigRuleName, ExcludedAccounts: in.ExcludedAccounts,
		OrganizationManagedRuleMetadata: in.OrganizationManagedRuleMetadata, OrganizationCustomRuleMetadata: in.OrganizationCustomRuleMetadata,
	}}
	switch {
	case in.OrganizationManagedRuleMetadata != nil:
		m := in.OrganizationManagedRuleMetadata
		d.rule = configapi.ConfigRule{Description: m.Description, InputParameters: m.InputParameters, MaximumExecutionFrequency: m.MaximumExecutionFrequency,
			Scope:  scopeOf(m.ResourceTypesScope, m.ResourceIdScope, m.TagKeyScope, m.TagValueScope),
			Source: &configapi.Source{Owner: ptr(ownerAWS), SourceIdentifier: m.RuleIdentifier}}
	case in.OrganizationCustomRuleMetadata != nil:
		m := in.OrganizationCustomRuleMetadata
		d.rule = configapi.ConfigRule{Description: m.Description, InputParameters: m.InputParameters, MaximumExecutionFrequency: m.MaximumExecutionFrequency,
			Scope: scopeOf(m.ResourceTypesScope, m.ResourceIdScope, m.TagKeyScope, m.TagValueScope),
			Source: &configapi.Source{Owner: ptr(ownerCustomLambda), SourceIdentifier: m.LambdaFunctionArn,
				SourceDetails: sourceDetails(m.OrganizationConfigRuleTriggerTypes, m.MaximumExecutionFrequency)}}
	default:
		m := in.OrganizationCustomPolicyRuleMetadata
		triggers := m.OrganizationConfigRuleTriggerTypes
		if len(triggers) == 0 {
			// The model leaves them optional; a policy rule runs on
			// configuration changes (ours).
			triggers = []string{"ConfigurationItemChangeNotification"}
		}
		d.rule = configapi.ConfigRule{Description: m.Description, InputParameters: m.InputParameters, MaximumExecutionFrequency: m.MaximumExecutionFrequency,
			Scope: scopeOf(m.ResourceTypesScope, m.ResourceIdScope, m.TagKeyScope, m.TagValueScope),
			Source: &configapi.Source{Owner: ptr(ownerCustomPolicy), SourceDetails: sourceDetails(triggers, nil),
				CustomPolicyDetails: &configapi.CustomPolicyDetails{PolicyRuntime: m.PolicyRuntime, PolicyText: m.PolicyText}}}
		d.policyText, d.debug = m.PolicyText, m.DebugLogDeliveryAccounts
		d.api.OrganizationCustomPolicyRuleMetadata = &configapi.OrganizationCustomPolicyRuleMetadataNoPolicy{
			Description: m.Description, OrganizationConfigRuleTriggerTypes: m.OrganizationConfigRuleTriggerTypes, InputParameters: m.InputParameters,
			MaximumExecutionFrequency: m.MaximumExecutionFrequency, ResourceTypesScope: m.ResourceTypesScope, ResourceIdScope: m.ResourceIdScope,
			TagKeyScope: m.TagKeyScope, TagValueScope: m.TagValueScope, PolicyRuntime: m.PolicyRuntime, DebugLogDeliveryAccounts: m.DebugLogDeliveryAccounts,
		}
	}
	if _, err := checkRule(&d.rule); err != nil {
		return nil, err
	}
	return d, nil
}

// PutOrganizationConfigRule creates an organization rule, or updates the
// one of that name (which keeps its ARN and tags), and deploys it into the
// organization's accounts.
func (s *Service) PutOrganizationConfigRule(ctx context.Context, in *configapi.PutOrganizationConfigRuleRequest) (*configapi.PutOrganizationConfigRuleResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	draft, err := draftOrgRule(in)
	if err != nil {
		return nil, err
	}
	name := *in.OrganizationConfigRuleName
	suffix, err := s.randomID(orgSuffixLength)
	if err != nil {
		return nil, err
	}
	now := shape.NewTimestamp(s.clock.Now())
	var rec orgRuleRecord
	var targets []string
	existed := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, targets, existed = orgRuleRecord{}, nil, false
		org, err := s.orgCaller(tx, t, true)
		if err != nil {
			return err
		}
		err = store.GetJSON(tx, t, kindOrgConfigRule, name, &rec)
		switch {
		case err == nil:
			existed = true
		case !errors.Is(err, store.ErrNotFound):
			return err
		default:
			n, err := tx.Count(t, kindOrgConfigRule)
			if err != nil {
				return err
			}
			if n >= maxOrgConfigRules {
				// ours, in the form of PutConfigRule's.
				return configapi.MaxNumberOfOrganizationConfigRulesExceeded("Failed to put organization config rule '" + name +
					"' because the maximum number of organization config rules: " + strconv.Itoa(maxOrgConfigRules) + " is reached.")
			}
			rec.Deployment.Suffix = suffix
			if err := createTaggable(tx, t, orgRuleARN(t, name, suffix), kindOrgConfigRule, name, in.Tags); err != nil {
				return err
			}
		}
		rec.Rule = draft.api
		rec.Rule.OrganizationConfigRuleArn = ptr(orgRuleARN(t, name, rec.Deployment.Suffix))
		rec.Rule.LastUpdateTime = now
		rec.PolicyText = draft.policyText
		rec.Deployment.OrganizationID = org.ID
		rec.Deployment.Status = orgCreateInProgress
		if existed {
			rec.Deployment.Status = orgUpdateInProgress
		}
		if targets, err = s.orgTargets(tx, org.ID, in.ExcludedAccounts); err != nil {
			return err
		}
		return store.PutJSON(tx, t, kindOrgConfigRule, name, &rec)
	})
	if err != nil {
		return nil, err
	}
	arn, member := rec.arn(), rec.memberRuleName()
	dep := orgDeployer{
		deploy: func(ctx context.Context, ns store.Namespace) error {
			return s.deployOrgRule(ctx, ns, arn, member, draft)
		},
		remove: func(ctx context.Context, ns store.Namespace) error { return s.removeOrgRule(ctx, ns, arn, member) },
	}
	if err := s.reconcile(ctx, t.Region, &rec.Deployment, member, targets, existed, dep); err != nil {
		return nil, err
	}
	if err := saveOrgDeployment(ctx, s.store, t, kindOrgConfigRule, name, arn, func(cur *orgRuleRecord) (*orgDeployment, string) {
		return &cur.Deployment, cur.arn()
	}, rec.Deployment); err != nil {
		return nil, err
	}
	return &configapi.PutOrganizationConfigRuleResponse{OrganizationConfigRuleArn: &arn}, nil
}

// saveOrgDeployment writes the deployment d into the record of kind and
// name, if it is still the one of the ARN (not deleted, or deleted and put
// again, meanwhile). of returns a record's deployment and ARN.
func saveOrgDeployment[T any](ctx context.Context, st store.Store, t store.Namespace, kind store.Kind, name, arn string,
	of func(*T) (*orgDeployment, string), d orgDeployment) error {
	return st.Update(ctx, func(tx store.Tx) error {
		var cur T
		err := store.GetJSON(tx, t, kind, name, &cur)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		dst, curARN := of(&cur)
		if curARN != arn {
			return nil
		}
		*dst = d
		return store.PutJSON(tx, t, kind, name, &cur)
	})
}

// deployOrgRule creates or updates, in the account and region of ns, the
// rule named member that the organization rule of ARN orgARN deploys, and
// evaluates it as PutConfigRule would. A new rule needs the account's
// configuration recorder and room in its quota of rules, as PutConfigRule's
// does; a rule of the account of that name that the organization rule did
// not deploy is left alone.
func (s *Service) deployOrgRule(ctx context.Context, ns store.Namespace, orgARN, member string, draft *orgRuleDraft) error {
	id, err := s.randomID(ruleIDLength)
	if err != nil {
		return err
	}
	now := *shape.NewTimestamp(s.clock.Now())
	var rule configapi.ConfigRule
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var rec ruleRecord
		err := store.GetJSON(tx, ns, kindConfigRule, member, &rec)
		switch {
		case err == nil && rec.Org == orgARN:
		case err == nil:
			return configapi.ResourceInUse(strings.Replace(msgOrgRuleNameTaken, "%s", member, 1))
		case !errors.Is(err, store.ErrNotFound):
			return err
		default:
			if recorder, err := loadRecorder(tx, ns); err != nil {
				return err
			} else if recorder == nil {
				return configapi.NoAvailableConfigurationRecorder(msgNoRecorderForRule)
			}
			n, err := tx.Count(ns, kindConfigRule)
			if err != nil {
				return err
			}
			if n >= maxConfigRules {
				// PutConfigRule's text.
				return configapi.MaxNumberOfConfigRulesExceeded("Failed to put config rule '" + member +
					"' because the maximum number of config rules: " + strconv.Itoa(maxConfigRules) + " is reached.")
			}
			ruleID := "config-rule-" + id
			arn := orgMemberRuleARN(ns, ruleID)
			rec = ruleRecord{Rule: configapi.ConfigRule{ConfigRuleName: ptr(member), ConfigRuleArn: &arn, ConfigRuleId: &ruleID},
				Status: ruleStatus{FirstActivated: now}}
			if err := createTaggable(tx, ns, arn, kindConfigRule, member, nil); err != nil {
				return err
			}
		}
		r := draft.rule
		r.ConfigRuleName, r.ConfigRuleArn, r.ConfigRuleId = rec.Rule.ConfigRuleName, rec.Rule.ConfigRuleArn, rec.Rule.ConfigRuleId
		r.ConfigRuleState = ptr("ACTIVE")
		r.CreatedBy = ptr(MultiAccountSetupPrincipal)
		r.EvaluationModes = []configapi.EvaluationModeConfiguration{{Mode: ptr(evaluationModeDetective)}}
		if cp := r.Source.CustomPolicyDetails; cp != nil {
			src, details := *r.Source, *cp
			details.EnableDebugLogDelivery = ptr(slices.Contains(draft.debug, ns.Owner))
			src.CustomPolicyDetails = &details
			r.Source = &src
		}
		rec.Rule, rec.Org = r, orgARN
		rule = r
		return store.PutJSON(tx, ns, kindConfigRule, member, &rec)
	})
	if err != nil {
		return err
	}
	return s.evaluateRules(ctx, ns, []configapi.ConfigRule{rule})
}

// removeOrgRule deletes, from the account and region of ns, the rule named
// member if the organization rule of ARN orgARN deployed it, with its tags
// and its evaluation results.
func (s *Service) removeOrgRule(ctx context.Context, ns store.Namespace, orgARN, member string) error {
	removed := false
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		removed, err = deleteOrgMemberRule(tx, ns, orgARN, member)
		return err
	})
	if err != nil || !removed {
		return err
	}
	_, err = s.results.DeleteResults(ctx, sourceOf(ns), member)
	return resultsErr(err)
}

// deleteOrgMemberRule deletes the rule named member of ns and its tags if
// the organization rule of ARN orgARN deployed it, and reports whether it
// did.
func deleteOrgMemberRule(tx store.Tx, ns store.Namespace, orgARN, member string) (bool, error) {
	var rec ruleRecord
	err := store.GetJSON(tx, ns, kindConfigRule, member, &rec)
	if errors.Is(err, store.ErrNotFound) || (err == nil && rec.Org != orgARN) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := tx.Delete(ns, kindConfigRule, member); err != nil {
		return false, err
	}
	return true, deleteTaggable(tx, ns, deref(rec.Rule.ConfigRuleArn))
}

// DescribeOrganizationConfigRules returns the caller's organization rules
// (of names, or all), by name.
func (s *Service) DescribeOrganizationConfigRules(ctx context.Context, in *configapi.DescribeOrganizationConfigRulesRequest) (*configapi.DescribeOrganizationConfigRulesResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	recs, next, err := orgRecordsPage(ctx, s, t, "DescribeOrganizationConfigRules", kindOrgConfigRule, in.OrganizationConfigRuleNames,
		in.Limit, in.NextToken, noSuchOrgRule, orgRuleName)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeOrganizationConfigRulesResponse{OrganizationConfigRules: []configapi.OrganizationConfigRule{}, NextToken: next}
	for _, r := range recs {
		out.OrganizationConfigRules = append(out.OrganizationConfigRules, r.Rule)
	}
	return out, nil
}

// DescribeOrganizationConfigRuleStatuses returns the deployment status of
// the caller's organization rules (of names, or all), by name.
func (s *Service) DescribeOrganizationConfigRuleStatuses(ctx context.Context, in *configapi.DescribeOrganizationConfigRuleStatusesRequest) (*configapi.DescribeOrganizationConfigRuleStatusesResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	recs, next, err := orgRecordsPage(ctx, s, t, "DescribeOrganizationConfigRuleStatuses", kindOrgConfigRule, in.OrganizationConfigRuleNames,
		in.Limit, in.NextToken, noSuchOrgRule, orgRuleName)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeOrganizationConfigRuleStatusesResponse{OrganizationConfigRuleStatuses: []configapi.OrganizationConfigRuleStatus{}, NextToken: next}
	for _, r := range recs {
		d := r.Deployment
		updated := d.Updated
		out.OrganizationConfigRuleStatuses = append(out.OrganizationConfigRuleStatuses, configapi.OrganizationConfigRuleStatus{
			OrganizationConfigRuleName: r.Rule.OrganizationConfigRuleName, OrganizationRuleStatus: ptr(d.Status),
			ErrorCode: nonEmpty(d.ErrorCode), ErrorMessage: nonEmpty(d.ErrorMessage), LastUpdateTime: &updated,
		})
	}
	return out, nil
}

// orgRuleName is the name of an organization rule's record.
func orgRuleName(r *orgRuleRecord) string { return *r.Rule.OrganizationConfigRuleName }

// memberPage returns the accounts of members that the filters admit, in
// ascending order, from after on: a page of limit, and whether more follow.
func memberPage(members map[string]memberDeployment, account, status, after string, limit int) ([]string, bool) {
	var ids []string
	for id, m := range members {
		if (account == "" || id == account) && (status == "" || m.Status == status) && (after == "" || id > after) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if len(ids) > limit {
		return ids[:limit], true
	}
	return ids, false
}

// GetOrganizationConfigRuleDetailedStatus returns the deployment status of
// one of the caller's organization rules in each account, by account id.
func (s *Service) GetOrganizationConfigRuleDetailedStatus(ctx context.Context, in *configapi.GetOrganizationConfigRuleDetailedStatusRequest) (*configapi.GetOrganizationConfigRuleDetailedStatusResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.OrganizationConfigRuleName
	var account, status string
	if f := in.Filters; f != nil {
		account, status = deref(f.AccountId), deref(f.MemberAccountRuleStatus)
	}
	out := &configapi.GetOrganizationConfigRuleDetailedStatusResponse{OrganizationConfigRuleDetailedStatus: []configapi.MemberAccountStatus{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		if _, err := s.orgCaller(tx, t, false); err != nil {
			return err
		}
		scope := pagetoken.Scope("GetOrganizationConfigRuleDetailedStatus", t.Owner, t.Region, name, account, status)
		after, err := s.decodeToken(scope, in.NextToken)
		if err != nil {
			return err
		}
		var rec orgRuleRecord
		if err := store.GetJSON(tx, t, kindOrgConfigRule, name, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return noSuchOrgRule()
			}
			return err
		}
		ids, more := memberPage(rec.Deployment.Members, account, status, after, pageLimit(in.Limit, describeOrgMax))
		for _, id := range ids {
			m := rec.Deployment.Members[id]
			updated := m.Updated
			out.OrganizationConfigRuleDetailedStatus = append(out.OrganizationConfigRuleDetailedStatus, configapi.MemberAccountStatus{
				AccountId: ptr(id), ConfigRuleName: ptr(m.Name), MemberAccountRuleStatus: ptr(m.Status),
				ErrorCode: nonEmpty(m.ErrorCode), ErrorMessage: nonEmpty(m.ErrorMessage), LastUpdateTime: &updated,
			})
		}
		if more {
			out.NextToken = ptr(s.tokens.Encode(scope, ids[len(ids)-1]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetOrganizationCustomRulePolicy returns the policy of one of the caller's
// organization custom policy rules.
func (s *Service) GetOrganizationCustomRulePolicy(ctx context.Context, in *configapi.GetOrganizationCustomRulePolicyRequest) (*configapi.GetOrganizationCustomRulePolicyResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.OrganizationConfigRuleName
	var rec orgRuleRecord
	err = s.store.View(ctx, func(tx store.Tx) error {
		if _, err := s.orgCaller(tx, t, false); err != nil {
			return err
		}
		err := store.GetJSON(tx, t, kindOrgConfigRule, name, &rec)
		if errors.Is(err, store.ErrNotFound) {
			return noSuchOrgRule()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if rec.Rule.OrganizationCustomPolicyRuleMetadata == nil {
		// ours: the operation models no other error for it.
		return nil, configapi.NoSuchOrganizationConfigRule("The organization config rule '" + name +
			"' is not a custom policy rule: only organization custom policy rules have a policy.")
	}
	return &configapi.GetOrganizationCustomRulePolicyResponse{PolicyText: rec.PolicyText}, nil
}

// DeleteOrganizationConfigRule deletes one of the caller's organization
// rules, its tags, and the rules it deployed with their tags and results:
// "Deletes the specified organization Config rule and all of its evaluation
// results from all member accounts in that organization."
func (s *Service) DeleteOrganizationConfigRule(ctx context.Context, in *configapi.DeleteOrganizationConfigRuleRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.OrganizationConfigRuleName
	var removed []store.Namespace
	var member string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		removed = nil
		if _, err := s.orgCaller(tx, t, false); err != nil {
			return err
		}
		var rec orgRuleRecord
		if err := store.GetJSON(tx, t, kindOrgConfigRule, name, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return noSuchOrgRuleToDelete(name)
			}
			return err
		}
		member = rec.memberRuleName()
		for _, account := range slices.Sorted(maps.Keys(rec.Deployment.Members)) {
			ns := store.Regional(account, t.Region)
			ok, err := deleteOrgMemberRule(tx, ns, rec.arn(), member)
			if err != nil {
				return err
			}
			if ok {
				removed = append(removed, ns)
			}
		}
		if err := tx.Delete(t, kindOrgConfigRule, name); err != nil {
			return err
		}
		return deleteTaggable(tx, t, rec.arn())
	})
	if err != nil {
		return nil, err
	}
	for _, ns := range removed {
		if _, err := s.results.DeleteResults(ctx, sourceOf(ns), member); err != nil {
			return nil, resultsErr(err)
		}
	}
	return &shape.Empty{}, nil
}
