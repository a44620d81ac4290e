package configservice

import (
	"context"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
)

// Operations returns svc's operation table for the server: configapi's
// generated table, with AWS Config's answer to invalid requests
// (invalidRequest), three reads of source-account resources replaced
// (customTypeOperations), and the aggregate reads that return
// configuration items (aggregateOperations).
func Operations(svc *Service) map[string]shape.Handler {
	ops := configapi.Operations(svc, invalidRequest)
	for op, h := range customTypeOperations(svc) {
		ops[op] = h
	}
	for op, h := range aggregateOperations(svc) {
		ops[op] = h
	}
	return ops
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

// customTypeOperations returns the handlers of ListDiscoveredResources,
// GetResourceConfigHistory and BatchGetResourceConfig, which differ from
// the generated ones in two ways:
//
//   - Their resourceType members are of the model's ResourceType enum, yet
//     AWS reads custom resource types recorded with PutResourceConfig
//     through them ("Read Configuration Items with AWS Config for
//     Third-Party Resources using the AWS CLI", AWS Config Developer Guide,
//     lists MyCustomNamespace::Testing::WordPress). A value that is a
//     custom type name (isCustomType) passes; every other constraint, and
//     the enum for every other value, is checked as the model says.
//   - Their configuration items are sent with empty collections present
//     (encodeHistory, encodeBatchGet).
func customTypeOperations(svc *Service) map[string]shape.Handler {
	return map[string]shape.Handler{
		"ListDiscoveredResources": shape.HandleOp("ListDiscoveredResources", invalidRequest,
			func(ctx context.Context, in *listDiscoveredResourcesInput) (*configapi.ListDiscoveredResourcesResponse, error) {
				return svc.ListDiscoveredResources(ctx, (*configapi.ListDiscoveredResourcesRequest)(in))
			}),
		"GetResourceConfigHistory": shape.HandleRawOp("GetResourceConfigHistory", invalidRequest,
			func(ctx context.Context, in *getResourceConfigHistoryInput) (shape.RawJSON, error) {
				out, err := svc.GetResourceConfigHistory(ctx, (*configapi.GetResourceConfigHistoryRequest)(in))
				if err != nil {
					return nil, err
				}
				return encodeHistory(out)
			}),
		"BatchGetResourceConfig": shape.HandleRawOp("BatchGetResourceConfig", invalidRequest,
			func(ctx context.Context, in *batchGetResourceConfigInput) (shape.RawJSON, error) {
				out, err := svc.BatchGetResourceConfig(ctx, (*configapi.BatchGetResourceConfigRequest)(in))
				if err != nil {
					return nil, err
				}
				return encodeBatchGet(out)
			}),
	}
}

// enumStandIn is a ResourceType enum value that stands in for a custom type
// while the model's constraints are checked.
var enumStandIn = configapi.ResourceTypeValues[0]

// standIn returns the value to validate in place of a resource type.
func standIn(t *string) *string {
	if t != nil && isCustomType(*t) {
		return &enumStandIn
	}
	return t
}

// listDiscoveredResourcesInput is ListDiscoveredResources' input with the
// custom type rule of customTypeOperations.
type listDiscoveredResourcesInput configapi.ListDiscoveredResourcesRequest

// CheckConstraints checks the model's constraints, a custom type passing
// the enum.
func (in *listDiscoveredResourcesInput) CheckConstraints() shape.Validator {
	c := configapi.ListDiscoveredResourcesRequest(*in)
	c.ResourceType = standIn(c.ResourceType)
	return c.CheckConstraints()
}

// getResourceConfigHistoryInput is GetResourceConfigHistory's input with the
// custom type rule of customTypeOperations.
type getResourceConfigHistoryInput configapi.GetResourceConfigHistoryRequest

// CheckConstraints checks the model's constraints, a custom type passing
// the enum.
func (in *getResourceConfigHistoryInput) CheckConstraints() shape.Validator {
	c := configapi.GetResourceConfigHistoryRequest(*in)
	c.ResourceType = standIn(c.ResourceType)
	return c.CheckConstraints()
}

// batchGetResourceConfigInput is BatchGetResourceConfig's input with the
// custom type rule of customTypeOperations.
type batchGetResourceConfigInput configapi.BatchGetResourceConfigRequest

// CheckConstraints checks the model's constraints, custom types passing
// the enum.
func (in *batchGetResourceConfigInput) CheckConstraints() shape.Validator {
	c := configapi.BatchGetResourceConfigRequest(*in)
	if c.ResourceKeys != nil {
		c.ResourceKeys = slices.Clone(c.ResourceKeys)
		for i := range c.ResourceKeys {
			c.ResourceKeys[i].ResourceType = standIn(c.ResourceKeys[i].ResourceType)
		}
	}
	return c.CheckConstraints()
}
