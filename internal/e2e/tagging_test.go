package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

func tagsOf(kv ...string) []types.Tag {
	var tags []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tags
}

func tagString(tags []types.Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = aws.ToString(t.Key) + "=" + aws.ToString(t.Value)
	}
	return strings.Join(parts, ",")
}

func TestTagging_Aggregator(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	in := putAccounts("agg", acctA)
	in.Tags = tagsOf("b", "1", "a", "2")
	arn := must(c.PutConfigurationAggregator(ctx, in)).get(t).ConfigurationAggregator.ConfigurationAggregatorArn
	list := func() string {
		t.Helper()
		return tagString(must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: arn})).get(t).Tags)
	}
	if got := list(); got != "a=2,b=1" {
		t.Errorf("tags = %s; want a=2,b=1 (sorted by key)", got)
	}
	_ = must(c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: arn, Tags: tagsOf("b", "changed", "c", "3")})).get(t)
	if got := list(); got != "a=2,b=changed,c=3" {
		t.Errorf("after TagResource tags = %s; want a=2,b=changed,c=3", got)
	}
	_ = must(c.UntagResource(ctx, &configservice.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a", "missing"}})).get(t)
	if got := list(); got != "b=changed,c=3" {
		t.Errorf("after UntagResource tags = %s; want b=changed,c=3", got)
	}

	// Pagination of tags.
	var many []string
	for i := range 47 {
		many = append(many, fmt.Sprintf("k%02d", i), "v")
	}
	_ = must(c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: arn, Tags: tagsOf(many...)})).get(t)
	var keys []string
	p := configservice.NewListTagsForResourcePaginator(c, &configservice.ListTagsForResourceInput{ResourceArn: arn, Limit: 20})
	for p.HasMorePages() {
		for _, tag := range must(p.NextPage(ctx)).get(t).Tags {
			keys = append(keys, aws.ToString(tag.Key))
		}
	}
	if len(keys) != 49 || keys[0] != "b" || keys[48] != "k46" {
		t.Errorf("paginated %d keys %v..; want 49 from b to k46", len(keys), keys[:1])
	}

	// 49 tags + 2 new = 51 > 50.
	_, err := c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: arn, Tags: tagsOf("x", "1", "y", "2")})
	wantError(t, err, "TooManyTagsException", "")
	_ = must(c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: arn, Tags: tagsOf("x", "1", "b", "overwrite")})).get(t)

	_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: arn, Limit: 51})
	wantError(t, err, "InvalidLimitException", "Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50")
}

func TestTagging_Validation(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	arn := must(c.PutConfigurationAggregator(ctx, putAccounts("agg", acctA))).get(t).ConfigurationAggregator.ConfigurationAggregatorArn
	longKey := strings.Repeat("k", 129)
	longValue := strings.Repeat("v", 257)
	var fiftyOne []string
	for i := range 51 {
		fiftyOne = append(fiftyOne, fmt.Sprintf("k%d", i), "v")
	}
	tests := []struct {
		name    string
		tags    []types.Tag
		code    string
		message string
	}{
		{"key too long", tagsOf(longKey, "v"), "ValidationException",
			"1 validation error detected: Value '" + longKey + "' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"value too long", tagsOf("k", longValue), "ValidationException",
			"1 validation error detected: Value '" + longValue + "' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"bad key characters", tagsOf("ok", "v", "bad*key", "v"), "ValidationException",
			`1 validation error detected: Value 'bad*key' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"duplicate keys ignoring case", tagsOf("Env", "a", "env", "b"), "InvalidInput",
			"Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{"more than 50 in one request", tagsOf(fiftyOne...), "ValidationException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: arn, Tags: tt.tags})
			wantError(t, err, tt.code, tt.message)
			in := putAccounts("fresh", acctA)
			in.Tags = tt.tags
			_, err = c.PutConfigurationAggregator(ctx, in)
			wantError(t, err, tt.code, tt.message)
		})
	}
	for _, bad := range []string{"arn:aws:config:us-east-1:111111111111:config-aggregator/config-aggregator-nothere", "not-an-arn"} {
		_, err := c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: aws.String(bad), Tags: tagsOf("a", "b")})
		wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+bad+"' does not exist")
	}
}
