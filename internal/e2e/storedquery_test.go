package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// storedQueryARN is the form of a stored query's ARN (model pattern of
// QueryArn).
var storedQueryARN = regexp.MustCompile(`^arn:aws:config:us-east-1:111111111111:stored-query/q1/query-[a-z0-9]{16}$`)

func putQuery(t *testing.T, c *configservice.Client, name, expr, desc string, tags ...types.Tag) string {
	t.Helper()
	in := &configservice.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String(name), Expression: aws.String(expr)}, Tags: tags}
	if desc != "" {
		in.StoredQuery.Description = aws.String(desc)
	}
	return aws.ToString(must(c.PutStoredQuery(context.Background(), in)).get(t).QueryArn)
}

// TestStoredQueries checks the life of a stored query: create, read,
// update in place (same id, ARN and tags), list, tag and delete.
func TestStoredQueries(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")

	arn := putQuery(t, c, "q1", "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'", "instances", types.Tag{Key: aws.String("team"), Value: aws.String("a")})
	if !storedQueryARN.MatchString(arn) {
		t.Fatalf("QueryArn = %q; want %s", arn, storedQueryARN)
	}
	got := must(c.GetStoredQuery(ctx, &configservice.GetStoredQueryInput{QueryName: aws.String("q1")})).get(t).StoredQuery
	if aws.ToString(got.QueryArn) != arn || aws.ToString(got.QueryId) != arn[strings.LastIndex(arn, "/")+1:] ||
		aws.ToString(got.Expression) != "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'" || aws.ToString(got.Description) != "instances" {
		t.Errorf("GetStoredQuery = %+v", got)
	}

	// An update keeps the query's identity and tags, and ignores new tags.
	if again := putQuery(t, c, "q1", "SELECT *", "everything", types.Tag{Key: aws.String("other"), Value: aws.String("b")}); again != arn {
		t.Errorf("update QueryArn = %q; want %q", again, arn)
	}
	got = must(c.GetStoredQuery(ctx, &configservice.GetStoredQueryInput{QueryName: aws.String("q1")})).get(t).StoredQuery
	if aws.ToString(got.Expression) != "SELECT *" || aws.ToString(got.Description) != "everything" || aws.ToString(got.QueryArn) != arn {
		t.Errorf("after update = %+v", got)
	}
	tags := must(c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).get(t).Tags
	if len(tags) != 1 || aws.ToString(tags[0].Key) != "team" {
		t.Errorf("tags = %+v; want only team", tags)
	}
	_ = must(c.TagResource(ctx, &configservice.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})).get(t)

	// Listing pages by name and leaves the expression out.
	for _, n := range []string{"q4", "q2", "q3", "q0"} {
		putQuery(t, c, n, "SELECT resourceId", "")
	}
	var names []string
	var token *string
	for page := 0; ; page++ {
		out := must(c.ListStoredQueries(ctx, &configservice.ListStoredQueriesInput{MaxResults: aws.Int32(2), NextToken: token})).get(t)
		if len(out.StoredQueryMetadata) > 2 {
			t.Fatalf("page %d has %d queries", page, len(out.StoredQueryMetadata))
		}
		for _, m := range out.StoredQueryMetadata {
			names = append(names, aws.ToString(m.QueryName))
			if m.QueryArn == nil || m.QueryId == nil {
				t.Errorf("metadata %+v lacks its ARN or id", m)
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if fmt.Sprint(names) != "[q0 q1 q2 q3 q4]" {
		t.Errorf("listed %v", names)
	}
	_, err := c.ListStoredQueries(ctx, &configservice.ListStoredQueriesInput{NextToken: aws.String("garbage")})
	wantError(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")
	_, err = c.ListStoredQueries(ctx, &configservice.ListStoredQueriesInput{MaxResults: aws.Int32(101)})
	wantError(t, err, "ValidationException", "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100")

	// Another region has queries of its own.
	if out := must(s.config(acctA, "eu-west-1").ListStoredQueries(ctx, &configservice.ListStoredQueriesInput{})).get(t); len(out.StoredQueryMetadata) != 0 {
		t.Errorf("eu-west-1 lists %+v", out.StoredQueryMetadata)
	}

	// Delete removes the query and its tags.
	_ = must(c.DeleteStoredQuery(ctx, &configservice.DeleteStoredQueryInput{QueryName: aws.String("q1")})).get(t)
	_, err = c.GetStoredQuery(ctx, &configservice.GetStoredQueryInput{QueryName: aws.String("q1")})
	wantError(t, err, "ResourceNotFoundException", "The stored query 'q1' does not exist.")
	_, err = c.DeleteStoredQuery(ctx, &configservice.DeleteStoredQueryInput{QueryName: aws.String("q1")})
	wantError(t, err, "ResourceNotFoundException", "The stored query 'q1' does not exist.")
	_, err = c.ListTagsForResource(ctx, &configservice.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	wantError(t, err, "ResourceNotFoundException", "ResourceArn '"+arn+"' does not exist")
	// The name is free again, with a new identity.
	if again := putQuery(t, c, "q1", "SELECT *", ""); again == arn {
		t.Errorf("recreated query has the deleted one's ARN %q", again)
	}
}

// TestStoredQueries_Invalid checks PutStoredQuery's refusals.
func TestStoredQueries_Invalid(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	for _, tc := range []struct {
		name string
		in   *configservice.PutStoredQueryInput
		msg  string
	}{
		{"bad name", &configservice.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String("a b"), Expression: aws.String("SELECT *")}},
			"1 validation error detected: Value 'a b' at 'storedQuery.queryName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$"},
		{"long name", &configservice.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String(strings.Repeat("a", 65)), Expression: aws.String("SELECT *")}},
			"1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'storedQuery.queryName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"no expression", &configservice.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String("q")}},
			"1 validation error detected: Value null at 'storedQuery.expression' failed to satisfy constraint: Member must not be null"},
		{"long expression", &configservice.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String("q"), Expression: aws.String(strings.Repeat("x", 4097))}},
			"1 validation error detected: Value '" + strings.Repeat("x", 4097) + "' at 'storedQuery.expression' failed to satisfy constraint: Member must have length less than or equal to 4096"},
		{"long description", &configservice.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String("q"), Expression: aws.String("SELECT *"), Description: aws.String(strings.Repeat("d", 257))}},
			"1 validation error detected: Value '" + strings.Repeat("d", 257) + "' at 'storedQuery.description' failed to satisfy constraint: Member must have length less than or equal to 256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.PutStoredQuery(ctx, tc.in)
			wantError(t, err, "ValidationException", tc.msg)
		})
	}
	if out := must(c.ListStoredQueries(ctx, &configservice.ListStoredQueriesInput{})).get(t); len(out.StoredQueryMetadata) != 0 {
		t.Errorf("refused puts stored %+v", out.StoredQueryMetadata)
	}
}

