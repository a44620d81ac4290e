package managed

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

// loadItems decodes the delivery file testdata/name with the ingest
// decoder, as Starling records CIs: configuration kept as an object (the
// API form's string parsed), supplementary values kept as recorded (JSON
// strings in the API form).
func loadItems(t testing.TB, name string) []inventory.Item {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []inventory.Item
	if err := ingest.DecodeFile(f, func(it inventory.Item) error {
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(items) == 0 {
		t.Fatalf("%s: no items", name)
	}
	return items
}

// load returns the only item of testdata/name.
func load(t testing.TB, name string) inventory.Item {
	t.Helper()
	items := loadItems(t, name)
	if len(items) != 1 {
		t.Fatalf("%s: %d items, want 1", name, len(items))
	}
	return items[0]
}

// testSource is the source of the items that item builds.
var testSource = inventory.Source{AccountID: "123456789012", Region: "us-east-1"}

// item returns an OK item of the type and id of testSource, with the
// configuration conf ("" for none).
func item(typ, id, conf string) inventory.Item {
	it := inventory.Item{
		Key:       inventory.Key{Source: testSource, ResourceType: typ, ResourceID: id},
		Status:    inventory.StatusOK,
		AWSRegion: testSource.Region,
	}
	if conf != "" {
		it.Configuration = json.RawMessage(conf)
	}
	return it
}

// withConf returns a copy of it with the configuration conf.
func withConf(it inventory.Item, conf string) inventory.Item {
	it.Configuration = json.RawMessage(conf)
	return it
}

// withSup returns a copy of it whose supplementary entry name is raw (the
// JSON text as recorded), or without the entry if raw is "".
func withSup(it inventory.Item, name, raw string) inventory.Item {
	it.SupplementaryConfiguration = maps.Clone(it.SupplementaryConfiguration)
	if it.SupplementaryConfiguration == nil {
		it.SupplementaryConfiguration = map[string]json.RawMessage{}
	}
	if raw == "" {
		delete(it.SupplementaryConfiguration, name)
	} else {
		it.SupplementaryConfiguration[name] = json.RawMessage(raw)
	}
	return it
}

// withStatus returns a copy of it with the status.
func withStatus(it inventory.Item, status string) inventory.Item {
	it.Status = status
	return it
}

// withTags returns a copy of it with the tags.
func withTags(it inventory.Item, tags map[string]string) inventory.Item {
	it.Tags = tags
	return it
}

// withSource returns a copy of it of another source.
func withSource(it inventory.Item, src inventory.Source) inventory.Item {
	it.Source = src
	return it
}

// jsonString returns the JSON string holding s: a value as the API form
// encodes it.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// mustRule returns the rule id.
func mustRule(t testing.TB, id string) *Rule {
	t.Helper()
	r, ok := Lookup(id)
	if !ok {
		t.Fatalf("Lookup(%q) = false", id)
	}
	return r
}

// envOf returns a SourceEnv over items.
func envOf(items ...inventory.Item) Env { return NewSourceEnv(items) }

// plainEnv is an Env that is not a *SourceEnv: rules derive from it anew
// at every evaluation.
type plainEnv []inventory.Item

func (e plainEnv) Related(t string) []inventory.Item {
	var out []inventory.Item
	for _, it := range e {
		if it.ResourceType == t {
			out = append(out, it)
		}
	}
	return out
}

// evalCase is one evaluation and its expected verdict.
type evalCase struct {
	name   string
	it     inventory.Item
	params Params
	env    Env
	want   string
	// annotation, when not "", must be in the verdict's annotation.
	annotation string
}

// runCases evaluates each case with the rule id, checking the verdict.
func runCases(t *testing.T, id string, cases []evalCase) {
	t.Helper()
	r := mustRule(t, id)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			it := tc.it
			v := r.Evaluate(&it, tc.params, tc.env)
			checkVerdict(t, &it, v)
			if v.ComplianceType != tc.want {
				t.Errorf("ComplianceType = %s (annotation %q), want %s", v.ComplianceType, v.Annotation, tc.want)
			}
			if tc.annotation != "" && !strings.Contains(v.Annotation, tc.annotation) {
				t.Errorf("Annotation = %q, want it to contain %q", v.Annotation, tc.annotation)
			}
		})
	}
}

// checkVerdict checks what every verdict on it must be: of its resource,
// of a compliance type, with an annotation of at most MaxAnnotation
// runes.
func checkVerdict(t testing.TB, it *inventory.Item, v Verdict) {
	t.Helper()
	if v.ResourceType != it.ResourceType || v.ResourceID != it.ResourceID {
		t.Errorf("verdict on %s %s, want %s %s", v.ResourceType, v.ResourceID, it.ResourceType, it.ResourceID)
	}
	switch v.ComplianceType {
	case compliance.Compliant, compliance.NonCompliant, compliance.NotApplicable, compliance.InsufficientData:
	default:
		t.Errorf("ComplianceType = %q", v.ComplianceType)
	}
	if n := utf8.RuneCountInString(v.Annotation); n > MaxAnnotation {
		t.Errorf("annotation has %d runes: %q", n, v.Annotation)
	}
}
