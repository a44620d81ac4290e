package managed

import (
	"bytes"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Resource types of the S3 rules.
const (
	typeBucket                   = "AWS::S3::Bucket"
	typeAccountPublicAccessBlock = "AWS::S3::AccountPublicAccessBlock"
)

// The supplementary configuration entries the S3 rules read.
const (
	supVersioning        = "BucketVersioningConfiguration"
	supPublicAccessBlock = "PublicAccessBlockConfiguration"
	supPolicy            = "BucketPolicy"
	supACL               = "AccessControlList"
)

// S3_BUCKET_VERSIONING_ENABLED (managed-rules.md row 1).

var s3BucketVersioningEnabled = newRule("S3_BUCKET_VERSIONING_ENABLED", []string{typeBucket}, nil, nil, evalVersioning)

// evalVersioning reads supplementaryConfiguration.BucketVersioningConfiguration:
// {"status":"Off"|"Suspended"|"Enabled","isMfaDeleteEnabled":null|bool}.
func evalVersioning(it *inventory.Item, p Params, _ Env) Verdict {
	doc, err := document(it.SupplementaryConfiguration[supVersioning])
	if err != nil {
		return insufficient("supplementaryConfiguration."+supVersioning, err)
	}
	if doc == nil {
		return verdict(compliance.NonCompliant, "the bucket's versioning configuration is not recorded")
	}
	var status []byte
	var mfa bool
	m := members(doc)
	for m.next() {
		switch {
		case m.is("status"):
			status = str(m.val)
		case m.is("isMfaDeleteEnabled"):
			mfa = boolean(m.val)
		}
	}
	if err := m.end(); err != nil {
		return insufficient("supplementaryConfiguration."+supVersioning, err)
	}
	if string(status) != "Enabled" {
		return verdict(compliance.NonCompliant, "versioning status is "+quote(string(status)))
	}
	// Only the lowercase string "true" asks for MFA delete (§"Rules
	// common to all ten", item 4); null in the CI is false [INF].
	if v, _ := p.get("isMfaDeleteEnabled"); v == "true" && !mfa {
		return verdict(compliance.NonCompliant, "versioning is enabled but MFA delete is not")
	}
	return verdict(compliance.Compliant, "")
}

// S3_BUCKET_PUBLIC_READ_PROHIBITED (managed-rules.md row 9).

var s3BucketPublicReadProhibited = newRule("S3_BUCKET_PUBLIC_READ_PROHIBITED", []string{typeBucket},
	[]string{typeAccountPublicAccessBlock}, nil, evalPublicRead)

// publicAccessBlock is a bucket's
// supplementaryConfiguration.PublicAccessBlockConfiguration, and the
// configuration of an AWS::S3::AccountPublicAccessBlock.
type publicAccessBlock struct {
	blockPublicAcls, ignorePublicAcls, blockPublicPolicy, restrictPublicBuckets bool
}

// readPublicAccessBlock reads the flags of the document raw (absent: none
// set).
func readPublicAccessBlock(raw []byte) (publicAccessBlock, error) {
	var b publicAccessBlock
	doc, err := document(raw)
	if err != nil || doc == nil {
		return b, err
	}
	m := members(doc)
	for m.next() {
		switch {
		case m.is("blockPublicAcls"):
			b.blockPublicAcls = boolean(m.val)
		case m.is("ignorePublicAcls"):
			b.ignorePublicAcls = boolean(m.val)
		case m.is("blockPublicPolicy"):
			b.blockPublicPolicy = boolean(m.val)
		case m.is("restrictPublicBuckets"):
			b.restrictPublicBuckets = boolean(m.val)
		}
	}
	return b, m.end()
}

// or returns the flags set in either b or o.
func (b publicAccessBlock) or(o publicAccessBlock) publicAccessBlock {
	return publicAccessBlock{
		b.blockPublicAcls || o.blockPublicAcls, b.ignorePublicAcls || o.ignorePublicAcls,
		b.blockPublicPolicy || o.blockPublicPolicy, b.restrictPublicBuckets || o.restrictPublicBuckets,
	}
}

// policies reports whether the flags restrict public bucket policies, and
// acls whether they restrict public ACLs [INF: the mapping of
// managed-rules.md row 9].
func (b publicAccessBlock) policies() bool { return b.blockPublicPolicy || b.restrictPublicBuckets }
func (b publicAccessBlock) acls() bool     { return b.blockPublicAcls || b.ignorePublicAcls }

// accountPublicAccessBlock returns the flags of the account-level public
// access blocks of the source that env gives (several are OR'd; one whose
// configuration cannot be read counts as none).
func accountPublicAccessBlock(env Env, src inventory.Source) publicAccessBlock {
	var acct publicAccessBlock
	related(env, typeAccountPublicAccessBlock, src, func(it *inventory.Item) bool {
		if b, err := readPublicAccessBlock(it.Configuration); err == nil {
			acct = acct.or(b)
		}
		return true
	})
	return acct
}

func evalPublicRead(it *inventory.Item, _ Params, env Env) Verdict {
	pab, err := readPublicAccessBlock(it.SupplementaryConfiguration[supPublicAccessBlock])
	if err != nil {
		return insufficient("supplementaryConfiguration."+supPublicAccessBlock, err)
	}
	if env != nil {
		pab = pab.or(derive(env, "S3_BUCKET_PUBLIC_READ_PROHIBITED", it.Source, func() publicAccessBlock {
			return accountPublicAccessBlock(env, it.Source)
		}))
	}
	if !pab.policies() {
		public, err := policyAllowsPublicRead(it.SupplementaryConfiguration[supPolicy])
		if err != nil {
			return insufficient("the bucket policy", err)
		}
		if public {
			return verdict(compliance.NonCompliant, "the bucket policy allows public read access")
		}
	}
	if !pab.acls() {
		perm, group, err := aclPublicReadGrant(it.SupplementaryConfiguration[supACL])
		if err != nil {
			return insufficient("supplementaryConfiguration."+supACL, err)
		}
		if group != nil {
			return verdict(compliance.NonCompliant, "the bucket ACL grants "+string(perm)+" to "+string(group))
		}
	}
	return verdict(compliance.Compliant, "")
}

// policyAllowsPublicRead reports whether the BucketPolicy entry raw,
// {"policyText": null | "<the policy document, as JSON text>"}, has a
// public-read statement. An absent entry or policyText is no policy.
func policyAllowsPublicRead(raw []byte) (bool, error) {
	doc, err := document(raw)
	if err != nil || doc == nil {
		return false, err
	}
	var text []byte
	m := members(doc)
	for m.next() {
		if m.is("policyText") {
			text = m.val
		}
	}
	if err := m.end(); err != nil {
		return false, err
	}
	policy, err := document(text)
	if err != nil || policy == nil {
		return false, err
	}
	var stmts []byte
	m = members(policy)
	for m.next() {
		if m.is("Statement") {
			stmts = m.val
		}
	}
	if err := m.end(); err != nil {
		return false, err
	}
	// Statement is one statement or an array of them.
	if len(stmts) > 0 && stmts[0] == '{' {
		return statementPublic(stmts)
	}
	if len(stmts) == 0 || stmts[0] != '[' {
		return false, nil
	}
	ss := elements(stmts)
	for ss.next() {
		if public, err := statementPublic(ss.val); public || err != nil {
			return public, err
		}
	}
	return false, ss.err
}

// statementPublic reports whether the statement allows everyone to read,
// without condition: Effect Allow; Principal "*" or {"AWS": "*" or a list
// holding "*"}, or a NotPrincipal (Allow with NotPrincipal allows everyone
// else); an Action (or NotAction, which grants what it does not list)
// covering one of readActions; no Condition (any is taken to limit it)
// [INF].
func statementPublic(v []byte) (bool, error) {
	var allow, everyone, condition bool
	var action, notAction []byte
	m := members(v)
	for m.next() {
		switch {
		case m.is("Effect"):
			allow = bytes.EqualFold(str(m.val), []byte("Allow"))
		case m.is("Principal"):
			everyone = everyone || principalEveryone(m.val)
		case m.is("NotPrincipal"):
			everyone = everyone || !isNull(m.val)
		case m.is("Action"):
			action = m.val
		case m.is("NotAction"):
			notAction = m.val
		case m.is("Condition"):
			cm := members(m.val)
			condition = cm.next() || cm.err != nil
		}
	}
	if err := m.end(); err != nil {
		return false, err
	}
	return allow && everyone && !condition && grantsRead(action, notAction), nil
}

// principalEveryone reports whether a Principal is everyone: "*", or an
// object whose AWS member is "*" or an array holding it.
func principalEveryone(v []byte) bool {
	if strIs(v, "*") {
		return true
	}
	everyone := false
	m := members(v)
	for m.next() {
		if m.is("AWS") {
			eachString(m.val, func(s []byte) bool {
				everyone = everyone || string(s) == "*"
				return !everyone
			})
		}
	}
	return everyone
}

// eachString calls yield with each string of v, a string or an array
// (other elements are skipped), until it returns false; it returns how
// many strings there were.
func eachString(v []byte, yield func([]byte) bool) int {
	if len(v) > 0 && v[0] == '"' {
		yield(str(v))
		return 1
	}
	n := 0
	es := elements(v)
	for es.next() {
		if s, ok := unquote(es.val); ok {
			n++
			if !yield(s) {
				break
			}
		}
	}
	return n
}

// readActions are the actions that read a bucket's objects or list them.
var readActions = [...]string{"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"}

// grantsRead reports whether a statement's Action (or, without one, its
// NotAction) covers one of readActions.
func grantsRead(action, notAction []byte) bool {
	covers := false
	if eachString(action, func(pat []byte) bool {
		for _, a := range readActions {
			covers = covers || globMatch(pat, a)
		}
		return !covers
	}) > 0 {
		return covers
	}
	for _, a := range readActions {
		excluded := false
		if eachString(notAction, func(pat []byte) bool {
			excluded = globMatch(pat, a)
			return !excluded
		}) > 0 && !excluded {
			return true
		}
	}
	return false
}

// globMatch reports whether s matches the IAM pattern pat, in which *
// matches any run of characters and ? any one, case-insensitively (ASCII).
func globMatch(pat []byte, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pat) && pat[px] == '*':
			starP, starS = px, sx
			px++
		case px < len(pat) && (pat[px] == '?' || lower(pat[px]) == lower(s[sx])):
			px++
			sx++
		case starP >= 0:
			starS++
			px, sx = starP+1, starS
		default:
			return false
		}
	}
	for px < len(pat) && pat[px] == '*' {
		px++
	}
	return px == len(pat)
}

