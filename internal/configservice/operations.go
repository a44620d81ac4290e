package configservice

import (
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
)

// Operations returns svc's operation table for the server: configapi's
// generated table, with AWS Config's answer to invalid requests
// (invalidRequest).
func Operations(svc *Service) map[string]shape.Handler {
	return configapi.Operations(svc, invalidRequest)
}

// invalidRequest is AWS Config's answer to a request that breaks the model's
// constraints: ValidationException, except that an operation that models
// InvalidLimitException answers a page size outside its range, when that is
// the only violation, with that error, in the form "Value '101' at 'limit'
// failed to satisfy constraint: Member must have value less than or equal to
// 100". The AWS Config API Reference lists InvalidLimitException in the
// Errors section of those operations (DescribeConfigurationAggregators, for
// one); the message is the one moto, written against real responses, sends.
func invalidRequest(op string, v *shape.Validator) error {
	if vs := v.Violations(); v.Count() == 1 && isLimitPath(vs[0].Path) &&
		slices.Contains(configapi.OperationErrors[op], configapi.CodeInvalidLimit) {
		return configapi.InvalidLimit(vs[0].Text)
	}
	return v.Err()
}

func isLimitPath(p string) bool {
	return strings.EqualFold(p, "limit") || p == "maxResults"
}
