package managed

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
)

// FuzzEvaluate feeds arbitrary bytes to every rule as the configuration,
// as every supplementary entry the S3 rules read, and as the configuration
// of the related items (flow logs, account public access block), under
// arbitrary InputParameters: no rule may panic, and every verdict must be
// of the item, of a compliance type, with a short annotation.
func FuzzEvaluate(f *testing.F) {
	seeds := [][]byte{
		nil, []byte("null"), []byte("{}"), []byte("[]"), []byte(`"x"`), []byte("{"), []byte("1e999"),
		[]byte(`{"ipPermissions":[{"ipProtocol":"tcp","fromPort":1e300,"toPort":-9e18,"ipRanges":["0.0.0.0/0",{}],"ipv6Ranges":[{"cidrIpv6":"::/0"}]}]}`),
		[]byte(`{"attachments":[{"state":"attached"}],"encrypted":true,"kmsKeyId":"arn:aws:kms:x:1:key/k"}`),
		[]byte(`{"networkInterfaces":[{"association":{"publicIp":"1.2.3.4"},"privateIpAddresses":[{"association":null}]}]}`),
		[]byte(`{"status":"Enabled","isMfaDeleteEnabled":"true","policyText":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotAction\":[]}}","grantList":[{"grantee":{"uri":"/AllUsers"},"permission":"Read"}]}`),
		[]byte(`"\"{\\\"status\\\":\\\"Enabled\\\"}\""`),
		[]byte(`{"resourceId":"vpc-1","flowLogStatus":"ACTIVE","trafficType":"ALL","blockPublicAcls":"yes"}`),
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var file struct {
			ConfigurationItems []struct {
				Configuration              json.RawMessage
				SupplementaryConfiguration map[string]json.RawMessage
			}
		}
		if err := json.Unmarshal(b, &file); err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		for _, ci := range file.ConfigurationItems {
			seeds = append(seeds, ci.Configuration)
			for _, v := range ci.SupplementaryConfiguration {
				seeds = append(seeds, v)
			}
		}
	}
	for _, s := range seeds {
		f.Add(s, `{"blockedPorts":"22","trafficType":"ALL","kmsId":"k","tag1Value":"a"}`)
	}
	f.Add([]byte(`{}`), `{"blockedPort1":"x"}`)
	f.Add([]byte(`{}`), `not json`)

	ids := Identifiers()
	f.Fuzz(func(t *testing.T, doc []byte, inputParameters string) {
		p, err := ParseParams(inputParameters)
		if err != nil {
			p = nil
		}
		raw := json.RawMessage(doc)
		sup := map[string]json.RawMessage{}
		for _, k := range []string{supVersioning, supPublicAccessBlock, supPolicy, supACL} {
			sup[k] = raw
		}
		related := []inventory.Item{
			{Key: inventory.Key{Source: testSource, ResourceType: typeFlowLog, ResourceID: "fl-1"}, Configuration: raw},
			{Key: inventory.Key{Source: testSource, ResourceType: typeAccountPublicAccessBlock, ResourceID: testSource.AccountID}, Configuration: raw},
		}
		for _, id := range ids {
			r, _ := Lookup(id)
			_ = r.ValidateParams(p)
			for _, typ := range r.ResourceTypes[:min(2, len(r.ResourceTypes))] {
				it := inventory.Item{
					Key:                        inventory.Key{Source: testSource, ResourceType: typ, ResourceID: "fl-1"},
					Status:                     inventory.StatusOK,
					Configuration:              raw,
					SupplementaryConfiguration: sup,
					Tags:                       map[string]string{"CostCenter": string(doc)},
				}
				for _, env := range []Env{nil, NewSourceEnv(related), plainEnv(related)} {
					checkVerdict(t, &it, r.Evaluate(&it, p, env))
				}
			}
		}
	})
}
