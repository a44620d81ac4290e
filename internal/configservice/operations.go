package configservice

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
)

// Operations returns svc's operation table for the server: configapi's
// generated table, with one convention of AWS Config applied on top.
//
// An operation that models InvalidLimitException answers a page size outside
// its range with that error rather than ValidationException, in the form
// "Value '101' at 'limit' failed to satisfy constraint: Member must have value
// less than or equal to 100" (spec §2.0 and Appendix B #4).
func Operations(svc *Service) map[string]shape.Handler {
	ops := configapi.Operations(svc)
	// The hot aggregator operations answer with stored JSON as it is.
	ops["PutConfigurationAggregator"] = shape.HandleRaw(svc.putAggregatorRaw)
	ops["DescribeConfigurationAggregators"] = shape.HandleRaw(svc.describeAggregatorsRaw)
	for name, h := range ops {
		if slices.Contains(configapi.OperationErrors[name], configapi.CodeInvalidLimit) {
			ops[name] = limitErrors(h)
		}
	}
	return ops
}

// limitErrors turns a ValidationException whose only violation is the page
// size into an InvalidLimitException.
func limitErrors(h shape.Handler) shape.Handler {
	return func(ctx context.Context, body []byte) (any, error) {
		out, err := h(ctx, body)
		var e *apierr.Error
		var vs shape.Violations
		if err != nil && errors.As(err, &e) && e.Code == "ValidationException" && errors.As(e.Err, &vs) &&
			len(vs) == 1 && isLimitPath(vs[0].Path) {
			return nil, configapi.InvalidLimit(vs[0].Text)
		}
		return out, err
	}
}

func isLimitPath(p string) bool {
	return strings.EqualFold(p, "limit") || p == "maxResults"
}
