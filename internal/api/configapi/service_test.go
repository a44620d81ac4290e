package configapi

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
)

func TestServiceConstants(t *testing.T) {
	if TargetPrefix != "StarlingDoveService" || SigningName != "config" || ServiceID != "Config Service" || APIVersion == "" {
		t.Errorf("constants: %q %q %q %q", TargetPrefix, SigningName, ServiceID, APIVersion)
	}
}

func TestOperationsCoverOperationNames(t *testing.T) {
	ops := Operations(UnimplementedService{}, nil)
	if len(ops) != len(OperationNames) {
		t.Errorf("Operations has %d entries, OperationNames %d", len(ops), len(OperationNames))
	}
	if !slices.IsSorted(OperationNames) {
		t.Errorf("OperationNames is not sorted")
	}
	for _, name := range OperationNames {
		if ops[name] == nil {
			t.Errorf("Operations lacks %s", name)
		}
		if _, ok := OperationErrors[name]; !ok {
			t.Errorf("OperationErrors lacks %s", name)
		}
	}
	for _, name := range []string{"PutConfigurationAggregator", "DescribeConfigurationAggregators", "TagResource"} {
		if !slices.Contains(OperationNames, name) {
			t.Errorf("OperationNames lacks %s", name)
		}
	}
	if !slices.Contains(OperationErrors["DescribeConfigurationAggregators"], CodeInvalidLimit) {
		t.Errorf("OperationErrors[DescribeConfigurationAggregators] = %v, want it to include %s",
			OperationErrors["DescribeConfigurationAggregators"], CodeInvalidLimit)
	}
}

func TestHandlers(t *testing.T) {
	ops := Operations(UnimplementedService{}, nil)
	tests := []struct {
		op, body, code, message string
	}{
		{"PutConfigurationAggregator", `{"ConfigurationAggregatorName":"agg"}`, "NotImplementedException",
			"Starling does not implement the Config Service operation PutConfigurationAggregator yet."},
		{"PutConfigurationAggregator", `{}`, "ValidationException",
			"1 validation error detected: Value null at 'configurationAggregatorName' failed to satisfy constraint: Member must not be null"},
		{"DescribeConfigurationAggregators", `{"Limit":101}`, "ValidationException",
			"1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"DescribeConfigurationAggregators", `{"Limit":"x"}`, "SerializationException", ""},
		{"DescribeConfigurationRecorders", ``, "NotImplementedException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.op+" "+tt.body, func(t *testing.T) {
			out, err := ops[tt.op](context.Background(), []byte(tt.body))
			var e *apierr.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, %v; want an *apierr.Error", out, err)
			}
			if e.Code != tt.code || (tt.message != "" && e.Message != tt.message) {
				t.Errorf("got %s: %s\nwant %s: %s", e.Code, e.Message, tt.code, tt.message)
			}
		})
	}
}

// partial implements one operation and inherits the rest.
type partial struct{ UnimplementedService }

func (partial) DeleteConfigurationAggregator(context.Context, *DeleteConfigurationAggregatorRequest) (*shape.Empty, error) {
	return nil, nil
}

func TestEmbeddingUnimplementedService(t *testing.T) {
	ops := Operations(partial{}, nil)
	out, err := ops["DeleteConfigurationAggregator"](context.Background(), []byte(`{"ConfigurationAggregatorName":"agg"}`))
	if err != nil {
		t.Fatalf("implemented operation: %v", err)
	}
	if out == nil {
		t.Errorf("nil output, want shape.Empty")
	}
	_, err = ops["PutConfigurationAggregator"](context.Background(), []byte(`{"ConfigurationAggregatorName":"agg"}`))
	if err == nil || !strings.Contains(err.Error(), "NotImplementedException") {
		t.Errorf("inherited operation: %v", err)
	}
}

func TestErrorConstructors(t *testing.T) {
	e := NoSuchConfigurationAggregator("gone")
	if e.Code != "NoSuchConfigurationAggregatorException" ||
		e.Message != "gone" || e.CapitalMessage || e.Fields != nil || e.HTTPStatus() != 400 {
		t.Errorf("NoSuchConfigurationAggregator = %+v", e)
	}
	if e := IdempotentParameterMismatch("x"); e.Code != "IdempotentParameterMismatch" {
		t.Errorf("IdempotentParameterMismatch code = %q", e.Code)
	}
}
