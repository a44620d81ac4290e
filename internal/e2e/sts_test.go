package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func (s *server) sts(accessKey string) *sts.Client {
	return sts.New(sts.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(s.url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
		Retryer:      sdkRetryer(),
		HTTPClient:   awshttp.NewBuildableClient(),
	})
}

func TestGetCallerIdentity(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		key, account string
	}{
		{"123456789012", "123456789012"},
		{"AKIDEXAMPLE", "000000000000"},
	}
	for _, tt := range tests {
		out := must(s.sts(tt.key).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})).get(t)
		if aws.ToString(out.Account) != tt.account || aws.ToString(out.UserId) != tt.account ||
			aws.ToString(out.Arn) != "arn:aws:iam::"+tt.account+":root" {
			t.Errorf("GetCallerIdentity as %s = %s %s %s; want account %s and its root ARN",
				tt.key, aws.ToString(out.Account), aws.ToString(out.UserId), aws.ToString(out.Arn), tt.account)
		}
	}
	// A different default account is configurable.
	s2 := startServer(t, func(c *configOpts) { c.DefaultAccount = "999999999999" })
	out := must(s2.sts("test").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})).get(t)
	if aws.ToString(out.Account) != "999999999999" {
		t.Errorf("with --default-account 999999999999, key test is account %s", aws.ToString(out.Account))
	}
}
