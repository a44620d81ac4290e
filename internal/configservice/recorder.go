package configservice

import (
	"context"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/store"
)

// kindRecorder holds the recorderRecord of a tenant's customer managed
// configuration recorder, keyed by its name. There is at most one per
// account and region.
const kindRecorder store.Kind = "ConfigurationRecorder"

// recorderRecord is the stored form of a configuration recorder: its
// configuration as Describe shows it, and its status.
type recorderRecord struct {
	Recorder configapi.ConfigurationRecorder `json:"recorder"`
	Status   recorderStatus                  `json:"status"`
}

// recorderStatus is the part of ConfigurationRecorderStatus the recorder
// changes; name and ARN come from the recorder.
type recorderStatus struct {
	Recording            bool             `json:"recording"`
	LastStartTime        *shape.Timestamp `json:"lastStartTime,omitempty"`
	LastStopTime         *shape.Timestamp `json:"lastStopTime,omitempty"`
	LastStatus           string           `json:"lastStatus,omitempty"`
	LastStatusChangeTime *shape.Timestamp `json:"lastStatusChangeTime,omitempty"`
}

// defaultRecorderName is the name AWS Config gives a recorder put without one.
const defaultRecorderName = "default"

// serviceLinkedRecorderPrefix starts the names AWS reserves for
// service-linked recorders.
const serviceLinkedRecorderPrefix = "AWSConfigurationRecorderFor"

// maxRoleARN is the longest IAM role ARN (IAM's arnType is 20 to 2048
// characters). The model does not bound the role members; AWS Config fails
// to assume a role that cannot exist, and so does Starling.
const maxRoleARN = 2048

// ours
const msgLongRole = "The IAM role ARN provided is not valid: it is longer than 2048 characters."

// recorderStatusSuccess is the lastStatus of a started recorder. AWS sends
// the status in capitals ("SUCCESS", as in the AWS CLI documentation),
// although the model's RecorderStatus enum spells it "Success".
const recorderStatusSuccess = "SUCCESS"

// Messages of the recorder rules. The texts come from the AWS Config API
// Reference or from moto (getmoto/moto, moto/config/exceptions.py); those
// marked "ours" have no known AWS text.
const (
	// The model's description of InvalidConfigurationRecorderNameException.
	msgReservedRecorderName = `The configuration recorder name is not valid. The prefix "AWSConfigurationRecorderFor" is reserved for service-linked configuration recorders.`
	// The model's description of InvalidRoleException.
	msgNoRole = "You have provided a null or empty Amazon Resource Name (ARN) for the IAM role assumed by Config and used by the customer managed configuration recorder."
	// moto
	msgInvalidRecordingGroup = "The recording group provided is not valid"
	// ours, after the model's description of this ValidationException.
	msgMoreThanOneRecorder = "You have specified more than one configuration recorder."
	// ours, after the model's description of UnmodifiableEntityException.
	msgServiceLinkedPut = "You cannot use PutConfigurationRecorder to create a service-linked configuration recorder. Use PutServiceLinkedConfigurationRecorder instead."
	// moto
	msgNoDeliveryChannel = "Delivery channel is not available to start configuration recorder."
)

func noSuchRecorder(name string) error {
	// moto (moto/config/exceptions.py)
	return configapi.NoSuchConfigurationRecorder("Cannot find configuration recorder with the specified name '" + name + "'.")
}

func maxRecorders(name string) error {
	// moto (moto/config/exceptions.py)
	return configapi.MaxNumberOfConfigurationRecordersExceeded("Failed to put configuration recorder '" + name +
		"' because the maximum number of configuration recorders: 1 is reached.")
}

// recorderARN returns the ARN of a new recorder with the random id.
func recorderARN(t store.Namespace, name, id string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":configuration-recorder/" + name + "/" + id
}

// recorderState reports whether the tenant has a configuration recorder and
// whether it is recording. It is what "AWS Config is enabled" means for an
// aggregator's source account and region.
func recorderState(tx store.Tx, t store.Namespace) (exists, recording bool, err error) {
	rec, err := loadRecorder(tx, t)
	if err != nil || rec == nil {
		return false, false, err
	}
	return true, rec.Status.Recording, nil
}

