package configservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/inventory"
)

// Custom (third-party) resource types: PutResourceConfig and
// DeleteResourceConfig record their configuration items directly, while
// the recorder is recording (AWS Config API Reference, PutResourceConfig,
// DeleteResourceConfig; AWS Config Developer Guide, "Recording
// Configurations with AWS Config for Third-Party Resources using the AWS
// CLI"). Starling has no CloudFormation registry: any type name of the
// registry's form is taken as registered, and SchemaVersionId is checked
// by the model only.

// maxCustomConfiguration is the largest Configuration: "The configuration
// JSON must not exceed 64 KB." (PutResourceConfig, Configuration).
const maxCustomConfiguration = 64 << 10

// Messages of the custom resource rules; AWS does not publish its texts,
// these are ours.
const (
	msgConfigurationNotJSON   = "The configuration is not valid JSON. Provide the configuration object of the resource in valid JSON format."
	msgConfigurationNotObject = "The configuration is not a JSON object. Provide the configuration object of the resource in valid JSON format."
)

func msgConfigurationTooLarge(n int) string {
	return "The configuration is " + strconv.Itoa(n) + " bytes long. The configuration JSON must not exceed 64 KB (65536 bytes)."
}

// customConfiguration checks a PutResourceConfig configuration and returns
// it compact, its keys and numbers as sent.
func customConfiguration(s string) (json.RawMessage, error) {
	if len(s) > maxCustomConfiguration {
		return nil, configapi.Validation(msgConfigurationTooLarge(len(s)))
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return nil, configapi.Validation(msgConfigurationNotJSON)
	}
	if b.Len() == 0 || b.Bytes()[0] != '{' {
		return nil, configapi.Validation(msgConfigurationNotObject)
	}
	return b.Bytes(), nil
}

// PutResourceConfig records a configuration item for a custom resource: a
// new version whenever its configuration, name or tags change. A put that
// changes nothing records nothing: "AWS Config creates a configuration item
// whenever it detects a change to a resource type that it is recording"
// (AWS Config Developer Guide, "Components of a Configuration Item"). The first version, and the first after
// a deletion, is ResourceDiscovered; later ones are OK.
//
// The quota of 100,000 active custom resources per account
// (MaxActiveResourcesExceededException) is not enforced.
func (s *Service) PutResourceConfig(ctx context.Context, in *configapi.PutResourceConfigRequest) (*shape.Empty, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkCustomType(*in.ResourceType); err != nil {
		return nil, err
	}
	if err := checkResourceName(in.ResourceName, "ResourceName"); err != nil {
		return nil, err
	}
	config, err := customConfiguration(*in.Configuration)
	if err != nil {
		return nil, err
	}
	if _, err := s.runningRecorder(ctx, src); err != nil {
		return nil, err
	}
	key := inventory.Key{Source: src, ResourceType: *in.ResourceType, ResourceID: *in.ResourceId}
	it := inventory.Item{
		Key:           key,
		Status:        inventory.StatusResourceDiscovered,
		Version:       itemVersion,
		AWSRegion:     src.Region,
		ResourceName:  deref(in.ResourceName),
		Configuration: config,
		Tags:          in.Tags,
	}
	return s.writeCustomVersion(ctx, &it, func(prev *inventory.Item) bool {
		if prev.Deleted() {
			return true
		}
		it.Status = inventory.StatusOK
		return !bytes.Equal(prev.Configuration, it.Configuration) || prev.ResourceName != it.ResourceName ||
			!maps.Equal(prev.Tags, it.Tags)
	})
}

// DeleteResourceConfig records the deletion of a custom resource: a
// ResourceDeleted version without configuration (DeleteResourceConfig:
// "This API records a new ConfigurationItem with a ResourceDeleted
// status"). Deleting a deleted resource records nothing; deleting one that
// was never recorded is ResourceNotDiscoveredException, the error Config's
// reads give for it (the model names no error for this case).
func (s *Service) DeleteResourceConfig(ctx context.Context, in *configapi.DeleteResourceConfigRequest) (*shape.Empty, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkCustomType(*in.ResourceType); err != nil {
		return nil, err
	}
	if _, err := s.runningRecorder(ctx, src); err != nil {
		return nil, err
	}
	key := inventory.Key{Source: src, ResourceType: *in.ResourceType, ResourceID: *in.ResourceId}
	it := inventory.Item{
		Key:       key,
		Status:    inventory.StatusResourceDeleted,
		Version:   itemVersion,
		AWSRegion: src.Region,
	}
	return s.writeCustomVersion(ctx, &it, func(prev *inventory.Item) bool {
		it.ResourceName = prev.ResourceName
		return !prev.Deleted()
	})
}

// writeCustomVersion writes it as the next version of its resource, unless
// the resource has a latest version and changed, given it, says that it
// records no change. Deleting a resource never recorded is
// ResourceNotDiscoveredException.
// The read of the latest version and the write are serialized with the
// source's other numbering writes.
func (s *Service) writeCustomVersion(ctx context.Context, it *inventory.Item, changed func(prev *inventory.Item) bool) (*shape.Empty, error) {
	unlock, err := s.inv.LockSource(ctx, it.Source)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var prev *inventory.Item
	latest, err := s.inv.Get(ctx, it.Key)
	switch {
	case err == nil:
		prev = &latest
	case !errors.Is(err, inventory.ErrNotFound):
		return nil, err
	case it.Deleted():
		return nil, resourceNotDiscovered()
	}
	if prev != nil && !changed(prev) {
		return &shape.Empty{}, nil
	}
	now := s.clock.Now().Truncate(time.Millisecond)
	it.CaptureTime = now
	it.StateID = nextStateID(0, now)
	if prev != nil {
		it.StateID = nextStateID(prev.StateID, now)
	}
	if err := s.maybePrune(ctx, it.Source); err != nil {
		return nil, err
	}
	if _, err := s.inv.Write(ctx, []inventory.Item{*it}); err != nil {
		return nil, err
	}
	if err := s.evaluateChanged(ctx, it.Source, []inventory.Item{*it}); err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}
