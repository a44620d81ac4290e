package template

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// sampleTemplate is written in the form of AWS's sample conformance pack
// templates (awslabs/aws-config-rules, aws-config-conformance-packs,
// "Operational Best Practices for CIS AWS v1.4 Level 1" and "for Amazon
// S3"): parameters defaulted to values, each guarded by a condition that
// is false when the parameter is blank, used through Fn::If with
// AWS::NoValue, folded descriptions, quoted and unquoted types, and
// process checks.
const sampleTemplate = `##################################################################################
#
#   Conformance Pack:
#     Operational Best Practices for a few things
#
##################################################################################

Parameters:
  AccessKeysRotatedParamMaxAccessKeyAge:
    Default: '90'
    Type: String
  S3BucketVersioningEnabledParamIsMfaDeleteEnabled:
    Default: ''
    Type: String
Resources:
  AccessKeysRotated:
    Properties:
      ConfigRuleName: access-keys-rotated
      InputParameters:
        maxAccessKeyAge:
          Fn::If:
          - accessKeysRotatedParamMaxAccessKeyAge
          - Ref: AccessKeysRotatedParamMaxAccessKeyAge
          - Ref: AWS::NoValue
      Source:
        Owner: AWS
        SourceIdentifier: ACCESS_KEYS_ROTATED
    Type: AWS::Config::ConfigRule
  S3BucketPublicReadProhibited:
    Type: "AWS::Config::ConfigRule"
    Properties:
      ConfigRuleName: S3BucketPublicReadProhibited
      Description: >-
        Checks that your Amazon S3 buckets do not allow public read access.
        The rule checks the Block Public Access settings.
      Scope:
        ComplianceResourceTypes:
        - "AWS::S3::Bucket"
      Source:
        Owner: AWS
        SourceIdentifier: S3_BUCKET_PUBLIC_READ_PROHIBITED
      MaximumExecutionFrequency: Six_Hours
  S3BucketVersioningEnabled:
    Properties:
      ConfigRuleName: s3-bucket-versioning-enabled
      InputParameters:
        isMfaDeleteEnabled:
          Fn::If:
          - s3BucketVersioningEnabledParamIsMfaDeleteEnabled
          - Ref: S3BucketVersioningEnabledParamIsMfaDeleteEnabled
          - Ref: AWS::NoValue
      Scope:
        ComplianceResourceTypes:
        - AWS::S3::Bucket
      Source:
        Owner: AWS
        SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED
    Type: AWS::Config::ConfigRule
  AccountContactDetailsConfigured:
    Controls: ['3562', '4333']
    Properties:
      ConfigRuleName: account-contact-details-configured
      Description: Ensure the contact email and telephone number for AWS accounts are current.
      Source:
        Owner: AWS
        SourceIdentifier: AWS_CONFIG_PROCESS_CHECK
    Type: AWS::Config::ConfigRule
Conditions:
  accessKeysRotatedParamMaxAccessKeyAge:
    Fn::Not:
    - Fn::Equals:
      - ''
      - Ref: AccessKeysRotatedParamMaxAccessKeyAge
  s3BucketVersioningEnabledParamIsMfaDeleteEnabled:
    Fn::Not:
    - Fn::Equals:
      - ''
      - Ref: S3BucketVersioningEnabledParamIsMfaDeleteEnabled
`

