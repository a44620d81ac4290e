package configservice

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// Organization conformance packs: PutOrganizationConformancePack,
// DescribeOrganizationConformancePacks,
// DescribeOrganizationConformancePackStatuses,
// GetOrganizationConformancePackDetailedStatus and
// DeleteOrganizationConformancePack (AWS Config API Reference).
//
// An organization pack is a control-plane document of the account and
// region that put it, as an organization rule is (organization_rules.go,
// which also holds who may call these operations and how a deployment
// proceeds). Put deploys it into every account of the organization but the
// excluded ones as a conformance pack of the account (conformancepack.go)
// named OrgConformsPack-<name>-<suffix>, created by
// config-multiaccountsetup.amazonaws.com, with the rules of its template;
// the account cannot change or delete that pack. Its template comes from
// TemplateBody only, as PutConformancePack's does.

const (
	// kindOrgConformancePack holds an orgPackRecord per organization pack,
	// keyed by name, in the namespace of the account and region that put
	// it.
	kindOrgConformancePack store.Kind = "OrganizationConformancePack"
	// maxOrgConformancePacks is the quota of organization packs: the
	// same 50 as of an account's packs (AWS Config Developer Guide,
	// "Service Limits"), counted per account and region as Starling keeps
	// them.
	maxOrgConformancePacks = 50
	// orgPackPrefix starts the name of a pack an organization pack
	// deploys (OrgConformsPack-infra-lab-security-baseline-15lssxz6).
	orgPackPrefix = "OrgConformsPack-"
)

// Messages of the organization pack operations.
const (
	// moto's (getmoto/moto, moto/config/models.py).
	msgNoSuchOrgPack = "One or more organization conformance packs with specified names are not present. " +
		"Ensure your names are correct and try your request again later."
	// The API Reference's note on PutOrganizationConformancePack.
	msgNoOrgTemplate = "You must specify either the TemplateS3Uri or the TemplateBody parameter, but not both."
	// ours, in the form of AWS's text for a service-linked rule
	// (msgServiceLinkedRule).
	msgOrgOwnedPack = "An AWS service owns ServiceLinkedConformancePack. You do not have permissions to take action on this conformance pack."
	// ours: a pack of the account has the name of the pack to deploy.
	msgOrgPackNameTaken = "A conformance pack named %s already exists in the account and region."
)

func noSuchOrgPack() error { return configapi.NoSuchOrganizationConformancePack(msgNoSuchOrgPack) }

// refuseOrgPack is the refusal of a change, by the account, of a pack an
// organization pack deployed: AccessDeniedException, as for a
// service-linked rule.
func refuseOrgPack() error { return apierr.New("AccessDeniedException", msgOrgOwnedPack) }

// orgPackRecord is the stored form of an organization pack.
type orgPackRecord struct {
	// Pack is the pack as DescribeOrganizationConformancePacks shows it.
	Pack         configapi.OrganizationConformancePack `json:"pack"`
	TemplateBody string                                `json:"templateBody"`
	Deployment   orgDeployment                         `json:"deployment"`
}

func (p *orgPackRecord) arn() string { return *p.Pack.OrganizationConformancePackArn }

// memberPackName is the name of the pack an organization pack deploys.
func (p *orgPackRecord) memberPackName() string {
	return orgPackPrefix + *p.Pack.OrganizationConformancePackName + "-" + p.Deployment.Suffix
}

func orgPackARN(t store.Namespace, name, suffix string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":organization-conformance-pack/" + name + "-" + suffix
}

// memberPackRequest is the PutConformancePack of the pack named member that
// an organization pack deploys.
func memberPackRequest(in *configapi.PutOrganizationConformancePackRequest, member string) *configapi.PutConformancePackRequest {
	return &configapi.PutConformancePackRequest{ConformancePackName: &member, TemplateBody: in.TemplateBody,
		DeliveryS3Bucket: in.DeliveryS3Bucket, DeliveryS3KeyPrefix: in.DeliveryS3KeyPrefix, ConformancePackInputParameters: in.ConformancePackInputParameters}
}

