// Package managed evaluates AWS Config managed rules offline, as pure
// functions over configuration items (inventory.Item): no I/O, no clock,
// the same verdict for the same inputs. The reference is the steering note
// managed-rules.md (cited below as "spec", its table rows as "row N"); the
// CI shapes are those of config-data-and-query.md §A.3 and §B. Tags in
// brackets say where a behaviour comes from, as in the spec: [DOC] the
// rule's AWS page, [IMPL] AWS's published re-implementations, [INF] our
// reading where AWS says nothing, to check against real AWS when possible.
//
// # Use
//
//	r, ok := managed.Lookup("RESTRICTED_INCOMING_TRAFFIC")  // false: not evaluated by Starling
//	p, err := managed.ParseParams(rule.InputParameters)      // PutConfigRule: refuse on err
//	err = r.ValidateParams(p)                                 // PutConfigRule: refuse on err
//	v := r.Evaluate(&item, p, env)                            // one Verdict per item in r.ResourceTypes
//
// Identifiers lists the rules. A Rule's Evaluate may be called
// concurrently.
//
// # Rules that read other resources
//
// VPC_FLOW_LOGS_ENABLED joins each VPC to the flow logs of its account and
// region, and S3_BUCKET_PUBLIC_READ_PROHIBITED ORs a bucket's public access
// block with the account-level one: a verdict depends on other CIs than
// the one evaluated. Such a rule lists those types in Rule.Related, and
// Evaluate takes an Env that gives it the items of those types of the same
// source (account and region); the caller supplies them, so evaluation
// stays pure. The rule itself leaves out related items that are deleted,
// not recorded, or of another source (Key.Source differs from the
// evaluated item's). NewSourceEnv builds an Env over a slice of items; it
// also remembers what rules derive from them (the flow-log index), so that
// evaluating all the VPCs of a source decodes each flow log once. Build one
// per source and evaluation pass; it must not outlive a change to its
// items. Rules without Related types ignore their Env (nil is fine).
//
// # Common to all rules
//
//   - An item whose status is ResourceDeleted, ResourceDeletedNotRecorded or
//     ResourceNotRecorded is NOT_APPLICABLE (spec, "Rules common to all
//     ten", item 2; not recorded [INF]). So is an item whose type is not in
//     the rule's ResourceTypes, and a nil item. Any other status (OK,
//     ResourceDiscovered, or none) is evaluated.
//   - Documents are read in every form Starling stores (spec, common item 3;
//     config-data-and-query.md §A.3): configuration an object or the API's
//     JSON string holding one; each supplementary value an object, a JSON
//     string holding one, or a string holding such a string (S3's
//     AccessControlList in the API form): up to three levels of string
//     encoding are undone. Member names match ASCII case-insensitively, as
//     with encoding/json; numbers may be written 22 or 22.0 (advanced
//     query's rendering) or as strings of digits.
//   - A configuration the rule reads that is absent (null or empty, in a
//     live item), not an object, or not well-formed JSON gives
//     INSUFFICIENT_DATA, the annotation saying what is wrong [INF: AWS's
//     own rules fail on such input and record nothing; INSUFFICIENT_DATA
//     is the verdict that claims nothing]. So does a supplementary entry
//     the rule reads that is present but malformed; an absent one means
//     what the rule says below. A leaf of an unexpected JSON type reads as
//     absent (a number where a string is expected, a string other than
//     "true" where a boolean is expected); a container of the wrong kind
//     (an object where an array is expected) is malformed. The scanner
//     checks the syntax of what the rule walks through and only delimits
//     what it skips (jsonutil.go).
//   - Parameters are strings (spec, common item 4), trimmed of white space;
//     a missing parameter and an empty or blank one take the default.
//     ValidateParams refuses malformed values, naming the parameter, and
//     ignores unknown names (AWS does); Evaluate under parameters that
//     ValidateParams refuses answers INSUFFICIENT_DATA naming them.
//     ParseParams turns numbers and booleans into their text and treats a
//     null value as absent.
//   - Annotations explain NON_COMPLIANT, NOT_APPLICABLE and
//     INSUFFICIENT_DATA verdicts (COMPLIANT ones have none), quote at most
//     128 bytes of any value from the item, and are cut to MaxAnnotation
//     (256) characters.
//
// # The rules
//
// S3_BUCKET_VERSIONING_ENABLED (row 1). AWS::S3::Bucket. Parameter
// isMfaDeleteEnabled (optional; only the lowercase "true" asks for MFA
// delete, spec common item 4). Reads
// supplementaryConfiguration.BucketVersioningConfiguration
// {status, isMfaDeleteEnabled}. COMPLIANT iff status is exactly "Enabled"
// and, when MFA delete is asked for, isMfaDeleteEnabled is true (null, as
// in every real CI, is false [INF]). NON_COMPLIANT otherwise, including
// "Off", "Suspended", a status of another case or type, and an absent
// BucketVersioningConfiguration [INF: treated as never versioned].
//
// ENCRYPTED_VOLUMES (row 2). AWS::EC2::Volume. Parameter kmsId (optional):
// a key id or key ARN; [INF] a comma-separated list of them is accepted.
// Reads configuration.attachments[].state, state, encrypted, kmsKeyId. A
// volume is attached iff some attachments[].state is "attached" or state
// is "in-use" [DOC "attached"; INF either field]; an unattached volume is
// NOT_APPLICABLE [INF]. COMPLIANT iff attached, encrypted is true and,
// when kmsId is set, kmsKeyId matches one of its keys; else NON_COMPLIANT.
// Key matching [INF, spec rows 2 and 7; IMPL compares the trailing id]:
// two ARNs match only when equal; a bare key id matches the trailing id of
// a key ARN (…:key/<id>) or an equal id, ignoring case; aliases
// (alias/…, alias ARNs) cannot be resolved offline and never match; an
// absent kmsKeyId never matches.
//
// INCOMING_SSH_DISABLED (row 3, AWS name restricted-ssh).
// AWS::EC2::SecurityGroup. No parameters. NON_COMPLIANT iff some inbound
// permission (configuration.ipPermissions[], never ipPermissionsEgress)
// admits TCP port 22 from the whole internet; COMPLIANT otherwise. A
// permission admits TCP port p iff its ipProtocol is "-1" (or "all"), or
// "tcp" (any case, or "6") with fromPort <= p <= toPort [INF]; a tcp
// permission whose fromPort or toPort is absent, null or negative admits
// every port [INF]. The whole internet is a source range that is a /0
// prefix: 0.0.0.0/0 or ::/0 (and other spellings such as 0::/0), found in
// ipv4Ranges[].cidrIp, in the older ipRanges[] (strings, or objects with
// cidrIp), or in ipv6Ranges[].cidrIpv6 [DOC current: IPv4 and IPv6].
// Prefix lists and security-group sources are never the whole internet.
// Unlike AWS (whose current page says "security groups in use"), every
// security group is evaluated [INF].
//
// RESTRICTED_INCOMING_TRAFFIC (row 4, AWS name restricted-common-ports).
// AWS::EC2::SecurityGroup. Parameters blockedPort1 … blockedPort5
// (integers 0–65535; defaults 20, 21, 3389, 3306, 4333) and blockedPorts
// (comma-separated integers, empty elements skipped). The blocked ports
// are every blockedPortN, each its default when not set, and every port of
// blockedPorts [INF: the union; a blockedPorts alone therefore adds to the
// five defaults, which a caller removes only by setting blockedPortN].
// NON_COMPLIANT iff some inbound permission admits TCP traffic to a
// blocked port from the whole internet, both as for INCOMING_SSH_DISABLED
// (-1 counts as TCP [INF]); COMPLIANT otherwise.
//
// REQUIRED_TAGS (row 5). The 30 types of the 2023 page (requiredTagsTypes
// in tags.go). Parameters tag1Key (default CostCenter), tag2Key … tag6Key
// (optional), tagNValue (optional, comma-separated values, each trimmed of
// white space, empty ones skipped). A tagNValue without its tagNKey (N >
// 1) is invalid [INF]. Reads the item's top-level tags map only (present
// in every form; configuration.tags and the like are not read).
// COMPLIANT iff for every configured key the map has that key and, when
// tagNValue is set, its value is one of the allowed values; comparisons
// are exact and case-sensitive [INF]. NON_COMPLIANT otherwise, naming the
// first failing tag. Config does not record tags for every type (spec row
// 5): such items are NON_COMPLIANT.
//
// RDS_STORAGE_ENCRYPTED (row 7). AWS::RDS::DBInstance. Parameter kmsKeyId
// (optional, matched as ENCRYPTED_VOLUMES' kmsId). Reads
// configuration.storageEncrypted and kmsKeyId. COMPLIANT iff
// storageEncrypted is true and, when kmsKeyId is set, the recorded
// kmsKeyId matches it; NON_COMPLIANT otherwise.
//
// S3_BUCKET_PUBLIC_READ_PROHIBITED (row 9). AWS::S3::Bucket; Related
// AWS::S3::AccountPublicAccessBlock. No parameters. COMPLIANT iff both
//
//	(a) public policies are restricted, or the bucket policy does not allow public read;
//	(b) public ACLs are restricted, or the bucket ACL does not allow public read;
//
// NON_COMPLIANT otherwise [DOC structure]. Public policies are restricted
// when blockPublicPolicy or restrictPublicBuckets is true, public ACLs when
// blockPublicAcls or ignorePublicAcls is true, in the bucket's
// supplementaryConfiguration.PublicAccessBlockConfiguration or in the
// configuration of a live AWS::S3::AccountPublicAccessBlock of the same
// source [INF: the mapping is ours]; an absent or unreadable account-level
// block restricts nothing; with a nil Env only the bucket's own block
// counts. The policy is supplementaryConfiguration.BucketPolicy.policyText
// (JSON text; absent or null is no policy). It allows public read iff a
// statement (Statement is one object or an array) has Effect "Allow"; a
// Principal "*" or {"AWS": "*" or a list holding "*"}, or any
// NotPrincipal; an Action covering s3:GetObject, s3:GetObjectVersion,
// s3:ListBucket or s3:ListBucketVersions (IAM wildcards * and ?, case
// ignored), or, without Action, a NotAction that leaves one of them out;
// and no Condition (any non-empty Condition is taken to limit it) [INF].
// Deny statements are not weighed against Allow ones [INF]. The ACL is
// supplementaryConfiguration.AccessControlList (a JSON string in every
// form): it allows public read iff a grant of grantList or grantSet has
// the grantee AllUsers or AuthenticatedUsers (a string in AWS's CIs; a URI
// ending in /AllUsers, or an object's identifier or uri, also count) with
// permission Read or FullControl (or READ, FULL_CONTROL) [INF]. The policy
// is parsed only when (a) depends on it, the ACL only when (b) does; one
// that is malformed then gives INSUFFICIENT_DATA.
//
// EC2_INSTANCE_NO_PUBLIC_IP (row 10). AWS::EC2::Instance. No parameters.
// NON_COMPLIANT iff some configuration.networkInterfaces[].association
// .publicIp, or networkInterfaces[].privateIpAddresses[].association
// .publicIp (a secondary address's), is a non-empty string [DOC "the
// publicIp field is present"; IMPL finds publicIp anywhere in
// networkInterfaces]; COMPLIANT otherwise. configuration.publicIpAddress is
// not read, so an EC2-Classic instance without network interfaces is
// COMPLIANT, as with AWS's re-implementation [IMPL].
//
// VPC_FLOW_LOGS_ENABLED (row 11). AWS::EC2::VPC; Related
// AWS::EC2::FlowLog. Parameter trafficType (optional; ALL, ACCEPT or
// REJECT, any case; anything else is invalid). COMPLIANT iff a live flow
// log of the same source has configuration.resourceId equal to the VPC's
// resource id, flowLogStatus "ACTIVE" (case ignored) [INF] and, when
// trafficType is set, the same trafficType (case ignored); NON_COMPLIANT
// otherwise, including when the source has no flow log. The join uses
// configuration.resourceId, not relationships, which FlowLog CIs lack
// (spec row 11). A flow log whose configuration cannot be read is left
// out. The VPC's own configuration is not read. With a nil Env the flow
// logs are unknown: INSUFFICIENT_DATA.
//
// Not evaluated: IAM_PASSWORD_POLICY, CLOUD_TRAIL_ENABLED (rows 6 and 8:
// periodic, account-level, with no CI behind them or needing GetTrailStatus),
// and the extra rules the spec lists; Lookup reports false for them.
//
// # Cost
//
// Rules read the JSON text with a small scanner that neither builds trees
// nor allocates for what it skips, so an evaluation costs about 0.1–5 µs
// on real-sized CIs (BenchmarkEvaluate, BenchmarkEvaluateMix).
package managed