// summary renders the rules for comparison: name, parameters, scope,
// source, frequency, controls.
func summary(rules []Rule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.ConfigRuleName)
		if r.InputParameters != nil {
			b.WriteString(" " + *r.InputParameters)
		}
		if r.Scope != nil {
			b.WriteString(" scope=" + strings.Join(r.Scope.ComplianceResourceTypes, ","))
			for _, s := range []*string{r.Scope.ComplianceResourceID, r.Scope.TagKey, r.Scope.TagValue} {
				if s != nil {
					b.WriteString("/" + *s)
				}
			}
		}
		b.WriteString(" " + r.Source.Owner)
		if r.Source.SourceIdentifier != nil {
			b.WriteString(":" + *r.Source.SourceIdentifier)
		}
		if r.MaximumExecutionFrequency != nil {
			b.WriteString(" every=" + *r.MaximumExecutionFrequency)
		}
		if r.Description != nil {
			b.WriteString(" desc=" + *r.Description)
		}
		if len(r.Controls) > 0 {
			b.WriteString(" controls=" + strings.Join(r.Controls, ","))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestParse(t *testing.T) {
	opts := Options{AccountID: "111111111111", Region: "eu-west-1"}
	withParams := func(p map[string]string) Options {
		o := opts
		o.Parameters = p
		return o
	}
	for _, tc := range []struct {
		name string
		body string
		opts Options
		want string
	}{
		{"AWS sample, defaults", sampleTemplate, opts,
			`access-keys-rotated {"maxAccessKeyAge":"90"} AWS:ACCESS_KEYS_ROTATED
S3BucketPublicReadProhibited scope=AWS::S3::Bucket AWS:S3_BUCKET_PUBLIC_READ_PROHIBITED every=Six_Hours desc=Checks that your Amazon S3 buckets do not allow public read access. The rule checks the Block Public Access settings.
s3-bucket-versioning-enabled {} scope=AWS::S3::Bucket AWS:S3_BUCKET_VERSIONING_ENABLED
account-contact-details-configured AWS:AWS_CONFIG_PROCESS_CHECK desc=Ensure the contact email and telephone number for AWS accounts are current. controls=3562,4333
`},
		{"AWS sample, parameters given", sampleTemplate,
			withParams(map[string]string{"AccessKeysRotatedParamMaxAccessKeyAge": "", "S3BucketVersioningEnabledParamIsMfaDeleteEnabled": "true"}),
			`access-keys-rotated {} AWS:ACCESS_KEYS_ROTATED
S3BucketPublicReadProhibited scope=AWS::S3::Bucket AWS:S3_BUCKET_PUBLIC_READ_PROHIBITED every=Six_Hours desc=Checks that your Amazon S3 buckets do not allow public read access. The rule checks the Block Public Access settings.
s3-bucket-versioning-enabled {"isMfaDeleteEnabled":"true"} scope=AWS::S3::Bucket AWS:S3_BUCKET_VERSIONING_ENABLED
account-contact-details-configured AWS:AWS_CONFIG_PROCESS_CHECK desc=Ensure the contact email and telephone number for AWS accounts are current. controls=3562,4333
`},
		{"short forms and resource conditions", `
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}
  TagName: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref "AWS::Region", eu-west-1]]
  Either: !Or [!Condition IsDev, !Equals [a, b]]
Resources:
  Tags:
    Type: AWS::Config::ConfigRule
    Condition: Both
    Properties:
      ConfigRuleName: !Sub "required-tags-${Env}-${AWS::AccountId}"
      InputParameters:
        tag1Key: !Ref TagName
        tag1Value: !If [IsProd, !Join [",", [a, b, !Ref "AWS::Region"]], !Ref "AWS::NoValue"]
        tag2Key: !Select [1, !Split ["/", "x/y/z"]]
        count: 3
        on: true
      Scope:
        ComplianceResourceTypes: [AWS::S3::Bucket, !If [IsDev, AWS::EC2::Volume, !Ref AWS::NoValue]]
        TagKey: !Sub ["${k}-key", {k: !Ref Env}]
      Source: {Owner: AWS, SourceIdentifier: REQUIRED_TAGS}
  DevOnly:
    Type: AWS::Config::ConfigRule
    Condition: Either
    Properties:
      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}
`, withParams(map[string]string{"TagName": "team"}),
			`required-tags-prod-111111111111 {"tag1Key":"team","tag1Value":"a,b,eu-west-1","tag2Key":"y","count":"3","on":"true"} scope=AWS::S3::Bucket/prod-key AWS:REQUIRED_TAGS
`},
		{"the other branches", `
Parameters:
  Env: {Type: String, Default: prod, AllowedValues: [prod, dev]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  DevOnly:
    Type: AWS::Config::ConfigRule
    Condition: IsDev
    Properties:
      Scope:
        ComplianceResourceTypes: [AWS::S3::Bucket, !If [IsDev, AWS::EC2::Volume, !Ref AWS::NoValue]]
        ComplianceResourceId: !If [IsProd, x, !Ref AWS::NoValue]
      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}
`, withParams(map[string]string{"Env": "dev"}),
			`DevOnly scope=AWS::S3::Bucket,AWS::EC2::Volume AWS:S3_BUCKET_VERSIONING_ENABLED
`},
		{"JSON, mappings, custom rules", `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "custom rules",
  "Mappings": {"Fn": {"eu-west-1": {"Arn": "arn:aws:lambda:eu-west-1:111111111111:function:check"}}},
  "Parameters": {"Age": {"Type": "Number", "Default": 90, "MinValue": 1, "MaxValue": 365}},
  "Resources": {
    "Lambda": {"Type": "AWS::Config::ConfigRule", "DependsOn": "Guard", "Properties": {
      "ConfigRuleName": "lambda",
      "InputParameters": "{\"age\":\"1\"}",
      "Source": {"Owner": "CUSTOM_LAMBDA",
        "SourceIdentifier": {"Fn::FindInMap": ["Fn", {"Ref": "AWS::Region"}, "Arn"]},
        "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ScheduledNotification", "MaximumExecutionFrequency": "One_Hour"}]}}},
    "Guard": {"Type": "AWS::Config::ConfigRule", "Properties": {
      "ConfigRuleName": {"Fn::Join": ["-", ["guard", {"Ref": "Age"}]]},
      "Source": {"Owner": "CUSTOM_POLICY",
        "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}],
        "CustomPolicyDetails": {"PolicyRuntime": "guard-2.x.x", "PolicyText": "rule x {}", "EnableDebugLogDelivery": "true"}}}}
  }
}`, opts,
			`lambda {"age":"1"} CUSTOM_LAMBDA:arn:aws:lambda:eu-west-1:111111111111:function:check
guard-90 CUSTOM_POLICY
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := Parse([]byte(tc.body), tc.opts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := summary(rules); got != tc.want {
				t.Errorf("rules:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestParseDetails checks what summary does not show.
func TestParseDetails(t *testing.T) {
	rules, err := Parse([]byte(`
Resources:
  Guard:
    Type: AWS::Config::ConfigRule
    Properties:
      EvaluationModes: [{Mode: DETECTIVE}]
      Source:
        Owner: CUSTOM_POLICY
        SourceDetails: [{EventSource: aws.config, MessageType: ScheduledNotification, MaximumExecutionFrequency: One_Hour}]
        CustomPolicyDetails: {PolicyRuntime: guard-2.x.x, PolicyText: "rule x {}", EnableDebugLogDelivery: true}
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rules[0]
	cp := r.Source.CustomPolicyDetails
	sd := r.Source.SourceDetails
	if r.LogicalID != "Guard" || r.ConfigRuleName != "Guard" || len(r.EvaluationModes) != 1 || r.EvaluationModes[0] != "DETECTIVE" ||
		cp == nil || *cp.PolicyRuntime != "guard-2.x.x" || *cp.PolicyText != "rule x {}" || !*cp.EnableDebugLogDelivery ||
		len(sd) != 1 || *sd[0].EventSource != "aws.config" || *sd[0].MessageType != "ScheduledNotification" || *sd[0].MaximumExecutionFrequency != "One_Hour" {
		t.Errorf("rule = %+v, source %+v", r, r.Source)
	}
}

func TestParseErrors(t *testing.T) {
	const rule = `
Resources:
  R:
    Type: AWS::Config::ConfigRule
    Properties:
      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}
`
	many := "Resources:\n"
	for i := range MaxResources + 1 {
		many += "  R" + strings.Repeat("x", i) + ":\n    Type: AWS::Config::ConfigRule\n    Properties: {Source: {Owner: AWS}}\n"
	}
	for _, tc := range []struct {
		name, body string
		params     map[string]string
		want       string
	}{
		{"not YAML", "a: [", nil, "The template is not valid YAML or JSON: line 1: did not find expected node content"},
		{"not JSON", `{"Resources": }`, nil, "The template is not valid JSON: invalid character '}' looking for beginning of value"},
		{"empty", "", nil, "The template is empty."},
		{"a list", "- a\n- b\n", nil, "The template is not an object: it is a list."},
		{"two documents", rule + "---\nb: 1\n", nil, "The template holds more than one YAML document."},
		{"alias", "Parameters:\n  A: &a {Type: String}\n  B: *a\n" + strings.TrimPrefix(rule, "\n"), nil,
			"Parameters.B: YAML aliases are not allowed in CloudFormation templates"},
		{"duplicate key", rule + "  R:\n    Type: x\n", nil, "Resources: Duplicate key 'R' at line 7."},
		{"unknown tag", "Resources: !Foo x\n", nil, "Resources: Unsupported YAML tag !Foo at line 1."},
		{"transform", "Transform: AWS::Serverless-2016-10-31\n" + rule, nil, "Transform: Transform is not supported: Starling runs no CloudFormation macros."},
		{"unknown section", "Rules: {}\nFoo: 1\n" + rule, nil, "Invalid template property or properties [Rules, Foo]"},
		{"bad version", "AWSTemplateFormatVersion: 2011-01-01\n" + rule, nil, "AWSTemplateFormatVersion: The only valid AWSTemplateFormatVersion is 2010-09-09."},
		{"no resources", "Parameters: {}\n", nil, "Resources: At least one Resources member must be defined."},
		{"too many resources", many, nil, "Number of resources provided in the template exceeds the allowed limit"},
		{"another resource type", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n", nil,
			"Resources.B.Type: Resource type AWS::S3::Bucket is not supported in a conformance pack: a conformance pack template may only declare AWS::Config::ConfigRule resources."},
		{"remediation", rule + "  Fix:\n    Type: AWS::Config::RemediationConfiguration\n    Properties: {ConfigRuleName: R}\n", nil,
			"Resources.Fix.Type: Resource type AWS::Config::RemediationConfiguration is not supported: Starling has no remediation. A conformance pack template may only declare AWS::Config::ConfigRule resources."},
		{"resource attribute", rule + "    Foo: 1\n", nil, "Resources.R: Invalid template resource property 'Foo'"},
		{"non-alphanumeric id", "Resources:\n  my-rule: {Type: AWS::Config::ConfigRule}\n", nil, "Resources.my-rule: Resource name my-rule is non alphanumeric."},
		{"unknown property", rule + "      Color: blue\n", nil, "Resources.R.Properties: Encountered unsupported property Color"},
		{"unknown scope property", rule + "      Scope: {ResourceTypes: [a]}\n", nil, "Resources.R.Properties.Scope: Encountered unsupported property ResourceTypes"},
		{"no source", "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties: {ConfigRuleName: r}\n", nil,
			"Resources.R.Properties: required key [Source] not found"},
		{"no owner", "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties: {Source: {SourceIdentifier: X}}\n", nil,
			"Resources.R.Properties.Source: required key [Owner] not found"},
		{"no properties", "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n", nil, "Resources.R: required key [Properties] not found"},
		{"types as a string", rule + "      Scope: {ComplianceResourceTypes: AWS::S3::Bucket}\n", nil,
			"Resources.R.Properties.Scope.ComplianceResourceTypes: The value must be a list, not a string."},
		{"name as a list", rule + "      ConfigRuleName: [a]\n", nil, "Resources.R.Properties.ConfigRuleName: The value must be a string, not a list."},
		{"undefined parameter", rule + "      ConfigRuleName: !Ref Nope\n", nil,
			"Resources.R.Properties.ConfigRuleName.Ref: Unresolved reference Nope: the template has no parameter of this name."},
		{"undefined parameter in the branch not taken", "Conditions:\n  F: !Equals [a, b]\n" + strings.TrimPrefix(rule, "\n") +
			"      Description: !If [F, !Ref Nope, x]\n", nil,
			"Resources.R.Properties.Description.Fn::If[1].Ref: Unresolved reference Nope: the template has no parameter of this name."},
		{"ref to a resource", rule + "      Description: !Ref R\n", nil,
			"Resources.R.Properties.Description.Ref: Ref to the resource R is not supported: a conformance pack's values may refer to parameters and pseudo parameters only."},
		{"stack name", rule + "      Description: !Sub '${AWS::StackName}'\n", nil,
			"Resources.R.Properties.Description.Fn::Sub: The pseudo parameter AWS::StackName is not supported: Starling deploys no CloudFormation stack."},
		{"sub of an attribute", rule + "      Description: !Sub '${R.Arn}'\n", nil,
			"Resources.R.Properties.Description.Fn::Sub: Fn::Sub variable ${R.Arn} refers to a resource attribute, which Starling does not support."},
		{"unknown function", rule + "      Description: {Fn::Frobnicate: [a]}\n", nil,
			"Resources.R.Properties.Description.Fn::Frobnicate: Encountered unsupported function: Fn::Frobnicate"},
		{"GetAtt", rule + "      Description: !GetAtt R.Arn\n", nil,
			"Resources.R.Properties.Description.Fn::GetAtt: Fn::GetAtt is not supported in a conformance pack template by Starling."},
		{"condition function in a property", rule + "      Description: !Equals [a, a]\n", nil,
			"Resources.R.Properties.Description.Fn::Equals: Fn::Equals can only be used in the Conditions section."},
		{"undefined condition in Fn::If", rule + "      Description: !If [Nope, a, b]\n", nil,
			"Resources.R.Properties.Description.Fn::If[0]: unresolved condition dependency Nope in Fn::If"},
		{"undefined resource condition", rule + "    Condition: Nope\n", nil, "Resources.R.Condition: Unresolved condition dependency Nope in the Resources block of the template"},
		{"undefined dependency", rule + "    DependsOn: [Nope]\n", nil, "Resources.R.DependsOn: Unresolved resource dependencies [Nope] in the Resources block of the template"},
		{"circular conditions", "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\n" + strings.TrimPrefix(rule, "\n") + "    Condition: A\n", nil,
			"Conditions.A: Circular dependency between conditions: A depends on itself."},
		{"bad condition", "Conditions:\n  A: !Ref X\nParameters:\n  X: {Type: String, Default: a}\n" + strings.TrimPrefix(rule, "\n") + "    Condition: A\n", nil,
			"Conditions.A: A condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition."},
		{"Fn::And of one", "Conditions:\n  A: !And [!Equals [a, a]]\n" + strings.TrimPrefix(rule, "\n") + "    Condition: A\n", nil,
			"Conditions.A.Fn::And: Fn::And takes a list of 2 to 10 conditions."},
		{"missing parameter", "Parameters:\n  X: {Type: String}\n  Y: {Type: String}\n" + strings.TrimPrefix(rule, "\n"), nil,
			"Parameters: Parameters: [X, Y] must have values"},
		{"extra parameter", rule, map[string]string{"Zed": "1", "Abe": "2"}, "Parameters: Parameters: [Abe, Zed] do not exist in the template"},
		{"parameter without type", "Parameters:\n  X: {Default: a}\n" + strings.TrimPrefix(rule, "\n"), nil,
			"Parameters.X: Every Parameters object must contain a Type member."},
		{"unknown parameter type", "Parameters:\n  X: {Type: Strang, Default: a}\n" + strings.TrimPrefix(rule, "\n"), nil,
			"Parameters.X.Type: Unrecognized parameter type: Strang"},
		{"SSM parameter type", "Parameters:\n  X: {Type: 'AWS::SSM::Parameter::Value<String>', Default: a}\n" + strings.TrimPrefix(rule, "\n"), nil,
			"Parameters.X.Type: Parameter type AWS::SSM::Parameter::Value<String> is not supported: Starling has no SSM parameters."},
		{"parameter property", "Parameters:\n  X: {Type: String, Default: a, Color: red}\n" + strings.TrimPrefix(rule, "\n"), nil,
			"Parameters.X: Invalid template parameter property 'Color'"},
		{"not allowed", "Parameters:\n  X: {Type: String, AllowedValues: [a, b]}\n" + strings.TrimPrefix(rule, "\n"), map[string]string{"X": "c"},
			"Parameters.X: Parameter 'X' must be one of AllowedValues"},
		{"pattern", "Parameters:\n  X: {Type: String, AllowedPattern: '[a-z]+', ConstraintDescription: lowercase letters}\n" + strings.TrimPrefix(rule, "\n"),
			map[string]string{"X": "abc1"}, "Parameters.X: Parameter 'X' failed to satisfy constraint: lowercase letters"},
		{"not a number", "Parameters:\n  X: {Type: Number}\n" + strings.TrimPrefix(rule, "\n"), map[string]string{"X": "ninety"},
			"Parameters.X: Parameter 'X' must be a number."},
		{"too long", "Parameters:\n  X: {Type: String, MaxLength: 3}\n" + strings.TrimPrefix(rule, "\n"), map[string]string{"X": "abcd"},
			"Parameters.X: Parameter 'X' must contain at most 3 characters"},
		{"too large", "Parameters:\n  X: {Type: Number, MaxValue: 10}\n" + strings.TrimPrefix(rule, "\n"), map[string]string{"X": "11"},
			"Parameters.X: Parameter 'X' must be a number not greater than 10"},
		{"select out of range", rule + "      Description: !Select [3, [a, b]]\n", nil,
			"Resources.R.Properties.Description.Fn::Select: Fn::Select cannot select nonexistent value at index 3"},
		{"find in map", "Mappings:\n  M: {a: {b: c}}\n" + strings.TrimPrefix(rule, "\n") + "      Description: !FindInMap [M, a, z]\n", nil,
			"Resources.R.Properties.Description.Fn::FindInMap: Fn::FindInMap finds no value at [M, a, z] in Mappings."},
		{"duplicate rule names", rule + "      ConfigRuleName: same\n  S:\n    Type: AWS::Config::ConfigRule\n    Properties: {ConfigRuleName: same, Source: {Owner: AWS}}\n", nil,
			"Resources.S: The ConfigRuleName same is also the name of the rule of R."},
		{"deep", rule + "      Description: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", nil,
			"Resources.R.Properties.Description" + strings.Repeat("[0]", maxDepth-3) + ": The template nests values more than 64 levels deep."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.body), Options{Parameters: tc.params, AccountID: "111111111111", Region: "us-east-1"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v; want an *Error", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error = %q;\nwant    %q", err.Error(), tc.want)
			}
		})
	}
}

// TestInputParametersJSON checks that InputParameters is valid JSON in the
// template's order, with nested values kept as JSON.
func TestInputParametersJSON(t *testing.T) {
	rules, err := Parse([]byte(`
Resources:
  R:
    Type: AWS::Config::ConfigRule
    Properties:
      InputParameters: {z: "q\"uote", a: [1, x], m: {k: null}}
      Source: {Owner: AWS}
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := *rules[0].InputParameters
	if got != `{"z":"q\"uote","a":["1","x"],"m":{"k":null}}` || !json.Valid([]byte(got)) {
		t.Errorf("InputParameters = %s", got)
	}
}