// TestStoredQueries_Quota checks the quota of 300 stored queries per
// account and region: the 301st is refused, an update of one of the 300 is
// not, and a delete makes room.
func TestStoredQueries_Quota(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s.config(acctA, "us-east-1")
	for i := range 300 {
		putQuery(t, c, fmt.Sprintf("q%03d", i), "SELECT *", "")
	}
	in := &configservice.PutStoredQueryInput{StoredQuery: &types.StoredQuery{QueryName: aws.String("one-more"), Expression: aws.String("SELECT *")}}
	_, err := c.PutStoredQuery(ctx, in)
	wantError(t, err, "ValidationException", "You are trying to create more than 300 queries.")
	putQuery(t, c, "q123", "SELECT resourceId", "updated")
	_ = must(c.DeleteStoredQuery(ctx, &configservice.DeleteStoredQueryInput{QueryName: aws.String("q000")})).get(t)
	_ = must(c.PutStoredQuery(ctx, in)).get(t)
	// Quotas are per region.
	putQuery(t, s.config(acctA, "eu-west-1"), "q000", "SELECT *", "")
}

// storedQueryCases are the isolation cases of the stored-query operations:
// A's query is neither read, listed, changed nor deleted by anyone else,
// nor by A in another region.
func (e *isoEnv) storedQueryCases() []configCase {
	ctx := context.Background()
	own := func(t *testing.T) string {
		t.Helper()
		return putQuery(t, e.s.config(isoA, isoRegion), "a-query", "SELECT resourceId WHERE resourceType = 'AWS::S3::Bucket'", "A's")
	}
	checkOwn := func(t *testing.T) {
		t.Helper()
		got := must(e.s.config(isoA, isoRegion).GetStoredQuery(ctx, &configservice.GetStoredQueryInput{QueryName: aws.String("a-query")})).get(t).StoredQuery
		if aws.ToString(got.Expression) != "SELECT resourceId WHERE resourceType = 'AWS::S3::Bucket'" || aws.ToString(got.Description) != "A's" {
			t.Errorf("A's query = %+v", got)
		}
	}
	return []configCase{
		{"GetStoredQuery", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			own(t)
			_, err := c.GetStoredQuery(ctx, &configservice.GetStoredQueryInput{QueryName: aws.String("a-query")})
			wantError(t, err, "ResourceNotFoundException", "The stored query 'a-query' does not exist.")
		}},
		{"ListStoredQueries", "lists none of A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			own(t)
			if out := must(c.ListStoredQueries(ctx, &configservice.ListStoredQueriesInput{})).get(t); len(out.StoredQueryMetadata) != 0 {
				t.Errorf("lists %+v", out.StoredQueryMetadata)
			}
		}},
		{"DeleteStoredQuery", "A's", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			own(t)
			_, err := c.DeleteStoredQuery(ctx, &configservice.DeleteStoredQueryInput{QueryName: aws.String("a-query")})
			wantError(t, err, "ResourceNotFoundException", "The stored query 'a-query' does not exist.")
			checkOwn(t)
		}},
		{"PutStoredQuery", "of A's name makes the caller's own", func(t *testing.T, c *configservice.Client, _ isoCaller) {
			arn := own(t)
			mine := putQuery(t, c, "a-query", "SELECT *", "mine")
			if mine == arn {
				t.Errorf("the caller's query has A's ARN %s", arn)
			}
			checkOwn(t)
			_ = must(c.DeleteStoredQuery(ctx, &configservice.DeleteStoredQueryInput{QueryName: aws.String("a-query")})).get(t)
			checkOwn(t)
		}},
	}
}
