package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// The operations a load run can drive.
const (
	// OpPut is PutConfigurationAggregator cycling over the K names.
	OpPut = "put"
	// OpDescribe is DescribeConfigurationAggregators (no filter) with the
	// K aggregators present.
	OpDescribe = "describe"
	// OpTag is TagResource on one aggregator's ARN, cycling over tagKeys.
	OpTag = "tag"
	// OpBatchGet is BatchGetResourceConfig of one key, cycling over K
	// EC2 instances recorded first through Starling's ingest operation.
	OpBatchGet = "batchget"
)

// Ops lists the operations in the order the help names them.
var Ops = []string{OpPut, OpDescribe, OpTag, OpBatchGet, OpAggList, OpAggCounts, OpAggBatchGet,
	OpAggComplianceRules, OpAggComplianceDetails, OpAggComplianceSummary, OpAggPackCompliance, OpAggPackSummary}

// AWS Config operation names the workloads call.
const (
	apiPut      = "PutConfigurationAggregator"
	apiDescribe = "DescribeConfigurationAggregators"
	apiTag      = "TagResource"
	apiBatchGet = "BatchGetResourceConfig"
	// apiIngest is Starling's own operation that records configuration
	// items, given as a whole target.
	apiIngest = "StarlingIngest_20261129.PutConfigurationItems"
)

// SourceAccount is the source account of every aggregator the tool creates.
const SourceAccount = "222222222222"

// tagKeys are the keys TagResource cycles over: few enough to stay well
// under AWS Config's 50 tags per resource.
var tagKeys = []string{"load-a", "load-b", "load-c", "load-d"}

// AggregatorName is the i-th name of the put and describe workloads. The
// tag workload tags AggregatorName(0), so the three workloads share one
// set of names and a describe after put or tag sees exactly K aggregators.
func AggregatorName(i int) string { return fmt.Sprintf("load-%04d", i) }

// Request is one API call: the AWS Config operation and its JSON body.
type Request struct {
	Op   string
	Body []byte
}

// Plan is a workload ready to run against a prepared server.
type Plan struct {
	// Op is the workload (one of Ops).
	Op string
	// Aggregators is how many aggregators DescribeConfigurationAggregators
	// returned after preparing a describe workload (its first page).
	Aggregators int
	// Workload describes what an aggregate workload asks for, as learnt
	// from the data.
	Workload string
	next     func(i uint64) Request
}

// Request returns the i-th request of the workload. It is safe for
// concurrent use.
func (p *Plan) Request(i uint64) Request { return p.next(i) }

// PutBody is the body of a PutConfigurationAggregator of name with one
// account source of all regions.
func PutBody(name string) []byte {
	type source struct {
		AccountIds    []string
		AllAwsRegions bool
	}
	b, _ := json.Marshal(struct {
		ConfigurationAggregatorName string
		AccountAggregationSources   []source
	}{name, []source{{AccountIds: []string{SourceAccount}, AllAwsRegions: true}}})
	return b
}

