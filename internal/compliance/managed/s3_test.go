package managed

import (
	"testing"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

const (
	C  = compliance.Compliant
	NC = compliance.NonCompliant
	NA = compliance.NotApplicable
	ID = compliance.InsufficientData
)

func TestS3BucketVersioningEnabled(t *testing.T) {
	file := load(t, "rdk_ci_file_form_s3_bucket.json")
	api := load(t, "api_form_s3_bucket.json")
	bucket := item("AWS::S3::Bucket", "b", `{"name":"b"}`)
	ver := func(raw string) inventory.Item { return withSup(bucket, "BucketVersioningConfiguration", raw) }
	runCases(t, "S3_BUCKET_VERSIONING_ENABLED", []evalCase{
		{name: "file form, Enabled", it: file, want: C},
		{name: "API form, Suspended (a JSON string)", it: api, want: NC, annotation: `"Suspended"`},
		{name: "object Off", it: ver(`{"status":"Off","isMfaDeleteEnabled":null}`), want: NC, annotation: `"Off"`},
		{name: "string Enabled", it: ver(jsonString(`{"status":"Enabled","isMfaDeleteEnabled":null}`)), want: C},
		{name: "twice-encoded Enabled", it: ver(jsonString(jsonString(`{"status":"Enabled"}`))), want: C},
		{name: "string Suspended", it: ver(jsonString(`{"status":"Suspended","isMfaDeleteEnabled":null}`)), want: NC},
		{name: "status null", it: ver(`{"status":null}`), want: NC},
		{name: "status is case-sensitive", it: ver(`{"status":"enabled"}`), want: NC},
		{name: "status of the wrong type", it: ver(`{"status":1}`), want: NC},
		{name: "no versioning entry", it: bucket, want: NC, annotation: "not recorded"},
		{name: "entry null", it: ver(`null`), want: NC},
		{name: "MFA asked, null in the CI", it: file, params: Params{"isMfaDeleteEnabled": "true"}, want: NC, annotation: "MFA"},
		{name: "MFA asked, false in the CI", it: ver(`{"status":"Enabled","isMfaDeleteEnabled":false}`), params: Params{"isMfaDeleteEnabled": "true"}, want: NC},
		{name: "MFA asked and enabled", it: ver(`{"status":"Enabled","isMfaDeleteEnabled":true}`), params: Params{"isMfaDeleteEnabled": " true "}, want: C},
		{name: "MFA asked, suspended", it: ver(`{"status":"Suspended","isMfaDeleteEnabled":true}`), params: Params{"isMfaDeleteEnabled": "true"}, want: NC},
		{name: "MFA parameter TRUE is not true", it: file, params: Params{"isMfaDeleteEnabled": "TRUE"}, want: C},
		{name: "MFA parameter false", it: file, params: Params{"isMfaDeleteEnabled": "false"}, want: C},
		{name: "malformed entry", it: ver(`{"status":`), want: ID, annotation: "BucketVersioningConfiguration"},
		{name: "entry an array", it: ver(`["Enabled"]`), want: ID},
		{name: "entry a string that is not JSON", it: ver(`"Enabled"`), want: ID},
		{name: "malformed configuration is not read", it: withConf(file, `{"name":`), want: C},
	})
}

// publicACL is an AccessControlList (decoded) whose grants are grants.
func publicACL(grants string) string {
	return `{"grantSet":null,"grantList":[{"grantee":{"id":"8ac8","displayName":null},"permission":"FullControl"}` + grants + `],"owner":{"displayName":null,"id":"8ac8"},"isRequesterCharged":false}`
}

// policyEntry is a BucketPolicy entry (file form) holding the policy text.
func policyEntry(policy string) string {
	return `{"policyText":` + jsonString(policy) + `}`
}

func TestS3BucketPublicReadProhibited(t *testing.T) {
	file := load(t, "rdk_ci_file_form_s3_bucket.json")
	api := load(t, "api_form_s3_bucket.json") // AllUsers Read, PAB all false
	acct := load(t, "rdk_ci_s3_account_public_access_block.json")
	apiSrc := api.Source
	// The account PAB of the API bucket's source, with the flags given.
	acctPAB := func(conf string) inventory.Item {
		it := withConf(acct, conf)
		it.Source = apiSrc
		it.ResourceID = apiSrc.AccountID
		return it
	}
	allTrue := `{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":true,"restrictPublicBuckets":true}`
	bucket := item("AWS::S3::Bucket", "b", `{"name":"b"}`)
	withPolicy := func(policy string) inventory.Item { return withSup(bucket, "BucketPolicy", policyEntry(policy)) }
	withACL := func(acl string) inventory.Item { return withSup(bucket, "AccessControlList", jsonString(acl)) }
	publicPolicy := `{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	stmt := func(s string) inventory.Item { return withPolicy(`{"Version":"2012-10-17","Statement":[` + s + `]}`) }
	pab := func(it inventory.Item, flags string) inventory.Item {
		return withSup(it, "PublicAccessBlockConfiguration", flags)
	}
	runCases(t, "S3_BUCKET_PUBLIC_READ_PROHIBITED", []evalCase{
		{name: "file form: Deny policy, owner-only ACL", it: file, want: C},
		{name: "file form, with the account PAB of another source", it: file, env: envOf(acct), want: C},
		{name: "API form: AllUsers Read, twice-encoded ACL", it: api, want: NC, annotation: "Read to AllUsers"},
		{name: "API form, account PAB blocks ACLs", it: api, env: envOf(acctPAB(`{"blockPublicAcls":true,"ignorePublicAcls":false,"blockPublicPolicy":false,"restrictPublicBuckets":false}`)), want: C},
		{name: "API form, account PAB ignores ACLs, plain env", it: api, env: plainEnv{acctPAB(`{"ignorePublicAcls":true}`)}, want: C},
		{name: "API form, account PAB blocks policies only", it: api, env: envOf(acctPAB(`{"blockPublicPolicy":true,"restrictPublicBuckets":true}`)), want: NC},
		{name: "API form, account PAB of another region", it: api, env: envOf(withSource(acctPAB(allTrue), inventory.Source{AccountID: apiSrc.AccountID, Region: "eu-west-1"})), want: NC},
		{name: "API form, account PAB deleted", it: api, env: envOf(withStatus(acctPAB(allTrue), inventory.StatusResourceDeleted)), want: NC},
		{name: "API form, account PAB unreadable", it: api, env: envOf(acctPAB(`{"blockPublicAcls":`)), want: NC},
		{name: "API form, bucket PAB ignores ACLs", it: pab(api, jsonString(`{"blockPublicAcls":false,"ignorePublicAcls":true,"blockPublicPolicy":false,"restrictPublicBuckets":false}`)), want: C},
		{name: "API form, bucket PAB blocks policies only", it: pab(api, `{"blockPublicPolicy":true}`), want: NC},
		{name: "bucket PAB malformed", it: pab(bucket, `{"blockPublicAcls":`), want: ID, annotation: "PublicAccessBlockConfiguration"},
		{name: "no policy, no ACL", it: bucket, want: C},
		{name: "policyText null", it: withSup(bucket, "BucketPolicy", `{"policyText":null}`), want: C},
		{name: "policy: Allow * s3:GetObject", it: withPolicy(publicPolicy), want: NC, annotation: "policy"},
		{name: "policy in the API form (entry a string)", it: withSup(bucket, "BucketPolicy", jsonString(policyEntry(publicPolicy))), want: NC},
		{name: "policy as an object", it: withSup(bucket, "BucketPolicy", `{"policyText":`+publicPolicy+`}`), want: NC},
		{name: "policy: single statement object", it: withPolicy(`{"Statement":{"Effect":"Allow","Principal":"*","Action":["s3:PutObject","s3:GetObject"]}}`), want: NC},
		{name: "policy: AWS * s3:Get*", it: stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:Get*"}`), want: NC},
		{name: "policy: AWS list with *, s3:*", it: stmt(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","*"]},"Action":"s3:*"}`), want: NC},
		{name: "policy: Action *", it: stmt(`{"Effect":"Allow","Principal":"*","Action":"*"}`), want: NC},
		{name: "policy: s3:List*", it: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:List*"}`), want: NC},
		{name: "policy: action case-insensitive", it: stmt(`{"Effect":"Allow","Principal":"*","Action":"S3:GETOBJECT"}`), want: NC},
		{name: "policy: s3:GetObj?ct", it: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObj?ct"}`), want: NC},
		{name: "policy: NotAction s3:DeleteObject", it: stmt(`{"Effect":"Allow","Principal":"*","NotAction":"s3:DeleteObject"}`), want: NC},
		{name: "policy: NotAction s3:*", it: stmt(`{"Effect":"Allow","Principal":"*","NotAction":"s3:*"}`), want: C},
		{name: "policy: NotPrincipal", it: stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject"}`), want: NC},
		{name: "policy: one account", it: stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject"}`), want: C},
		{name: "policy: service principal", it: stmt(`{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:GetObject"}`), want: C},
		{name: "policy: with Condition", it: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`), want: C},
		{name: "policy: empty Condition", it: stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{}}`), want: NC},
		{name: "policy: write only", it: stmt(`{"Effect":"Allow","Principal":"*","Action":["s3:PutObject","s3:GetObjectAcl"]}`), want: C},
		{name: "policy: Deny", it: stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject"}`), want: C},
		{name: "policy: public, bucket PAB restricts public buckets", it: pab(withPolicy(publicPolicy), `{"restrictPublicBuckets":true}`), want: C},
		{name: "policy: public, account PAB blocks public policy", it: withPolicy(publicPolicy), env: envOf(withConf(item(typeAccountPublicAccessBlock, testSource.AccountID, ""), `{"blockPublicPolicy":true}`)), want: C},
		{name: "policy text not JSON", it: withSup(bucket, "BucketPolicy", `{"policyText":"not json"}`), want: ID, annotation: "policy"},
		{name: "policy text not JSON, policies blocked", it: pab(withSup(bucket, "BucketPolicy", `{"policyText":"not json"}`), `{"blockPublicPolicy":true}`), want: C},
		{name: "policy Statement of the wrong shape", it: withPolicy(`{"Statement":[1]}`), want: ID},
		{name: "ACL: AllUsers Read", it: withACL(publicACL(`,{"grantee":"AllUsers","permission":"Read"}`)), want: NC, annotation: "Read to AllUsers"},
		{name: "ACL: AuthenticatedUsers FullControl", it: withACL(publicACL(`,{"grantee":"AuthenticatedUsers","permission":"FullControl"}`)), want: NC},
		{name: "ACL: group URI, READ", it: withACL(publicACL(`,{"grantee":"http://acs.amazonaws.com/groups/global/AllUsers","permission":"READ"}`)), want: NC},
		{name: "ACL: grantee object with identifier", it: withACL(publicACL(`,{"grantee":{"identifier":"http://acs.amazonaws.com/groups/global/AuthenticatedUsers","typeIdentifier":"uri"},"permission":"FULL_CONTROL"}`)), want: NC},
		{name: "ACL: in grantSet", it: withACL(`{"grantSet":[{"grantee":"AllUsers","permission":"Read"}],"grantList":null}`), want: NC},
		{name: "ACL: file form (one string level)", it: withSup(bucket, "AccessControlList", jsonString(publicACL(`,{"grantee":"AllUsers","permission":"Read"}`))), want: NC},
		{name: "ACL: as an object", it: withSup(bucket, "AccessControlList", publicACL(`,{"grantee":"AllUsers","permission":"Read"}`)), want: NC},
		{name: "ACL: AllUsers ReadAcp", it: withACL(publicACL(`,{"grantee":"AllUsers","permission":"ReadAcp"}`)), want: C},
		{name: "ACL: AllUsers Write", it: withACL(publicACL(`,{"grantee":"AllUsers","permission":"Write"}`)), want: C},
		{name: "ACL: LogDelivery Read", it: withACL(publicACL(`,{"grantee":"LogDelivery","permission":"Read"}`)), want: C},
		{name: "ACL: public, bucket PAB blocks ACLs", it: pab(withACL(publicACL(`,{"grantee":"AllUsers","permission":"Read"}`)), `{"blockPublicAcls":true}`), want: C},
		{name: "ACL: malformed", it: withSup(bucket, "AccessControlList", jsonString(`{"grantList":[`)), want: ID, annotation: "AccessControlList"},
		{name: "ACL: malformed, ACLs ignored", it: pab(withSup(bucket, "AccessControlList", jsonString(`{"grantList":[`)), `{"ignorePublicAcls":"true"}`), want: C},
		{name: "ACL: grantList not an array", it: withACL(`{"grantList":{"grantee":"AllUsers"}}`), want: ID},
	})
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "s3:GetObject", true},
		{"s3:*", "s3:GetObject", true},
		{"s3:Get*", "s3:GetObject", true},
		{"s3:get*", "s3:GetObject", true},
		{"s3:Get*Version", "s3:GetObjectVersion", true},
		{"s3:Get*Version", "s3:GetObject", false},
		{"s3:GetObject", "s3:GetObjectVersion", false},
		{"s3:?etObject", "s3:GetObject", true},
		{"s3:Put*", "s3:GetObject", false},
		{"", "s3:GetObject", false},
		{"**", "x", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
	} {
		if got := globMatch([]byte(tc.pat), tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}
