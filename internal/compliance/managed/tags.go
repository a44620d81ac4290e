package managed

import (
	"fmt"
	"strings"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// REQUIRED_TAGS (managed-rules.md row 5).

// requiredTagsTypes are the 30 types of the rule's 2023 page.
var requiredTagsTypes = []string{
	"AWS::ACM::Certificate",
	"AWS::AutoScaling::AutoScalingGroup",
	"AWS::CloudFormation::Stack",
	"AWS::CodeBuild::Project",
	"AWS::DynamoDB::Table",
	"AWS::EC2::CustomerGateway",
	"AWS::EC2::Instance",
	"AWS::EC2::InternetGateway",
	"AWS::EC2::NetworkAcl",
	"AWS::EC2::NetworkInterface",
	"AWS::EC2::RouteTable",
	"AWS::EC2::SecurityGroup",
	"AWS::EC2::Subnet",
	"AWS::EC2::Volume",
	"AWS::EC2::VPC",
	"AWS::EC2::VPNConnection",
	"AWS::EC2::VPNGateway",
	"AWS::ElasticLoadBalancing::LoadBalancer",
	"AWS::ElasticLoadBalancingV2::LoadBalancer",
	"AWS::RDS::DBInstance",
	"AWS::RDS::DBSecurityGroup",
	"AWS::RDS::DBSnapshot",
	"AWS::RDS::DBSubnetGroup",
	"AWS::RDS::EventSubscription",
	"AWS::Redshift::Cluster",
	"AWS::Redshift::ClusterParameterGroup",
	"AWS::Redshift::ClusterSecurityGroup",
	"AWS::Redshift::ClusterSnapshot",
	"AWS::Redshift::ClusterSubnetGroup",
	"AWS::S3::Bucket",
}

var requiredTags = tagsOnly(newRule("REQUIRED_TAGS", requiredTagsTypes, nil,
	func(p Params) error {
		_, err := tagRequirements(p)
		return err
	},
	evalRequiredTags))

// tagParams are the names of the tagN{Key,Value} parameters.
var tagParams = [6][2]string{
	{"tag1Key", "tag1Value"}, {"tag2Key", "tag2Value"}, {"tag3Key", "tag3Value"},
	{"tag4Key", "tag4Value"}, {"tag5Key", "tag5Value"}, {"tag6Key", "tag6Value"},
}

// defaultTag1Key is tag1Key's default.
const defaultTag1Key = "CostCenter"

// tagRequirement is one required tag: its key and, unless "", the
// comma-separated values it may have.
type tagRequirement struct {
	key, values string
}

// tagRequirements returns the required tags of p, up to 6, the first
// being tag1Key (CostCenter when not set). A tagNValue without its tagNKey
// (N > 1) is an error [INF].
func tagRequirements(p Params) ([6]tagRequirement, error) {
	var reqs [6]tagRequirement
	for i, names := range tagParams {
		key, hasKey := p.get(names[0])
		values, hasValues := p.get(names[1])
		switch {
		case !hasKey && i == 0:
			key = defaultTag1Key
		case !hasKey && hasValues:
			return reqs, fmt.Errorf("parameter %s is set without %s", names[1], names[0])
		case !hasKey:
			continue
		}
		reqs[i] = tagRequirement{key, values}
	}
	return reqs, nil
}

// allowed reports whether v is one of the comma-separated values of list,
// each trimmed of white space; empty elements are skipped. The comparison
// is exact and case-sensitive [INF].
func allowed(v, list string) bool {
	for list != "" {
		var e string
		e, list, _ = strings.Cut(list, ",")
		if e = strings.TrimSpace(e); e != "" && e == v {
			return true
		}
	}
	return false
}

// evalRequiredTags is COMPLIANT iff the item's tags (the top-level tags
// map, present in every form) have every required key, with one of its
// allowed values when those are given.
func evalRequiredTags(it *inventory.Item, p Params, _ Env) Verdict {
	reqs, err := tagRequirements(p)
	if err != nil {
		return invalidParams(err)
	}
	for _, r := range reqs {
		if r.key == "" {
			continue
		}
		v, ok := it.Tags[r.key]
		switch {
		case !ok:
			return verdict(compliance.NonCompliant, "the resource has no tag "+quote(r.key))
		case r.values != "" && !allowed(v, r.values):
			return verdict(compliance.NonCompliant, "tag "+quote(r.key)+" has value "+quote(v)+", not one of "+quote(r.values))
		}
	}
	return verdict(compliance.Compliant, "")
}
