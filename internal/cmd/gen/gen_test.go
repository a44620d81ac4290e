package main

import (
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

func TestExported(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ConfigurationAggregator", "ConfigurationAggregator"},
		{"roleARN", "RoleARN"},
		{"s3BucketName", "S3BucketName"},
		{"3rdParty", "X3rdParty"},
		{"weird-name.x", "Weirdnamex"},
		{"", "X"},
	}
	for _, tt := range tests {
		if got := exported(tt.in); got != tt.want {
			t.Errorf("exported(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLowerFirst(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ConfigurationAggregatorName", "configurationAggregatorName"},
		{"limit", "limit"},
		{"AWSOrganizations", "aWSOrganizations"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := lowerFirst(tt.in); got != tt.want {
			t.Errorf("lowerFirst(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnumIdent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"FAILED", "Failed"},
		{"NON_COMPLIANT", "NonCompliant"},
		{"AWS::EC2::Instance", "AwsEc2Instance"},
		{"AWS::EC2::VPCEndpoint", "AwsEc2VPCEndpoint"},
		{"AWS::RDS::DBCluster", "AwsRdsDBCluster"},
		{"aws.config", "AwsConfig"},
		{"One_Hour", "OneHour"},
		{"recordingScope", "RecordingScope"},
		{"us-east-1", "UsEast1"},
		{"", "Empty"},
		{"::", "Empty"},
	}
	for _, tt := range tests {
		if got := enumIdent(tt.in); got != tt.want {
			t.Errorf("enumIdent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorAndFieldNames(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{errorName, "NoSuchConfigurationAggregatorException", "NoSuchConfigurationAggregator"},
		{errorName, "IdempotentParameterMismatch", "IdempotentParameterMismatch"},
		{errorName, "Exception", "Exception"},
		{fieldName, "configurationItemCaptureTime", "ConfigurationItemCaptureTime"},
		{fieldName, "Validate", "Validate_"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNamespace(t *testing.T) {
	ns := namespace{}
	if err := ns.claim("Service", "x"); err == nil {
		t.Error("claiming reserved Service succeeded")
	}
	if err := ns.claim("string", "x"); err == nil {
		t.Error("claiming predeclared string succeeded")
	}
	if err := ns.claim("Tag", "structure Tag"); err != nil {
		t.Fatal(err)
	}
	if err := ns.claim("Tag", "other"); err == nil {
		t.Error("claiming Tag twice succeeded")
	}
	if got, err := ns.claimFirst("exception ServiceException", "Service", "ServiceException"); err != nil || got != "ServiceException" {
		t.Errorf("claimFirst = %q, %v", got, err)
	}
	if a, b := ns.claimNumbered("EnumA", "1"), ns.claimNumbered("EnumA", "2"); a != "EnumA" || b != "EnumA_2" {
		t.Errorf("claimNumbered = %q, %q", a, b)
	}
}

func TestCleanDoc(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>A collection of accounts and regions.</p>", "A collection of accounts and regions."},
		{"<p>The <code>nextToken</code> string.</p> <p>Second.</p>", "The nextToken string. Second."},
		{"<p>One</p><p>Two</p>", "One Two"},
		{"<p>Use <a href=\"https://x\">this\n   link</a> &amp; &lt;that&gt;.</p>", "Use this link & <that>."},
		{"<ul><li><p>a</p></li><li><p>b</p></li></ul>", "a b"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := cleanDoc(tt.in); got != tt.want {
			t.Errorf("cleanDoc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"A collection of accounts. And more.", "A collection of accounts."},
		{"Use a value, e.g. FAILED. Then stop.", "Use a value, e.g. FAILED."},
		{"Version 1.5 is used. Next.", "Version 1.5 is used."},
		{"The call is config.amazonaws.com only. Next.", "The call is config.amazonaws.com only."},
		{"Is it? yes it is. Done.", "Is it? yes it is."},
		{"No terminator", "No terminator"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := firstSentence(tt.in); got != tt.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSummary(t *testing.T) {
	if got := summary("<p>First. Second.</p>", "fallback"); got != "First." {
		t.Errorf("summary = %q", got)
	}
	if got := summary("  <p></p> ", "fallback"); got != "fallback" {
		t.Errorf("summary of empty doc = %q", got)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"aa bb cc dd", 5, []string{"aa bb", "cc dd"}},
		{"short", 80, []string{"short"}},
		{"a verylongword b", 4, []string{"a", "verylongword", "b"}},
		{"", 10, nil},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.width); !slices.Equal(got, tt.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestPreparePattern(t *testing.T) {
	tests := []struct {
		src, goSrc string // goSrc "" means RE2 cannot compile src
	}{
		{`[\w\-]+`, `[\w\-]+`},
		{`\d{12}`, `\d{12}`},
		{`^[0-9a-zA-Z\\*\\.\\\/\\?-]*$`, `^[0-9a-zA-Z\\*\\.\\\/\\?-]*$`},
		{`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`},
		{`[\u0020-\u007E]+`, `[\x{0020}-\x{007E}]+`},
		{`a(?=b)`, ""},        // lookahead: Java only
		{`(a)\1`, ""},         // back-reference: Java only
		{`\\u0041(?<=x)`, ""}, // an escaped backslash is not a \u escape
	}
	for _, tt := range tests {
		p := preparePattern(tt.src)
		if p.Go != tt.goSrc || p.Model != tt.src {
			t.Errorf("preparePattern(%q) = %+v, want Go %q", tt.src, p, tt.goSrc)
		}
		if p.OK() != (tt.goSrc != "") || p.Translated() != (tt.goSrc != "" && tt.goSrc != tt.src) {
			t.Errorf("preparePattern(%q): OK %t Translated %t", tt.src, p.OK(), p.Translated())
		}
	}
}

func TestRewriteUnicodeEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[\u0020-\u007E]`, `[\x{0020}-\x{007E}]`},
		{`\\u0041`, `\\u0041`},
		{`\u12`, `\u12`},
		{`a\`, `a\`},
	}
	for _, tt := range tests {
		if got := rewriteUnicodeEscapes(tt.in); got != tt.want {
			t.Errorf("rewriteUnicodeEscapes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGoString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`[\w\-]+`, "`[\\w\\-]+`"},
		{"a`b", "\"a`b\""},
		{"tab\t", "`tab\t`"},
		{"nl\n", `"nl\n"`},
	}
	for _, tt := range tests {
		if got := goString(tt.in); got != tt.want {
			t.Errorf("goString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// testModel is a tiny model exercising the generator end to end: a
// recursive structure, a map, nested lists, an enum, a Java-only pattern,
// a name clash with the Service interface, an operation without input, an
// output with list and map members and a structure found only in outputs.
const testModel = `{
  "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "demo", "serviceId": "Demo",
               "targetPrefix": "DemoService"},
  "operations": {
    "PutThing": {"name": "PutThing", "input": {"shape": "PutThingRequest"},
                 "errors": [{"shape": "ServiceException"}, {"shape": "BadException"}]},
    "Ping": {"name": "Ping", "output": {"shape": "Node"}},
    "ListThings": {"name": "ListThings", "output": {"shape": "ListThingsResponse"}},
    "GetThing": {"name": "GetThing", "input": {"shape": "GetThingRequest"}, "output": {"shape": "GetThingResponse"}}
  },
  "shapes": {
    "PutThingRequest": {"type": "structure", "required": ["Name"], "members": {
      "Name": {"shape": "Name", "documentation": "<p>The name. More text.</p>"},
      "Kind": {"shape": "Kind"},
      "Root": {"shape": "Node"},
      "Grid": {"shape": "Grid"},
      "Labels": {"shape": "Labels"},
      "When": {"shape": "When"},
      "Note": {"shape": "Note"}
    }},
    "Node": {"type": "structure", "members": {"Child": {"shape": "Node"}, "Count": {"shape": "Count"}}},
    "Name": {"type": "string", "min": 1, "max": 8, "pattern": "[a-z]+"},
    "Note": {"type": "string", "pattern": "a(?=b)"},
    "Kind": {"type": "string", "enum": ["ONE", "two-2"]},
    "Count": {"type": "integer", "min": 0, "max": 9},
    "Grid": {"type": "list", "member": {"shape": "Row"}, "max": 2},
    "Row": {"type": "list", "member": {"shape": "Name"}},
    "Labels": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Node"}},
    "When": {"type": "timestamp"},
    "ListThingsResponse": {"type": "structure", "members": {
      "Items": {"shape": "Row"}, "Index": {"shape": "Labels"}, "Summary": {"shape": "Summary"}, "Next": {"shape": "Name"}
    }},
    "Summary": {"type": "structure", "required": ["Count"], "members": {"Count": {"shape": "Count"}, "Notes": {"shape": "Row"}}},
    "GetThingRequest": {"type": "structure", "members": {"Name": {"shape": "Name"}}},
    "GetThingResponse": {"type": "structure", "members": {"Thing": {"shape": "Node"}}},
    "Service": {"type": "structure", "members": {}},
    "ServiceException": {"type": "structure", "exception": true, "members": {"Message": {"shape": "Name"}}},
    "BadException": {"type": "structure", "exception": true, "members": {"Message": {"shape": "Name"}, "Reason": {"shape": "Kind"}}}
  }
}`

func TestGenerate(t *testing.T) {
	model, err := parseModel([]byte(testModel))
	if err != nil {
		t.Fatal(err)
	}
	g, err := newGenerator(model, "demo", []string{"GetThing"})
	if err != nil {
		t.Fatal(err)
	}
	files, st, err := g.generate()
	if err != nil {
		t.Fatal(err)
	}
	if st.Types != 7 || st.Enums != 1 || st.Errors != 2 || st.Operations != 4 || len(st.Skipped) != 1 {
		t.Errorf("stats = %+v", st)
	}
	want := map[string][]string{
		"types.go": {
			"// Code generated by starling-gen from the AWS Demo model. DO NOT EDIT.",
			"// ServiceShape is the Service structure of the Demo API.\ntype ServiceShape struct{}",
			"// Node is the output of the Ping operation.",
			"Root *Node `json:\"Root,omitempty\"`",
			"Grid [][]string `json:\"Grid,omitempty\"`",
			"Labels map[string]Node `json:\"Labels,omitempty\"`",
			"When *shape.Timestamp `json:\"When,omitempty\"`",
			"// The name.\n",
			// An output's lists and maps are always encoded; nil ones are
			// filled in. Its other members, and nested lists, are omitted
			// when empty.
			"Items []string `json:\"Items\"`",
			"Index map[string]Node `json:\"Index\"`",
			"Next *string `json:\"Next,omitempty\"`",
			"Notes []string `json:\"Notes,omitempty\"`",
			"func (s *ListThingsResponse) FillEmptyCollections() {",
			"if s.Items == nil {\n s.Items = []string{}\n }",
			"if s.Index == nil {\n s.Index = map[string]Node{}\n }",
		},
		"enums.go": {"KindOne = \"ONE\"", "KindTwo2 = \"two-2\"", "var KindValues = []string{"},
		"validate.go": {
			"v.Null(shape.Member(path, \"name\"))",
			"func (s *PutThingRequest) CheckConstraints() shape.Validator {",
			"func (s *Node) Validate() error {",
			"v.Length(p, *s.Name, 1, 8)",
			"v.Enum(p, *s.Kind, KindValues)",
			"s.Root.validate(v, p)",
			"s.Child.validate(v, p)", // recursive structure
			"v.Range(p, int64(*s.Count), 0, true, 9, true)",
			"v.Size(p, len(s.Grid), 0, 2, shape.Values(s.Grid))",
			"for i2, e2 := range e1 {",
			"for _, k1 := range slices.Sorted(maps.Keys(s.Labels)) {",
			"Note: a(?=b)",
		},
		"errors.go": {
			"func ServiceException(message string) *apierr.Error",
			"CapitalMessage: true",
			"func Bad(reason, message string) *apierr.Error",
		},
		"service.go": {
			`TargetPrefix = "DemoService"`,
			`SigningName = "demo"`,
			"Ping(ctx context.Context, in *shape.Empty) (*Node, error)",
			`"PutThing": {CodeService, CodeBad},`,
			"func Operations(svc Service, invalid shape.InvalidFunc) map[string]shape.Handler {",
			`"PutThing": shape.HandleOp("PutThing", invalid, svc.PutThing),`,
			// A raw operation answers its encoded output.
			"GetThing(ctx context.Context, in *GetThingRequest) (shape.RawJSON, error)",
			`"GetThing": shape.HandleRawOp("GetThing", invalid, svc.GetThing),`,
			`"ListThings": {"Items", "Index"},`,
		},
	}
	for name, snippets := range want {
		src := string(files[name])
		if _, err := parser.ParseFile(token.NewFileSet(), name, src, parser.AllErrors); err != nil {
			t.Errorf("%s does not parse: %v", name, err)
		}
		flat := squeeze(src) // gofmt aligns columns: compare with spaces squeezed
		for _, s := range snippets {
			if !strings.Contains(flat, squeeze(s)) {
				t.Errorf("%s lacks %q:\n%s", name, s, src)
			}
		}
	}
	if strings.Contains(string(files["validate.go"]), "s.When") {
		t.Errorf("validate.go checks the unconstrained timestamp")
	}
	// Only requests are validated: structures found only in outputs have no
	// validate methods, and only operation inputs have CheckConstraints.
	for _, absent := range []string{"func (s *Summary)", "func (s *ListThingsResponse)", "func (s *GetThingResponse)", "func (s *Node) CheckConstraints"} {
		if strings.Contains(string(files["validate.go"]), absent) {
			t.Errorf("validate.go has %q", absent)
		}
	}
	if strings.Contains(string(files["service.go"]), `"Ping": {`) {
		t.Errorf("OutputCollections lists Ping, whose output has no list or map")
	}
}

func TestGeneratorRefuses(t *testing.T) {
	tests := []struct {
		name   string
		raw    []string
		mutate func(*Model)
	}{
		{"raw operation without output", []string{"PutThing"}, nil},
		{"unknown raw operation", []string{"Nope"}, nil},
		{"output with lists inside another shape", nil, func(m *Model) {
			req := m.Shapes["PutThingRequest"]
			req.Members = append(req.Members, Member{Name: "Listing", Shape: "ListThingsResponse"})
		}},
		{"output with lists used as an input", nil, func(m *Model) {
			m.Operations["PutThing"].Input = &Ref{Shape: "ListThingsResponse"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model, err := parseModel([]byte(testModel))
			if err != nil {
				t.Fatal(err)
			}
			if tt.mutate != nil {
				tt.mutate(model)
			}
			if _, err := newGenerator(model, "demo", tt.raw); err == nil {
				t.Errorf("newGenerator succeeded; want an error")
			}
		})
	}
}

// squeeze collapses each run of spaces and tabs to one space.
func squeeze(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
