package configapi

import (
	"context"
	"testing"

	"github.com/starlingcfg/starling/internal/api/shape"
)

// BenchmarkDecodeValidate measures the request path before any behaviour:
// decoding an awsJson1_1 body into the generated type and validating it
// against the model.
func BenchmarkDecodeValidate(b *testing.B) {
	bodies := map[string]string{
		"PutConfigurationAggregator":       `{"ConfigurationAggregatorName":"agg-42","AccountAggregationSources":[{"AccountIds":["222222222222","333333333333"],"AllAwsRegions":true}],"Tags":[{"Key":"env","Value":"prod"}]}`,
		"DescribeConfigurationAggregators": `{"ConfigurationAggregatorNames":["a","b","c"],"Limit":10}`,
	}
	noop := func(context.Context, *PutConfigurationAggregatorRequest) (*PutConfigurationAggregatorResponse, error) {
		return &PutConfigurationAggregatorResponse{}, nil
	}
	noopDescribe := func(context.Context, *DescribeConfigurationAggregatorsRequest) (*DescribeConfigurationAggregatorsResponse, error) {
		return &DescribeConfigurationAggregatorsResponse{}, nil
	}
	handlers := map[string]shape.Handler{
		"PutConfigurationAggregator":       shape.Handle(noop),
		"DescribeConfigurationAggregators": shape.Handle(noopDescribe),
	}
	for op, body := range bodies {
		b.Run(op, func(b *testing.B) {
			h, in := handlers[op], []byte(body)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