// aclPublicReadGrant returns the permission and grantee group of a
// public-read grant of the AccessControlList entry raw, or nils. The entry
// is {"grantSet": null | [grants], "grantList": [grants], "owner": …} (a
// JSON string in every form, twice encoded in the API form); a grant is
// {"grantee": "AllUsers" | {"id": …} | …, "permission": "Read" | …}.
func aclPublicReadGrant(raw []byte) (perm, group []byte, err error) {
	doc, err := document(raw)
	if err != nil || doc == nil {
		return nil, nil, err
	}
	m := members(doc)
	for m.next() {
		if !m.is("grantList") && !m.is("grantSet") {
			continue
		}
		gs := elements(m.val)
		for gs.next() {
			p, g, err := readGrant(gs.val)
			if err != nil {
				return nil, nil, err
			}
			if group == nil && publicGroup(g) && readsObjects(p) {
				perm, group = p, g
			}
		}
		if gs.err != nil {
			return nil, nil, gs.err
		}
	}
	if err := m.end(); err != nil {
		return nil, nil, err
	}
	return perm, group, nil
}

// readGrant returns a grant's permission and its grantee's group name
// (nil for a canonical user). A group grantee is a string in AWS's CIs
// (AllUsers, AuthenticatedUsers, LogDelivery), or an object's identifier
// or uri in other serialisations; a URI names the group by its last
// segment (http://acs.amazonaws.com/groups/global/AllUsers).
func readGrant(v []byte) (perm, group []byte, err error) {
	m := members(v)
	for m.next() {
		switch {
		case m.is("permission"):
			perm = str(m.val)
		case m.is("grantee"):
			if len(m.val) > 0 && m.val[0] == '"' {
				group = str(m.val)
				continue
			}
			g := members(m.val)
			for g.next() {
				if g.is("identifier") || g.is("uri") {
					if s := str(g.val); len(s) > 0 {
						group = s
					}
				}
			}
			if err := g.end(); err != nil {
				return nil, nil, err
			}
		}
	}
	if i := bytes.LastIndexByte(group, '/'); i >= 0 {
		group = group[i+1:]
	}
	return perm, group, m.end()
}

// publicGroup reports whether the group is everyone (AllUsers) or every
// AWS user (AuthenticatedUsers).
func publicGroup(g []byte) bool {
	return bytes.EqualFold(g, []byte("AllUsers")) || bytes.EqualFold(g, []byte("AuthenticatedUsers"))
}

// readsObjects reports whether an ACL permission lets the grantee read
// objects: Read or FullControl (or the API's READ, FULL_CONTROL).
func readsObjects(p []byte) bool {
	return bytes.EqualFold(p, []byte("Read")) || bytes.EqualFold(p, []byte("FullControl")) ||
		bytes.EqualFold(p, []byte("FULL_CONTROL"))
}