// PutOrganizationConformancePack creates an organization pack, or updates
// the one of that name (which keeps its ARN and tags), and deploys it into
// the organization's accounts.
func (s *Service) PutOrganizationConformancePack(ctx context.Context, in *configapi.PutOrganizationConformancePackRequest) (*configapi.PutOrganizationConformancePackResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case in.TemplateS3Uri != nil:
		// "If you provide both Config uses the TemplateS3Uri parameter and
		// ignores the TemplateBody parameter": Starling reads no S3.
		return nil, configapi.OrganizationConformancePackTemplateValidation(msgNoTemplateS3)
	case in.TemplateBody == nil:
		return nil, configapi.OrganizationConformancePackTemplateValidation(msgNoOrgTemplate)
	}
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	name := *in.OrganizationConformancePackName
	// The template, read as the caller's account would read it; each
	// account reads it again with its own AWS::AccountId.
	if _, err := draftRules(t, memberPackRequest(in, orgPackPrefix+name)); err != nil {
		var ae *apierr.Error
		if errors.As(err, &ae) && ae.Code == configapi.CodeConformancePackTemplateValidation {
			return nil, configapi.OrganizationConformancePackTemplateValidation(ae.Message)
		}
		return nil, err
	}
	suffix, err := s.randomID(orgSuffixLength)
	if err != nil {
		return nil, err
	}
	now := shape.NewTimestamp(s.clock.Now())
	var rec orgPackRecord
	var targets []string
	existed := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, targets, existed = orgPackRecord{}, nil, false
		org, err := s.orgCaller(tx, t, true)
		if err != nil {
			return err
		}
		err = store.GetJSON(tx, t, kindOrgConformancePack, name, &rec)
		switch {
		case err == nil:
			existed = true
		case !errors.Is(err, store.ErrNotFound):
			return err
		default:
			n, err := tx.Count(t, kindOrgConformancePack)
			if err != nil {
				return err
			}
			if n >= maxOrgConformancePacks {
				// ours, in the form of PutConfigRule's.
				return configapi.MaxNumberOfOrganizationConformancePacksExceeded("Failed to put organization conformance pack '" + name +
					"' because the maximum number of organization conformance packs: " + strconv.Itoa(maxOrgConformancePacks) + " is reached.")
			}
			rec.Deployment.Suffix = suffix
			if err := createTaggable(tx, t, orgPackARN(t, name, suffix), kindOrgConformancePack, name, in.Tags); err != nil {
				return err
			}
		}
		rec.Pack = configapi.OrganizationConformancePack{
			OrganizationConformancePackName: &name, OrganizationConformancePackArn: ptr(orgPackARN(t, name, rec.Deployment.Suffix)),
			DeliveryS3Bucket: in.DeliveryS3Bucket, DeliveryS3KeyPrefix: in.DeliveryS3KeyPrefix,
			ConformancePackInputParameters: in.ConformancePackInputParameters, ExcludedAccounts: in.ExcludedAccounts, LastUpdateTime: now,
		}
		rec.TemplateBody = *in.TemplateBody
		rec.Deployment.OrganizationID = org.ID
		rec.Deployment.Status = orgCreateInProgress
		if existed {
			rec.Deployment.Status = orgUpdateInProgress
		}
		if targets, err = s.orgTargets(tx, org.ID, in.ExcludedAccounts); err != nil {
			return err
		}
		return store.PutJSON(tx, t, kindOrgConformancePack, name, &rec)
	})
	if err != nil {
		return nil, err
	}
	arn, member := rec.arn(), rec.memberPackName()
	dep := orgDeployer{
		deploy: func(ctx context.Context, ns store.Namespace) error { return s.deployOrgPack(ctx, ns, arn, member, in) },
		remove: func(ctx context.Context, ns store.Namespace) error { return s.removeOrgPack(ctx, ns, arn, member) },
	}
	if err := s.reconcile(ctx, t.Region, &rec.Deployment, member, targets, existed, dep); err != nil {
		return nil, err
	}
	if err := saveOrgDeployment(ctx, s.store, t, kindOrgConformancePack, name, arn, func(cur *orgPackRecord) (*orgDeployment, string) {
		return &cur.Deployment, cur.arn()
	}, rec.Deployment); err != nil {
		return nil, err
	}
	return &configapi.PutOrganizationConformancePackResponse{OrganizationConformancePackArn: &arn}, nil
}