// Prepare makes the server behind c ready for the workload op over names
// aggregators and returns its plan: describe creates (or updates)
// AggregatorName(0..names-1) first, tag creates AggregatorName(0) and
// learns its ARN; put needs nothing.
func Prepare(ctx context.Context, c *Client, op string, names int) (*Plan, error) {
	if names < 1 {
		return nil, fmt.Errorf("names = %d; want at least 1", names)
	}
	switch op {
	case OpPut:
		bodies := make([][]byte, names)
		for i := range bodies {
			bodies[i] = PutBody(AggregatorName(i))
		}
		return &Plan{Op: op, next: func(i uint64) Request {
			return Request{Op: apiPut, Body: bodies[i%uint64(len(bodies))]}
		}}, nil
	case OpDescribe:
		for i := range names {
			if _, err := c.CallOK(ctx, apiPut, PutBody(AggregatorName(i))); err != nil {
				return nil, fmt.Errorf("create aggregator %d of %d: %w", i+1, names, err)
			}
		}
		body := []byte("{}")
		resp, err := c.CallOK(ctx, apiDescribe, body)
		if err != nil {
			return nil, err
		}
		var out describeOutput
		if err := json.Unmarshal(resp, &out); err != nil {
			return nil, fmt.Errorf("%s: decode response: %w", apiDescribe, err)
		}
		return &Plan{Op: op, Aggregators: len(out.ConfigurationAggregators), next: func(uint64) Request {
			return Request{Op: apiDescribe, Body: body}
		}}, nil
	case OpTag:
		resp, err := c.CallOK(ctx, apiPut, PutBody(AggregatorName(0)))
		if err != nil {
			return nil, err
		}
		var out struct {
			ConfigurationAggregator struct{ ConfigurationAggregatorArn string }
		}
		if err := json.Unmarshal(resp, &out); err != nil || out.ConfigurationAggregator.ConfigurationAggregatorArn == "" {
			return nil, fmt.Errorf("%s: no ARN in the response: %s", apiPut, Truncate(resp, 300))
		}
		arn, _ := json.Marshal(out.ConfigurationAggregator.ConfigurationAggregatorArn)
		prefix := `{"ResourceArn":` + string(arn) + `,"Tags":[{"Key":"`
		return &Plan{Op: op, next: func(i uint64) Request {
			b := make([]byte, 0, len(prefix)+48)
			b = append(b, prefix...)
			b = append(b, tagKeys[i%uint64(len(tagKeys))]...)
			b = append(b, `","Value":"v`...)
			b = strconv.AppendUint(b, i, 10)
			b = append(b, `"}]}`...)
			return Request{Op: apiTag, Body: b}
		}}, nil
	case OpBatchGet:
		if err := recordInstances(ctx, c, names); err != nil {
			return nil, err
		}
		return &Plan{Op: op, next: func(i uint64) Request {
			b := make([]byte, 0, 96)
			b = append(b, `{"resourceKeys":[{"resourceType":"AWS::EC2::Instance","resourceId":"`...)
			b = append(b, instanceID(int(i%uint64(names)))...)
			b = append(b, `"}]}`...)
			return Request{Op: apiBatchGet, Body: b}
		}}, nil
	default:
		return nil, fmt.Errorf("unknown operation %q: want put, describe, tag or batchget", op)
	}
}

// describeOutput is the part of a DescribeConfigurationAggregators
// response the tool reads.
type describeOutput struct {
	ConfigurationAggregators []struct{ ConfigurationAggregatorName string }
	NextToken                string
}

// instanceID is the id of the i-th EC2 instance of the batchget workload.
func instanceID(i int) string { return fmt.Sprintf("i-%017x", i) }

// recordInstances starts a recorder in the caller's account and region and
// records n EC2 instances there through the ingest operation, in batches.
func recordInstances(ctx context.Context, c *Client, n int) error {
	for _, call := range []struct{ op, body string }{
		{"PutConfigurationRecorder", `{"ConfigurationRecorder":{"name":"default","roleARN":"arn:aws:iam::123456789012:role/config"}}`},
		{"PutDeliveryChannel", `{"DeliveryChannel":{"name":"default","s3BucketName":"load-bucket"}}`},
		{"StartConfigurationRecorder", `{"ConfigurationRecorderName":"default"}`},
	} {
		if _, err := c.CallOK(ctx, call.op, []byte(call.body)); err != nil {
			return err
		}
	}
	account, region := c.Account(), c.Region()
	const batch = 500
	for start := 0; start < n; start += batch {
		var b []byte
		b = append(b, `{"fileVersion":"1.0","configurationItems":[`...)
		for i := start; i < min(n, start+batch); i++ {
			if i > start {
				b = append(b, ',')
			}
			id := instanceID(i)
			b = fmt.Appendf(b, `{"configurationItemVersion":"1.3","configurationItemCaptureTime":"2026-01-01T00:00:00.000Z",`+
				`"configurationStateId":%d,"awsAccountId":"%s","configurationItemStatus":"ResourceDiscovered",`+
				`"resourceType":"AWS::EC2::Instance","resourceId":"%s","ARN":"arn:aws:ec2:%s:%s:instance/%s",`+
				`"awsRegion":"%s","availabilityZone":"%sa","tags":{"Name":"load-%d"},"relationships":[],`+
				`"configuration":{"instanceId":"%s","instanceType":"t3.micro","state":{"code":16,"name":"running"}},`+
				`"supplementaryConfiguration":{}}`,
				1767225600000+i, account, id, region, account, id, region, region, i, id)
		}
		b = append(b, `]}`...)
		if _, err := c.CallOK(ctx, apiIngest, b); err != nil {
			return fmt.Errorf("record instances %d to %d of %d: %w", start+1, min(n, start+batch), n, err)
		}
	}
	return nil
}