// loadRecorder returns the tenant's recorder, or nil if it has none.
func loadRecorder(tx store.Tx, t store.Namespace) (*recorderRecord, error) {
	items, err := tx.List(t, kindRecorder, "", 1)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	recs, err := store.DecodeItems[recorderRecord](items, kindRecorder)
	if err != nil {
		return nil, err
	}
	return &recs[0], nil
}

// loadNamedRecorder returns the tenant's recorder if it has the name, and
// NoSuchConfigurationRecorderException otherwise.
func loadNamedRecorder(tx store.Tx, t store.Namespace, name string) (*recorderRecord, error) {
	rec, err := loadRecorder(tx, t)
	switch {
	case err != nil:
		return nil, err
	case rec == nil || *rec.Recorder.Name != name:
		return nil, noSuchRecorder(name)
	}
	return rec, nil
}

// checkRecorderName applies the name rules the model cannot express.
func checkRecorderName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		// moto (moto/config/exceptions.py)
		return configapi.InvalidConfigurationRecorderName("The configuration recorder name '" + name + "' is not valid, blank string.")
	case strings.HasPrefix(name, serviceLinkedRecorderPrefix):
		return configapi.InvalidConfigurationRecorderName(msgReservedRecorderName)
	}
	return nil
}

// recordingGroupOf checks a recording group against the consistency rules of
// the AWS Config API Reference, RecordingGroup and RecordingStrategy (as moto
// applies them), and returns it completed the way AWS describes it: both
// flags, both type lists and the recording strategy present. A missing group
// records all supported types, excluding the global IAM types.
//
//   - allSupported=true forbids resourceTypes, exclusions and a strategy
//     other than ALL_SUPPORTED_RESOURCE_TYPES;
//   - resourceTypes forbid includeGlobalResourceTypes, exclusions and a
//     strategy other than INCLUSION_BY_RESOURCE_TYPES;
//   - exclusions forbid includeGlobalResourceTypes and need the strategy
//     EXCLUSION_BY_RESOURCE_TYPES;
//   - a group with none of the three is not valid.
func recordingGroupOf(g *configapi.RecordingGroup) (*configapi.RecordingGroup, error) {
	if g == nil {
		g = &configapi.RecordingGroup{AllSupported: ptr(true)}
	}
	all := g.AllSupported != nil && *g.AllSupported
	global := g.IncludeGlobalResourceTypes != nil && *g.IncludeGlobalResourceTypes
	types := g.ResourceTypes
	var excluded []string
	if g.ExclusionByResourceTypes != nil {
		excluded = g.ExclusionByResourceTypes.ResourceTypes
	}
	useOnly := ""
	if g.RecordingStrategy != nil && g.RecordingStrategy.UseOnly != nil {
		useOnly = *g.RecordingStrategy.UseOnly
	}
	var strategy string
	switch {
	case all:
		strategy = configapi.RecordingStrategyTypeAllSupportedResourceTypes
		if len(types) > 0 || len(excluded) > 0 || (useOnly != "" && useOnly != strategy) {
			return nil, configapi.InvalidRecordingGroup(msgInvalidRecordingGroup)
		}
	case len(types) > 0:
		strategy = configapi.RecordingStrategyTypeInclusionByResourceTypes
		if global || len(excluded) > 0 || (useOnly != "" && useOnly != strategy) {
			return nil, configapi.InvalidRecordingGroup(msgInvalidRecordingGroup)
		}
	case len(excluded) > 0:
		strategy = configapi.RecordingStrategyTypeExclusionByResourceTypes
		if global || useOnly != strategy {
			return nil, configapi.InvalidRecordingGroup(msgInvalidRecordingGroup)
		}
	default:
		return nil, configapi.InvalidRecordingGroup(msgInvalidRecordingGroup)
	}
	if types == nil {
		types = []string{}
	}
	if excluded == nil {
		excluded = []string{}
	}
	return &configapi.RecordingGroup{
		AllSupported:               ptr(all),
		IncludeGlobalResourceTypes: ptr(global),
		ResourceTypes:              types,
		ExclusionByResourceTypes:   &configapi.ExclusionByResourceTypes{ResourceTypes: excluded},
		RecordingStrategy:          &configapi.RecordingStrategy{UseOnly: ptr(strategy)},
	}, nil
}

