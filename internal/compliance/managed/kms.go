package managed

import "strings"

// kmsMatch reports whether recorded, a CI's kmsKeyId (a full key ARN in
// AWS's CIs, arn:aws:kms:<region>:<account>:key/<key-id>), is one of the
// comma-separated keys of want, each a key id or a key ARN
// (managed-rules.md rows 2 and 7 [INF]). Two ARNs match only when equal;
// a key id matches the trailing key id of an ARN (case-insensitively, as
// key ids are UUIDs), and another key id. Aliases (alias/…, alias ARNs)
// cannot be resolved offline and never match.
func kmsMatch(recorded, want string) bool {
	if recorded == "" {
		return false
	}
	for want != "" {
		var k string
		k, want, _ = strings.Cut(want, ",")
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if recorded == k {
			return true
		}
		rArn, kArn := strings.HasPrefix(recorded, "arn:"), strings.HasPrefix(k, "arn:")
		if rArn && kArn {
			continue
		}
		if id := keyID(recorded); id != "" && strings.EqualFold(id, keyID(k)) {
			return true
		}
	}
	return false
}

// keyID returns the key id of a key ARN (the part after ":key/"), s itself
// if it is not an ARN, and "" for an ARN of anything but a key.
func keyID(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	if _, id, ok := strings.Cut(s, ":key/"); ok {
		return id
	}
	return ""
}
