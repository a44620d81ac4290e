package managed

import (
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/inventory"
)

// RDS_STORAGE_ENCRYPTED (managed-rules.md row 7).

var rdsStorageEncrypted = newRule("RDS_STORAGE_ENCRYPTED", []string{"AWS::RDS::DBInstance"}, nil, nil, evalRDSStorageEncrypted)

// evalRDSStorageEncrypted reads configuration.storageEncrypted and
// configuration.kmsKeyId.
func evalRDSStorageEncrypted(it *inventory.Item, p Params, _ Env) Verdict {
	doc, v, ok := configuration(it)
	if !ok {
		return v
	}
	var encrypted bool
	var kmsKeyID []byte
	m := members(doc)
	for m.next() {
		switch {
		case m.is("storageEncrypted"):
			encrypted = boolean(m.val)
		case m.is("kmsKeyId"):
			kmsKeyID = str(m.val)
		}
	}
	if err := m.end(); err != nil {
		return insufficient("the configuration", err)
	}
	if !encrypted {
		return verdict(compliance.NonCompliant, "storage encryption is not enabled")
	}
	if want, ok := p.get("kmsKeyId"); ok && !kmsMatch(string(kmsKeyID), want) {
		if len(kmsKeyID) == 0 {
			return verdict(compliance.NonCompliant, "the instance's KMS key is not recorded, so it cannot match kmsKeyId")
		}
		return verdict(compliance.NonCompliant, "the storage is encrypted with KMS key "+quote(string(kmsKeyID))+", not one of kmsKeyId")
	}
	return verdict(compliance.Compliant, "")
}