// deployOrgPack creates or updates, in the account and region of ns, the
// pack named member that the organization pack of ARN orgARN deploys, as
// PutConformancePack would: the template read with the account's id, a new
// pack within the account's quota and with its configuration recorder, its
// rules checked and evaluated as PutConfigRule's. A pack of the account of
// that name that the organization pack did not deploy is left alone.
func (s *Service) deployOrgPack(ctx context.Context, ns store.Namespace, orgARN, member string, in *configapi.PutOrganizationConformancePackRequest) error {
	req := memberPackRequest(in, member)
	drafts, err := draftRules(ns, req)
	if err != nil {
		return err
	}
	suffix, err := s.randomID(packIDLength)
	if err != nil {
		return err
	}
	ruleIDs := make([]string, len(drafts))
	for i := range ruleIDs {
		if ruleIDs[i], err = s.randomID(ruleIDLength); err != nil {
			return err
		}
	}
	stackID, err := uuid.NewRandomFromReader(s.random)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	var deployed []configapi.ConfigRule
	var removed []string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		deployed, removed = nil, nil
		var pack packRecord
		err := store.GetJSON(tx, ns, kindConformancePack, member, &pack)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := s.newPack(tx, ns, member, suffix, stackID.String(), nil, &pack); err != nil {
				return err
			}
		case err != nil:
			return err
		case pack.Org != orgARN:
			return configapi.ResourceInUse(strings.Replace(msgOrgPackNameTaken, "%s", member, 1))
		}
		rules, gone, err := deployPackRules(tx, ns, &pack, drafts, ruleIDs, now)
		if err != nil {
			return err
		}
		deployed, removed = rules, gone
		d := &pack.Detail
		d.DeliveryS3Bucket, d.DeliveryS3KeyPrefix = req.DeliveryS3Bucket, req.DeliveryS3KeyPrefix
		d.ConformancePackInputParameters = req.ConformancePackInputParameters
		d.LastUpdateRequestedTime = shape.NewTimestamp(now)
		d.CreatedBy = ptr(MultiAccountSetupPrincipal)
		pack.LastUpdateCompleted = *shape.NewTimestamp(now)
		pack.Org = orgARN
		return store.PutJSON(tx, ns, kindConformancePack, member, &pack)
	})
	if err != nil {
		return err
	}
	if err := s.syncPack(ctx, ns, member); err != nil {
		return err
	}
	for _, r := range removed {
		if _, err := s.results.DeleteResults(ctx, sourceOf(ns), r); err != nil {
			return resultsErr(err)
		}
	}
	return s.evaluateRules(ctx, ns, deployed)
}

// removeOrgPack deletes, from the account and region of ns, the pack named
// member if the organization pack of ARN orgARN deployed it, with its rules,
// their tags and results.
func (s *Service) removeOrgPack(ctx context.Context, ns store.Namespace, orgARN, member string) error {
	var rules []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		rules, err = deleteOrgMemberPack(tx, ns, orgARN, member)
		return err
	})
	if err != nil {
		return err
	}
	if err := s.syncPack(ctx, ns, member); err != nil {
		return err
	}
	for _, r := range rules {
		if _, err := s.results.DeleteResults(ctx, sourceOf(ns), r); err != nil {
			return resultsErr(err)
		}
	}
	return nil
}

// deleteOrgMemberPack deletes the pack named member of ns, its tags and its
// rules with their tags, if the organization pack of ARN orgARN deployed it,
// and returns the names of the rules it deleted.
func deleteOrgMemberPack(tx store.Tx, ns store.Namespace, orgARN, member string) ([]string, error) {
	var pack packRecord
	err := store.GetJSON(tx, ns, kindConformancePack, member, &pack)
	if errors.Is(err, store.ErrNotFound) || (err == nil && pack.Org != orgARN) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rules := pack.ruleNames()
	for _, r := range rules {
		var rec ruleRecord
		err := store.GetJSON(tx, ns, kindConfigRule, r, &rec)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := tx.Delete(ns, kindConfigRule, r); err != nil {
			return nil, err
		}
		if err := deleteTaggable(tx, ns, deref(rec.Rule.ConfigRuleArn)); err != nil {
			return nil, err
		}
	}
	if err := tx.Delete(ns, kindConformancePack, member); err != nil {
		return nil, err
	}
	return rules, deleteTaggable(tx, ns, deref(pack.Detail.ConformancePackArn))
}

// DescribeOrganizationConformancePacks returns the caller's organization
// packs (of names, or all), by name.
func (s *Service) DescribeOrganizationConformancePacks(ctx context.Context, in *configapi.DescribeOrganizationConformancePacksRequest) (*configapi.DescribeOrganizationConformancePacksResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	recs, next, err := orgRecordsPage(ctx, s, t, "DescribeOrganizationConformancePacks", kindOrgConformancePack, in.OrganizationConformancePackNames,
		in.Limit, in.NextToken, noSuchOrgPack, orgPackName)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeOrganizationConformancePacksResponse{OrganizationConformancePacks: []configapi.OrganizationConformancePack{}, NextToken: next}
	for _, r := range recs {
		out.OrganizationConformancePacks = append(out.OrganizationConformancePacks, r.Pack)
	}
	return out, nil
}

