package template

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, and that it fails only with an
// *Error.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleTemplate), "90")
	f.Add([]byte(`{"Resources": {"R": {"Type": "AWS::Config::ConfigRule", "Properties": {"Source": {"Owner": "AWS"},
		"ConfigRuleName": {"Fn::Sub": ["${a}-${AWS::Region}", {"a": {"Ref": "P"}}]}}}},
		"Parameters": {"P": {"Type": "CommaDelimitedList", "Default": "a,b"}}}`), "x,y")
	f.Add([]byte(`
Parameters:
  P: {Type: String, Default: a}
Conditions:
  C: !Or [!Equals [!Ref P, a], !Not [!Condition D]]
  D: !And [!Equals [!Select [0, !Split [",", !Ref P]], a], !Equals [b, b]]
Resources:
  R:
    Type: AWS::Config::ConfigRule
    Condition: C
    Properties:
      InputParameters: {k: !If [D, !Join [",", [!Ref P, !FindInMap [M, a, b]]], !Ref AWS::NoValue]}
      Source: {Owner: AWS, SourceIdentifier: !Sub "${P}"}
Mappings:
  M: {a: {b: [c, d]}}
`), "a")
	f.Add([]byte("a: &x [*x]"), "")
	f.Add([]byte("Resources: !If [a, b]"), "")
	f.Fuzz(func(t *testing.T, body []byte, param string) {
		rules, err := Parse(body, Options{Parameters: map[string]string{"P": param}, AccountID: "111111111111", Region: "us-east-1"})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %T %v; want an *Error", err, err)
			}
			return
		}
		if len(rules) > MaxResources {
			t.Fatalf("%d rules", len(rules))
		}
	})
}
