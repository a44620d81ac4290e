package generate

import (
	"strconv"
	"time"
)

// accountIAM is an account's IAM resources (global: recorded in the home
// region only). Every source of the account plans it the same way, so that
// a Lambda function in any region can name a role that exists.
type accountIAM struct {
	roles, policies, users, groups []iamRes
	// lambdaRoles index roles that Lambda functions run as.
	lambdaRoles []int
}

type iamRes struct {
	name, path, id string
	created        time.Time
	policies       []int // attached customer managed policies
	groups         []int // a user's groups
}

// serviceRoles are the roles every account of an organization has.
var serviceRoles = []struct{ name, path string }{
	{"AWSServiceRoleForConfig", "/aws-service-role/config.amazonaws.com/"},
	{"OrganizationAccountAccessRole", "/"},
	{"AWSServiceRoleForOrganizations", "/aws-service-role/organizations.amazonaws.com/"},
	{"AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/"},
	{"AWSServiceRoleForTrustedAdvisor", "/aws-service-role/trustedadvisor.amazonaws.com/"},
	{"AWSServiceRoleForSSO", "/aws-service-role/sso.amazonaws.com/"},
	{"AWSServiceRoleForAutoScaling", "/aws-service-role/autoscaling.amazonaws.com/"},
	{"AWSServiceRoleForElasticLoadBalancing", "/aws-service-role/elasticloadbalancing.amazonaws.com/"},
	{"AWSServiceRoleForRDS", "/aws-service-role/rds.amazonaws.com/"},
	{"AWSServiceRoleForECS", "/aws-service-role/ecs.amazonaws.com/"},
}

// planIAM plans the account's IAM resources: about 12% of a source's
// resources, 60% of them roles.
func planIAM(p *Plan, a *Account) *accountIAM {
	r := newRand(p.opts.Seed, "iam", a.ID)
	n := p.opts.ResourcesPerSource * 12 / 100
	nPol, nUsers, nGroups := n*3/10, n*6/100, n*4/100
	nRoles := n - nPol - nUsers - nGroups
	out := &accountIAM{}
	names, seq := map[string]bool{}, map[string]int{}
	uniq := func(s string) string {
		base := s
		for names[s] {
			seq[base]++
			s = base + "-" + strconv.Itoa(seq[base]+1)
		}
		names[s] = true
		return s
	}
	created := func() time.Time {
		return p.opts.End.Add(-time.Duration(r.Int64N(int64(4*365*24*time.Hour))) - 24*time.Hour).Truncate(time.Second)
	}
	for i := range nRoles {
		var name, path string
		switch {
		case i < len(serviceRoles):
			name, path = serviceRoles[i].name, serviceRoles[i].path
		case i == len(serviceRoles):
			name, path = "AWSReservedSSO_AdministratorAccess_"+randString(r, hexDigits, 16), "/aws-reserved/sso.amazonaws.com/"
		default:
			app := pick(r, a.Apps)
			suffix := pick(r, []string{"lambda-role", "ec2-role", "ecs-task-role", "ci-deploy-role", "readonly-role"})
			if suffix == "lambda-role" {
				suffix = pick(r, fnWords) + "-lambda-role"
			}
			name, path = uniq(app+"-"+suffix), "/"
			if len(suffix) > 12 && suffix[len(suffix)-11:] == "lambda-role" {
				out.lambdaRoles = append(out.lambdaRoles, i)
			}
		}
		names[name] = true
		out.roles = append(out.roles, iamRes{name: name, path: path, id: iamID(r, "AROA"), created: created()})
	}
	for range nPol {
		name := uniq(pick(r, a.Apps) + "-" + pick(r, []string{"s3-read", "s3-write", "dynamodb-access", "sqs-consume", "kms-decrypt", "logs-write", "secrets-read", "deploy"}))
		out.policies = append(out.policies, iamRes{name: name, path: "/", id: iamID(r, "ANPA"), created: created()})
	}
	for range nGroups {
		name := uniq(pick(r, []string{"admins", "developers", "readonly", "billing", "oncall", "auditors"}))
		out.groups = append(out.groups, iamRes{name: name, path: "/", id: iamID(r, "AGPA"), created: created()})
	}
	for range nUsers {
		name := uniq(pick(r, []string{"ci", "terraform", "backup", "legacy-app", "monitoring", "breakglass"}) + "-user")
		u := iamRes{name: name, path: "/", id: iamID(r, "AIDA"), created: created()}
		if len(out.groups) > 0 {
			u.groups = []int{r.IntN(len(out.groups))}
		}
		out.users = append(out.users, u)
	}
	// Attach policies: each app role and user to up to two policies.
	attach := func(x *iamRes) {
		if len(out.policies) == 0 {
			return
		}
		for range r.IntN(3) {
			j := r.IntN(len(out.policies))
			if !containsInt(x.policies, j) {
				x.policies = append(x.policies, j)
			}
		}
	}
	for i := len(serviceRoles); i < len(out.roles); i++ {
		attach(&out.roles[i])
	}
	for i := range out.users {
		attach(&out.users[i])
	}
	for i := range out.groups {
		attach(&out.groups[i])
	}
	if len(out.lambdaRoles) == 0 && len(out.roles) > 1 {
		out.lambdaRoles = []int{1} // OrganizationAccountAccessRole, for want of one
	}
	return out
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func iamARN(account, what, path, name string) string {
	return "arn:aws:iam::" + account + ":" + what + path + name
}

// planIAM adds the account's IAM resources to the home region's source.
func (s *source) planIAM() {
	iam := s.iam
	add := func(k kind, x iamRes, what string) int32 {
		i := s.add(k, x.id, x.name, iamARN(s.acct.ID, what, x.path, x.name), "Not Applicable")
		s.res[i].created = x.created
		s.res[i].app = ""
		return i
	}
	roles := make([]int32, len(iam.roles))
	for j, x := range iam.roles {
		roles[j] = add(kRole, x, "role")
	}
	pols := make([]int32, len(iam.policies))
	for j, x := range iam.policies {
		pols[j] = add(kPolicy, x, "policy")
	}
	groups := make([]int32, len(iam.groups))
	for j, x := range iam.groups {
		groups[j] = add(kGroup, x, "group")
	}
	users := make([]int32, len(iam.users))
	for j, x := range iam.users {
		users[j] = add(kUser, x, "user")
	}
	for j, x := range iam.roles {
		for _, pj := range x.policies {
			s.relate(roles[j], pols[pj], "Is attached to CustomerManagedPolicy", "Is attached to Role")
			s.res[pols[pj]].n++
		}
	}
	for j, x := range iam.groups {
		for _, pj := range x.policies {
			s.relate(groups[j], pols[pj], "Is attached to CustomerManagedPolicy", "")
			s.res[pols[pj]].n++
		}
	}
	for j, x := range iam.users {
		for _, pj := range x.policies {
			s.relate(users[j], pols[pj], "Is attached to CustomerManagedPolicy", "")
			s.res[pols[pj]].n++
		}
		for _, gj := range x.groups {
			s.relate(users[j], groups[gj], "Is attached to Group", "Contains User")
		}
	}
	s.evaluable = append(s.evaluable, roles...)
}
