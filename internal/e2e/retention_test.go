package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

func retentionString(rcs []types.RetentionConfiguration) []string {
	var out []string
	for _, rc := range rcs {
		out = append(out, fmt.Sprintf("%s=%04d", aws.ToString(rc.Name), aws.ToInt32(rc.RetentionPeriodInDays)))
	}
	return out
}

func TestRetention_PutDescribeDelete(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	describe := func(names ...string) ([]string, error) {
		out, err := c.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{RetentionConfigurationNames: names})
		if err != nil {
			return nil, err
		}
		if out.NextToken != nil {
			t.Errorf("NextToken = %q; want none", *out.NextToken)
		}
		return retentionString(out.RetentionConfigurations), nil
	}
	if got, err := describe(); err != nil || len(got) != 0 {
		t.Fatalf("before any put: %q, %v; want none", got, err)
	}
	const noSuch = "Cannot find retention configuration with the specified name 'default'."
	_, err := describe("default")
	wantError(t, err, "NoSuchRetentionConfigurationException", noSuch)

	out := must(c.PutRetentionConfiguration(ctx, &configservice.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(90)})).get(t)
	if got := retentionString([]types.RetentionConfiguration{*out.RetentionConfiguration}); !slices.Equal(got, []string{"default=0090"}) {
		t.Errorf("PutRetentionConfiguration = %q; want default=0090", got)
	}
	// A second put changes the one configuration.
	_ = must(c.PutRetentionConfiguration(ctx, &configservice.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(2557)})).get(t)
	for _, names := range [][]string{nil, {"default"}} {
		if got, err := describe(names...); err != nil || !slices.Equal(got, []string{"default=2557"}) {
			t.Errorf("describe %q = %q, %v; want default=2557", names, got, err)
		}
	}
	_, err = describe("other")
	wantError(t, err, "NoSuchRetentionConfigurationException", "Cannot find retention configuration with the specified name 'other'.")
	// Another account or region has none.
	if out := must(s.config(acctA, "eu-west-1").DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{})).get(t); len(out.RetentionConfigurations) != 0 {
		t.Errorf("eu-west-1 retention = %+v; want none", out.RetentionConfigurations)
	}

	for _, tt := range []struct {
		days int32
		msg  string
	}{
		{29, "1 validation error detected: Value '29' at 'retentionPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 30"},
		{2558, "1 validation error detected: Value '2558' at 'retentionPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2557"},
	} {
		_, err := c.PutRetentionConfiguration(ctx, &configservice.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(tt.days)})
		wantError(t, err, "ValidationException", tt.msg)
	}
	_, err = c.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{NextToken: aws.String("a.b")})
	wantError(t, err, "InvalidNextTokenException", msgInvalidNextToken)
	_, err = c.DescribeRetentionConfigurations(ctx, &configservice.DescribeRetentionConfigurationsInput{RetentionConfigurationNames: []string{"a", "b"}})
	wantError(t, err, "ValidationException",
		"1 validation error detected: Value '[a, b]' at 'retentionConfigurationNames' failed to satisfy constraint: Member must have length less than or equal to 1")

	_, err = c.DeleteRetentionConfiguration(ctx, &configservice.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("other")})
	wantError(t, err, "NoSuchRetentionConfigurationException", "Cannot find retention configuration with the specified name 'other'.")
	_ = must(c.DeleteRetentionConfiguration(ctx, &configservice.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("default")})).get(t)
	if got, err := describe(); err != nil || len(got) != 0 {
		t.Errorf("after delete: %q, %v; want none", got, err)
	}
	_, err = c.DeleteRetentionConfiguration(ctx, &configservice.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("default")})
	wantError(t, err, "NoSuchRetentionConfigurationException", noSuch)
}

// TestRetention_Prunes checks that history older than the retention period
// goes, except each resource's current version, at once when the period is
// put, and on later reads as time passes.
func TestRetention_Prunes(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	startRecording(t, c, nil)
	day := 24 * time.Hour
	v := func(id string, state int64, ago time.Duration) fileCI {
		return fileItem(acctA, "us-east-1", string(typeInstance), id, state, testEpoch.Add(-ago))
	}
	s.mustIngest(t, acctA, "us-east-1",
		v("i-1", 1, 100*day), v("i-1", 2, 50*day), v("i-1", 3, 20*day), v("i-1", 4, 5*day),
		v("i-old", 1, 400*day), v("i-old", 2, 300*day))
	// Another account's old history is not touched.
	startRecording(t, s.config(acctB, "us-east-1"), nil)
	s.mustIngest(t, acctB, "us-east-1",
		fileItem(acctB, "us-east-1", string(typeInstance), "i-1", 1, testEpoch.Add(-100*day)),
		fileItem(acctB, "us-east-1", string(typeInstance), "i-1", 2, testEpoch.Add(-5*day)))

	// The default period, seven years, keeps everything.
	if got := stateIDs(history(t, c, typeInstance, "i-1", 0)); len(got) != 4 {
		t.Errorf("history under the default period = %q; want all 4", got)
	}
	_ = must(c.PutRetentionConfiguration(ctx, &configservice.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(60)})).get(t)
	if got, want := stateIDs(history(t, c, typeInstance, "i-1", 0)), []string{"4:OK", "3:OK", "2:OK"}; !slices.Equal(got, want) {
		t.Errorf("history under 60 days = %q; want %q", got, want)
	}
	// The current version stays, however old.
	if got, want := stateIDs(history(t, c, typeInstance, "i-old", 0)), []string{"2:OK"}; !slices.Equal(got, want) {
		t.Errorf("old resource's history = %q; want %q", got, want)
	}
	if got := stateIDs(history(t, s.config(acctB, "us-east-1"), typeInstance, "i-1", 0)); len(got) != 2 {
		t.Errorf("another account's history = %q; want both versions", got)
	}

	// Time passes: a read more than a minute later prunes again.
	s.clock.Advance(20 * day)
	if got, want := stateIDs(history(t, c, typeInstance, "i-1", 0)), []string{"4:OK", "3:OK"}; !slices.Equal(got, want) {
		t.Errorf("history 20 days later = %q; want %q", got, want)
	}
	// Deleting the configuration restores the default period; what was
	// pruned is gone.
	_ = must(c.DeleteRetentionConfiguration(ctx, &configservice.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("default")})).get(t)
	s.clock.Advance(2 * time.Minute)
	if got, want := stateIDs(history(t, c, typeInstance, "i-1", 0)), []string{"4:OK", "3:OK"}; !slices.Equal(got, want) {
		t.Errorf("history after delete = %q; want %q", got, want)
	}
}
