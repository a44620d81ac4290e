package configservice

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/store"
)

// What the recorder records. AWS Config records configuration items of the
// types the recorder's recording group selects, while the recorder is
// recording; Starling's ingest path (ingest.go) hands it the items AWS
// would have recorded, and this file applies the same rules.

// msgNoRunningRecorder is the model's description of
// NoRunningConfigurationRecorderException.
const msgNoRunningRecorder = "There is no configuration recorder running."

// globalResourceTypes are the IAM types that a recorder of all supported
// types records only with includeGlobalResourceTypes (AWS Config API
// Reference, RecordingGroup, includeGlobalResourceTypes: "IAM users,
// groups, roles, and customer managed policies").
var globalResourceTypes = []string{"AWS::IAM::Group", "AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::User"}

// recordsType reports whether a recorder with the recording group records
// items of resource type t (AWS Config API Reference, RecordingGroup and
// RecordingStrategy):
//
//   - ALL_SUPPORTED_RESOURCE_TYPES records every type, the global IAM
//     types only with includeGlobalResourceTypes;
//   - INCLUSION_BY_RESOURCE_TYPES records the listed types only;
//   - EXCLUSION_BY_RESOURCE_TYPES records every type but the listed ones,
//     the global IAM types included: "IAM users, groups, roles, and
//     customer managed policies will be recorded in the Region where you
//     set up the configuration recorder if that is a Region where AWS
//     Config was available before February 2022" (ExclusionByResourceTypes),
//     which Starling takes every region to be.
//
// "Every type" includes types outside the model's ResourceType enum: a
// delivery file "can include references to resources types … that are not
// supported" (AWS Config Developer Guide, "Delivering Configuration
// Snapshots"), and Starling has no list of its own to hold them against.
// A group without a strategy (stored before groups were completed) is
// read by its flags as recordingGroupOf completes it.
func recordsType(g *configapi.RecordingGroup, t string) bool {
	if g == nil {
		return !slices.Contains(globalResourceTypes, t)
	}
	strategy := ""
	if g.RecordingStrategy != nil && g.RecordingStrategy.UseOnly != nil {
		strategy = *g.RecordingStrategy.UseOnly
	}
	var excluded []string
	if g.ExclusionByResourceTypes != nil {
		excluded = g.ExclusionByResourceTypes.ResourceTypes
	}
	switch {
	case strategy == configapi.RecordingStrategyTypeInclusionByResourceTypes,
		strategy == "" && len(g.ResourceTypes) > 0:
		return slices.Contains(g.ResourceTypes, t)
	case strategy == configapi.RecordingStrategyTypeExclusionByResourceTypes,
		strategy == "" && len(excluded) > 0:
		return !slices.Contains(excluded, t)
	}
	global := g.IncludeGlobalResourceTypes != nil && *g.IncludeGlobalResourceTypes
	return global || !slices.Contains(globalResourceTypes, t)
}

// runningRecorder returns the recording group of the tenant's recorder if
// it is recording, and NoRunningConfigurationRecorderException otherwise:
// a stopped or deleted recorder records nothing new.
func (s *Service) runningRecorder(ctx context.Context, src inventory.Source) (*configapi.RecordingGroup, error) {
	var group *configapi.RecordingGroup
	err := s.store.View(ctx, func(tx store.Tx) error {
		rec, err := loadRecorder(tx, store.Regional(src.AccountID, src.Region))
		switch {
		case err != nil:
			return err
		case rec == nil || !rec.Status.Recording:
			return configapi.NoRunningConfigurationRecorder(msgNoRunningRecorder)
		}
		group = rec.Recorder.RecordingGroup
		return nil
	})
	return group, err
}