// DescribeOrganizationConformancePackStatuses returns the deployment status
// of the caller's organization packs (of names, or all), by name.
func (s *Service) DescribeOrganizationConformancePackStatuses(ctx context.Context, in *configapi.DescribeOrganizationConformancePackStatusesRequest) (*configapi.DescribeOrganizationConformancePackStatusesResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	recs, next, err := orgRecordsPage(ctx, s, t, "DescribeOrganizationConformancePackStatuses", kindOrgConformancePack, in.OrganizationConformancePackNames,
		in.Limit, in.NextToken, noSuchOrgPack, orgPackName)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeOrganizationConformancePackStatusesResponse{OrganizationConformancePackStatuses: []configapi.OrganizationConformancePackStatus{}, NextToken: next}
	for _, r := range recs {
		d := r.Deployment
		updated := d.Updated
		out.OrganizationConformancePackStatuses = append(out.OrganizationConformancePackStatuses, configapi.OrganizationConformancePackStatus{
			OrganizationConformancePackName: r.Pack.OrganizationConformancePackName, Status: ptr(d.Status),
			ErrorCode: nonEmpty(d.ErrorCode), ErrorMessage: nonEmpty(d.ErrorMessage), LastUpdateTime: &updated,
		})
	}
	return out, nil
}

// orgPackName is the name of an organization pack's record.
func orgPackName(p *orgPackRecord) string { return *p.Pack.OrganizationConformancePackName }

// GetOrganizationConformancePackDetailedStatus returns the deployment status
// of one of the caller's organization packs in each account, by account id.
func (s *Service) GetOrganizationConformancePackDetailedStatus(ctx context.Context, in *configapi.GetOrganizationConformancePackDetailedStatusRequest) (*configapi.GetOrganizationConformancePackDetailedStatusResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.OrganizationConformancePackName
	var account, status string
	if f := in.Filters; f != nil {
		account, status = deref(f.AccountId), deref(f.Status)
	}
	out := &configapi.GetOrganizationConformancePackDetailedStatusResponse{
		OrganizationConformancePackDetailedStatuses: []configapi.OrganizationConformancePackDetailedStatus{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		if _, err := s.orgCaller(tx, t, false); err != nil {
			return err
		}
		scope := pagetoken.Scope("GetOrganizationConformancePackDetailedStatus", t.Owner, t.Region, name, account, status)
		after, err := s.decodeToken(scope, in.NextToken)
		if err != nil {
			return err
		}
		var rec orgPackRecord
		if err := store.GetJSON(tx, t, kindOrgConformancePack, name, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return noSuchOrgPack()
			}
			return err
		}
		ids, more := memberPage(rec.Deployment.Members, account, status, after, pageLimit(in.Limit, describeOrgMax))
		for _, id := range ids {
			m := rec.Deployment.Members[id]
			updated := m.Updated
			out.OrganizationConformancePackDetailedStatuses = append(out.OrganizationConformancePackDetailedStatuses,
				configapi.OrganizationConformancePackDetailedStatus{
					AccountId: ptr(id), ConformancePackName: ptr(m.Name), Status: ptr(m.Status),
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

// DeleteOrganizationConformancePack deletes one of the caller's
// organization packs, its tags, and the packs it deployed with their rules,
// tags and results: "Deletes the specified organization conformance pack
// and all of the Config rules and remediation actions from all member
// accounts in that organization."
func (s *Service) DeleteOrganizationConformancePack(ctx context.Context, in *configapi.DeleteOrganizationConformancePackRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.OrganizationConformancePackName
	removed := map[store.Namespace][]string{}
	var member string
	err = s.store.Update(ctx, func(tx store.Tx) error {
		clear(removed)
		if _, err := s.orgCaller(tx, t, false); err != nil {
			return err
		}
		var rec orgPackRecord
		if err := store.GetJSON(tx, t, kindOrgConformancePack, name, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				// moto's text.
				return configapi.NoSuchOrganizationConformancePack("Could not find an OrganizationConformancePack for given request with resourceName " + name)
			}
			return err
		}
		member = rec.memberPackName()
		for _, account := range slices.Sorted(maps.Keys(rec.Deployment.Members)) {
			ns := store.Regional(account, t.Region)
			rules, err := deleteOrgMemberPack(tx, ns, rec.arn(), member)
			if err != nil {
				return err
			}
			removed[ns] = rules
		}
		if err := tx.Delete(t, kindOrgConformancePack, name); err != nil {
			return err
		}
		return deleteTaggable(tx, t, rec.arn())
	})
	if err != nil {
		return nil, err
	}
	for ns, rules := range removed {
		if err := s.syncPack(ctx, ns, member); err != nil {
			return nil, err
		}
		for _, r := range rules {
			if _, err := s.results.DeleteResults(ctx, sourceOf(ns), r); err != nil {
				return nil, resultsErr(err)
			}
		}
	}
	return &shape.Empty{}, nil
}