// recordingModeOf returns the recording mode as AWS describes it: a missing
// mode is continuous recording without overrides.
func recordingModeOf(m *configapi.RecordingMode) *configapi.RecordingMode {
	if m == nil {
		return &configapi.RecordingMode{
			RecordingFrequency:     ptr(configapi.RecordingFrequencyContinuous),
			RecordingModeOverrides: []configapi.RecordingModeOverride{},
		}
	}
	return m
}

// PutConfigurationRecorder creates the tenant's customer managed recorder,
// or updates its role, recording group and recording mode. Tags are only
// applied at creation (AWS Config API Reference, PutConfigurationRecorder).
func (s *Service) PutConfigurationRecorder(ctx context.Context, in *configapi.PutConfigurationRecorderRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	cr := in.ConfigurationRecorder
	name := defaultRecorderName
	if cr.Name != nil {
		name = *cr.Name
	}
	if err := checkRecorderName(name); err != nil {
		return nil, err
	}
	if cr.ServicePrincipal != nil {
		return nil, configapi.UnmodifiableEntity(msgServiceLinkedPut)
	}
	if cr.RoleARN == nil || strings.TrimSpace(*cr.RoleARN) == "" {
		return nil, configapi.InvalidRole(msgNoRole)
	}
	if len(*cr.RoleARN) > maxRoleARN {
		return nil, configapi.InvalidRole(msgLongRole)
	}
	group, err := recordingGroupOf(cr.RecordingGroup)
	if err != nil {
		return nil, err
	}
	mode := recordingModeOf(cr.RecordingMode)
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	id, err := s.randomID(16)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, err := loadRecorder(tx, t)
		switch {
		case err != nil:
			return err
		case rec != nil && *rec.Recorder.Name != name:
			return maxRecorders(name)
		case rec == nil:
			arn := recorderARN(t, name, id)
			rec = &recorderRecord{Recorder: configapi.ConfigurationRecorder{Arn: &arn, Name: &name}}
			if err := createTaggable(tx, t, arn, kindRecorder, name, in.Tags); err != nil {
				return err
			}
		}
		// Create or update: identity and status stay, the rest is replaced.
		rec.Recorder.RoleARN = cr.RoleARN
		rec.Recorder.RecordingGroup = group
		rec.Recorder.RecordingMode = mode
		rec.Recorder.RecordingScope = ptr(configapi.RecordingScopePaid)
		return store.PutJSON(tx, t, kindRecorder, name, rec)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// selectRecorder returns the tenant's recorder as DescribeConfigurationRecorders
// and DescribeConfigurationRecorderStatus select it: every selector given
// (one name, an ARN, a service principal) must match it, and without
// selectors it is the recorder if there is one.
func selectRecorder(tx store.Tx, t store.Namespace, names []string, arn, principal *string) ([]recorderRecord, error) {
	if len(names) > 1 {
		return nil, configapi.Validation(msgMoreThanOneRecorder)
	}
	rec, err := loadRecorder(tx, t)
	if err != nil {
		return nil, err
	}
	if len(names) == 1 && (rec == nil || *rec.Recorder.Name != names[0]) {
		return nil, noSuchRecorder(names[0])
	}
	if arn != nil && (rec == nil || *rec.Recorder.Arn != *arn) {
		// ours
		return nil, configapi.NoSuchConfigurationRecorder("Cannot find configuration recorder with the specified ARN '" + *arn + "'.")
	}
	if principal != nil {
		// Starling has no service-linked recorders. ours
		return nil, configapi.NoSuchConfigurationRecorder("Cannot find configuration recorder with the specified service principal '" + *principal + "'.")
	}
	if rec == nil {
		return nil, nil
	}
	return []recorderRecord{*rec}, nil
}

// DescribeConfigurationRecorders returns the tenant's recorder.
func (s *Service) DescribeConfigurationRecorders(ctx context.Context, in *configapi.DescribeConfigurationRecordersRequest) (*configapi.DescribeConfigurationRecordersResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeConfigurationRecordersResponse{ConfigurationRecorders: []configapi.ConfigurationRecorder{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		recs, err := selectRecorder(tx, t, in.ConfigurationRecorderNames, in.Arn, in.ServicePrincipal)
		for _, rec := range recs {
			out.ConfigurationRecorders = append(out.ConfigurationRecorders, rec.Recorder)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeConfigurationRecorderStatus returns the status of the tenant's
// recorder. A recorder that was never started is not recording and has no
// lastStatus.
func (s *Service) DescribeConfigurationRecorderStatus(ctx context.Context, in *configapi.DescribeConfigurationRecorderStatusRequest) (*configapi.DescribeConfigurationRecorderStatusResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeConfigurationRecorderStatusResponse{ConfigurationRecordersStatus: []configapi.ConfigurationRecorderStatus{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		recs, err := selectRecorder(tx, t, in.ConfigurationRecorderNames, in.Arn, in.ServicePrincipal)
		for _, rec := range recs {
			st := rec.Status
			status := configapi.ConfigurationRecorderStatus{
				Arn:                  rec.Recorder.Arn,
				Name:                 rec.Recorder.Name,
				Recording:            ptr(st.Recording),
				LastStartTime:        st.LastStartTime,
				LastStopTime:         st.LastStopTime,
				LastStatusChangeTime: st.LastStatusChangeTime,
			}
			if st.LastStatus != "" {
				status.LastStatus = ptr(st.LastStatus)
			}
			out.ConfigurationRecordersStatus = append(out.ConfigurationRecordersStatus, status)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StartConfigurationRecorder starts recording; the tenant must have a
// delivery channel. Starting a recording recorder changes nothing.
func (s *Service) StartConfigurationRecorder(ctx context.Context, in *configapi.StartConfigurationRecorderRequest) (*shape.Empty, error) {
	return s.updateRecorder(ctx, *in.ConfigurationRecorderName, func(tx store.Tx, t store.Namespace, st *recorderStatus) error {
		n, err := tx.Count(t, kindDeliveryChannel)
		switch {
		case err != nil:
			return err
		case n == 0:
			return configapi.NoAvailableDeliveryChannel(msgNoDeliveryChannel)
		case st.Recording:
			return nil
		}
		// AWS goes through PENDING to SUCCESS; Starling records nothing, so
		// there is nothing to wait for.
		now := shape.NewTimestamp(s.clock.Now())
		st.Recording = true
		st.LastStartTime = now
		st.LastStatus = recorderStatusSuccess
		st.LastStatusChangeTime = now
		return nil
	})
}

// StopConfigurationRecorder stops recording. Stopping a recorder that is not
// recording changes nothing.
func (s *Service) StopConfigurationRecorder(ctx context.Context, in *configapi.StopConfigurationRecorderRequest) (*shape.Empty, error) {
	return s.updateRecorder(ctx, *in.ConfigurationRecorderName, func(_ store.Tx, _ store.Namespace, st *recorderStatus) error {
		if st.Recording {
			st.Recording = false
			st.LastStopTime = shape.NewTimestamp(s.clock.Now())
		}
		return nil
	})
}

// updateRecorder applies change to the status of the tenant's recorder
// named name in one transaction.
func (s *Service) updateRecorder(ctx context.Context, name string, change func(store.Tx, store.Namespace, *recorderStatus) error) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, err := loadNamedRecorder(tx, t, name)
		if err != nil {
			return err
		}
		if err := change(tx, t, &rec.Status); err != nil {
			return err
		}
		return store.PutJSON(tx, t, kindRecorder, name, rec)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// DeleteConfigurationRecorder deletes the recorder, its status and its tags.
// The delivery channel stays.
func (s *Service) DeleteConfigurationRecorder(ctx context.Context, in *configapi.DeleteConfigurationRecorderRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.ConfigurationRecorderName
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, err := loadNamedRecorder(tx, t, name)
		if err != nil {
			return err
		}
		if err := deleteTaggable(tx, t, *rec.Recorder.Arn); err != nil {
			return err
		}
		return tx.Delete(t, kindRecorder, name)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}