// RecordConfigurationItems records items, in AWS Config's delivery-file
// form as ingest.DecodeFile reads them, as the caller's recorder would have
// recorded them, and counts what the store did with them:
//
//   - the caller's recorder must be recording
//     (NoRunningConfigurationRecorderException otherwise);
//   - every item must be of the caller's account and recorded in the
//     caller's region (ValidationException otherwise, naming the item by
//     its index); an item without an account or a source region (a global
//     type's, whose awsRegion is "global") gets the caller's;
//   - items of types the recording group does not record are dropped
//     (recordsType), so the counts may add up to fewer than len(items);
//   - an item without a configurationStateId (0) gets the next one of its
//     resource (nextStateID);
//   - times are kept to the millisecond, as the API sends them, and an item
//     without a version is version 1.3.
//
// The items are written in one atomic batch. RecordConfigurationItems
// does not modify items.
func (s *Service) RecordConfigurationItems(ctx context.Context, items []inventory.Item) (inventory.WriteResult, error) {
	src, err := callerSource(ctx)
	if err != nil {
		return inventory.WriteResult{}, err
	}
	group, err := s.runningRecorder(ctx, src)
	if err != nil {
		return inventory.WriteResult{}, err
	}
	keep := make([]inventory.Item, 0, len(items))
	numbered := false
	for i := range items {
		it := items[i]
		if err := normalizeItem(&it, i, src, s.clock.Now()); err != nil {
			return inventory.WriteResult{}, err
		}
		if !recordsType(group, it.ResourceType) {
			continue
		}
		numbered = numbered || it.StateID <= 0
		keep = append(keep, it)
	}
	if numbered {
		// Numbering reads the resources' latest versions: no other
		// numbering write of the source may come between.
		unlock, err := s.inv.LockSource(ctx, src)
		if err != nil {
			return inventory.WriteResult{}, err
		}
		defer unlock()
		if err := numberVersions(ctx, s.inv, keep); err != nil {
			return inventory.WriteResult{}, err
		}
	}
	if err := s.maybePrune(ctx, src); err != nil {
		return inventory.WriteResult{}, err
	}
	if len(keep) == 0 {
		return inventory.WriteResult{}, nil
	}
	res, err := s.inv.Write(ctx, keep)
	if err != nil {
		return res, err
	}
	// The rules of the source see the change. The items are stored
	// whatever the evaluation does: an error here is the caller's to
	// retry, and the retry, whose items are all unchanged, evaluates
	// them again.
	return res, s.evaluateChanged(ctx, src, keep)
}

// normalizeItem checks item i against the caller's source and fills what it
// leaves out.
func normalizeItem(it *inventory.Item, i int, src inventory.Source, now time.Time) error {
	where := fmt.Sprintf("configurationItems[%d]", i)
	switch {
	case it.ResourceType == "":
		return configapi.Validation(where + ": the item has no resourceType.")
	case it.ResourceID == "":
		return configapi.Validation(where + ": the item has no resourceId.")
	case !validStatus(it.Status):
		return configapi.Validation(where + ": configurationItemStatus '" + it.Status +
			"' is not one of OK, ResourceDiscovered, ResourceNotRecorded, ResourceDeleted, ResourceDeletedNotRecorded.")
	}
	what := where + " (" + it.ResourceType + " " + it.ResourceID + ")"
	if it.AccountID == "" {
		it.AccountID = src.AccountID
	}
	if it.AccountID != src.AccountID {
		return configapi.Validation(what + " is of account " + it.AccountID +
			"; a caller records the items of its own account only, " + src.AccountID + ".")
	}
	if it.Region == "" {
		it.Region = src.Region
	}
	if it.Region != src.Region {
		return configapi.Validation(what + " was recorded in region " + it.Region +
			"; a caller records the items of its own region only, " + src.Region + ".")
	}
	if it.AWSRegion == "" {
		it.AWSRegion = src.Region
	}
	if it.Version == "" {
		it.Version = itemVersion
	}
	if it.CaptureTime.IsZero() {
		it.CaptureTime = now
	}
	it.CaptureTime = it.CaptureTime.Truncate(time.Millisecond)
	it.ResourceCreationTime = it.ResourceCreationTime.Truncate(time.Millisecond)
	return nil
}

func validStatus(s string) bool {
	switch s {
	case inventory.StatusOK, inventory.StatusResourceDiscovered, inventory.StatusResourceNotRecorded,
		inventory.StatusResourceDeleted, inventory.StatusResourceDeletedNotRecorded:
		return true
	}
	return false
}

// numberVersions gives each item without a StateID the next one of its
// resource, items of the same resource in order.
func numberVersions(ctx context.Context, inv inventory.Store, items []inventory.Item) error {
	var keys []inventory.Key
	latest := make(map[inventory.Key]int64)
	for i := range items {
		k := items[i].Key
		if _, ok := latest[k]; !ok {
			latest[k] = 0
			keys = append(keys, k)
		}
	}
	stored, err := inv.BatchGet(ctx, keys)
	if err != nil {
		return err
	}
	for _, it := range stored {
		latest[it.Key] = it.StateID
	}
	for i := range items {
		if id := items[i].StateID; id > latest[items[i].Key] {
			latest[items[i].Key] = id
		}
	}
	for i := range items {
		it := &items[i]
		if it.StateID > 0 {
			continue
		}
		it.StateID = nextStateID(latest[it.Key], it.CaptureTime)
		latest[it.Key] = it.StateID
	}
	return nil
}

// nextStateID returns the configurationStateId of a new version captured
// at t after the version latest (0 for none): t in epoch milliseconds, as
// AWS numbers them (configurationStateId "1569605832673" for the capture
// time 1569605832.673 in "Read Configuration Items with AWS Config for
// Third-Party Resources using the AWS CLI", AWS Config Developer Guide),
// unless that would not come after latest.
func nextStateID(latest int64, t time.Time) int64 {
	return max(t.UnixMilli(), latest+1)
}
