package configservice

import (
	"bytes"
	"context"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/ingest"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Starling's ingest API: the path by which configuration items of
// AWS-owned types (AWS::EC2::Instance and the rest), which AWS Config
// records by itself, reach Starling. It is not part of AWS Config's model;
// it speaks the same JSON protocol under its own target prefix and is
// signed for the service "config", so that any SigV4 signer works with it.

// IngestTargetPrefix is the X-Amz-Target prefix of the ingest API, dated
// like AWS's own prefixes so that a later, different API can sit beside it.
const IngestTargetPrefix = "StarlingIngest_20261129"

// IngestSigningName is the SigV4 service name of the ingest API: AWS
// Config's, so that a client configured for Config signs ingest requests
// as they are.
const IngestSigningName = configapi.SigningName

// IngestOperations returns the operation table of the ingest API:
//
//	PutConfigurationItems  body: a delivery file's top-level object,
//	                       {"fileVersion":"1.0","configurationItems":[…]}
//	                       answer: {"New":n,"Unchanged":n,"Superseded":n}
//
// A ConfigSnapshot or ConfigHistory file AWS Config delivered to S3 can be
// posted as it is (unzipped). The items are recorded as the caller's
// recorder records them (RecordConfigurationItems): all of them or none.
func IngestOperations(svc *Service) map[string]shape.Handler {
	return map[string]shape.Handler{
		"PutConfigurationItems": svc.putConfigurationItems,
	}
}

// putConfigurationItemsResponse is PutConfigurationItems' answer: what the
// store did with the recorded items (inventory.WriteResult). Items of types
// the recorder does not record are in none of the counts.
type putConfigurationItemsResponse struct {
	New        int `json:"New"`
	Unchanged  int `json:"Unchanged"`
	Superseded int `json:"Superseded"`
}

// putConfigurationItems decodes the delivery file in body and records its
// items. A body that is not a delivery file is ValidationException, with
// the decoder's account of what is wrong and where.
func (s *Service) putConfigurationItems(ctx context.Context, body []byte) (any, error) {
	var items []inventory.Item
	err := ingest.DecodeFile(bytes.NewReader(body), func(it inventory.Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, configapi.Validation("The body is not a configuration item delivery file: " +
			strings.TrimPrefix(err.Error(), "ingest: "))
	}
	res, err := s.RecordConfigurationItems(ctx, items)
	if err != nil {
		return nil, err
	}
	return &putConfigurationItemsResponse{New: res.New, Unchanged: res.Unchanged, Superseded: res.Superseded}, nil
}
