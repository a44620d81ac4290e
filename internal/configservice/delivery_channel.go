package configservice

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/store"
)

// kindDeliveryChannel holds the deliveryChannelRecord of a tenant's delivery
// channel, keyed by its name. There is at most one per account and region.
const kindDeliveryChannel store.Kind = "DeliveryChannel"

// deliveryChannelRecord is the stored form of a delivery channel.
type deliveryChannelRecord struct {
	// Channel is the channel as it was last put, with its name.
	Channel configapi.DeliveryChannel `json:"channel"`
	// CreatedAt is when the channel was first put.
	CreatedAt *shape.Timestamp `json:"createdAt"`
}

// defaultChannelName is the name AWS Config gives a channel put without one.
const defaultChannelName = "default"

// deliveryStatusNotApplicable is the delivery status of a stream Starling
// never delivers. AWS sends delivery statuses in capitals ("SUCCESS",
// "FAILURE" in the AWS CLI documentation) although the model's DeliveryStatus
// enum spells them "Success", "Not_Applicable".
const deliveryStatusNotApplicable = "NOT_APPLICABLE"

// Messages of the delivery channel rules. The texts come from AWS or from
// moto (getmoto/moto, moto/config/exceptions.py); those marked "ours" have no
// known AWS text.
const (
	// real AWS (newrelic/aws-log-ingestion#77)
	msgNoRecorderForChannel = "Configuration recorder is not available to put delivery channel."
	// moto
	msgEmptyBucket = "Cannot find a S3 bucket with an empty bucket name."
	// moto
	msgEmptyKeyPrefix = "The s3 key prefix '' is not valid, empty s3 key prefix."
)

var (
	// snsTopicARN is the syntax of an SNS topic ARN.
	snsTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)
	// kmsKeyARN is the syntax of a KMS key or alias ARN; alias names have
	// at most 256 characters, key ids fewer.
	kmsKeyARN = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_+=.@-]{1,256}$`)
)

// maxBucketName is the longest name an S3 bucket can have (legacy
// us-east-1 names; newer ones have at most 63 characters). Starling has no
// S3, but a bucket with a longer name cannot exist.
const maxBucketName = 255

func noSuchChannel(name string) error {
	// moto
	return configapi.NoSuchDeliveryChannel("Cannot find delivery channel with specified name '" + name + "'.")
}

// checkKeyPrefix applies AWS Config's key prefix rules: not empty (moto),
// not starting with a slash and not containing "AWSLogs", which AWS Config
// appends itself (the texts of those two are ours).
func checkKeyPrefix(p *string) error {
	switch {
	case p == nil:
		return nil
	case *p == "":
		return configapi.InvalidS3KeyPrefix(msgEmptyKeyPrefix)
	case strings.HasPrefix(*p, "/"):
		return configapi.InvalidS3KeyPrefix("The s3 key prefix '" + *p + "' is not valid, it must not start with '/'.")
	case strings.Contains(*p, "AWSLogs"):
		return configapi.InvalidS3KeyPrefix("The s3 key prefix '" + *p + "' is not valid, it must not contain 'AWSLogs'.")
	}
	return nil
}

// checkChannel applies the delivery channel rules the model cannot express,
// after the recorder check, in moto's order. Starling has no S3, SNS or KMS:
// any bucket name is accepted and ARNs are only checked for their syntax.
func checkChannel(ch *configapi.DeliveryChannel, name string) error {
	if strings.TrimSpace(name) == "" {
		// moto
		return configapi.InvalidDeliveryChannelName("The delivery channel name '" + name + "' is not valid, blank string.")
	}
	if ch.S3BucketName == nil || strings.TrimSpace(*ch.S3BucketName) == "" {
		return configapi.NoSuchBucket(msgEmptyBucket)
	}
	if len(*ch.S3BucketName) > maxBucketName {
		// ours
		return configapi.NoSuchBucket("Cannot find a S3 bucket with a name longer than 255 characters.")
	}
	if err := checkKeyPrefix(ch.S3KeyPrefix); err != nil {
		return err
	}
	if ch.SnsTopicARN != nil && !snsTopicARN.MatchString(*ch.SnsTopicARN) {
		// moto's text for an empty ARN, with the ARN.
		return configapi.InvalidSNSTopicARN("The sns topic arn '" + *ch.SnsTopicARN + "' is not valid.")
	}
	if ch.S3KmsKeyArn != nil && !kmsKeyARN.MatchString(*ch.S3KmsKeyArn) {
		// moto's text for an empty ARN, with the ARN.
		return configapi.InvalidS3KmsKeyArn("The arn '" + *ch.S3KmsKeyArn + "' is not a valid kms key or alias arn.")
	}
	return nil
}

// PutDeliveryChannel creates the tenant's delivery channel or replaces the
// settings of the existing one. The tenant must have a recorder. Nothing is
// ever delivered.
func (s *Service) PutDeliveryChannel(ctx context.Context, in *configapi.PutDeliveryChannelRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	ch := *in.DeliveryChannel
	name := defaultChannelName
	if ch.Name != nil {
		name = *ch.Name
	}
	ch.Name = &name
	now := shape.NewTimestamp(s.clock.Now())
	err = s.store.Update(ctx, func(tx store.Tx) error {
		n, err := tx.Count(t, kindRecorder)
		switch {
		case err != nil:
			return err
		case n == 0:
			return configapi.NoAvailableConfigurationRecorder(msgNoRecorderForChannel)
		}
		if err := checkChannel(&ch, name); err != nil {
			return err
		}
		old, err := loadChannel(tx, t)
		switch {
		case err != nil:
			return err
		case old != nil && *old.Channel.Name != name:
			// moto
			return configapi.MaxNumberOfDeliveryChannelsExceeded("Failed to put delivery channel '" + name +
				"' because the maximum number of delivery channels: 1 is reached.")
		}
		rec := deliveryChannelRecord{Channel: ch, CreatedAt: now}
		if old != nil {
			rec.CreatedAt = old.CreatedAt
		}
		return store.PutJSON(tx, t, kindDeliveryChannel, name, &rec)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// loadChannel returns the tenant's delivery channel, or nil if it has none.
func loadChannel(tx store.Tx, t store.Namespace) (*deliveryChannelRecord, error) {
	items, err := tx.List(t, kindDeliveryChannel, "", 1)
	if err != nil || len(items) == 0 {
		return nil, err
	}
	recs, err := store.DecodeItems[deliveryChannelRecord](items, kindDeliveryChannel)
	if err != nil {
		return nil, err
	}
	return &recs[0], nil
}

// selectChannels returns the named channels, each once, in the order
// named, or every channel when no name is given. An unknown name is
// NoSuchDeliveryChannelException.
func selectChannels(tx store.Tx, t store.Namespace, names []string) ([]deliveryChannelRecord, error) {
	if len(names) == 0 {
		return store.ListJSON[deliveryChannelRecord](tx, t, kindDeliveryChannel)
	}
	var out []deliveryChannelRecord
	seen := make([]string, 0, len(names))
	for _, name := range names {
		if slices.Contains(seen, name) {
			continue
		}
		seen = append(seen, name)
		var rec deliveryChannelRecord
		if err := store.GetJSON(tx, t, kindDeliveryChannel, name, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, noSuchChannel(name)
			}
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// DescribeDeliveryChannels returns the tenant's delivery channel, or the
// named ones.
func (s *Service) DescribeDeliveryChannels(ctx context.Context, in *configapi.DescribeDeliveryChannelsRequest) (*configapi.DescribeDeliveryChannelsResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeDeliveryChannelsResponse{DeliveryChannels: []configapi.DeliveryChannel{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		recs, err := selectChannels(tx, t, in.DeliveryChannelNames)
		for _, rec := range recs {
			out.DeliveryChannels = append(out.DeliveryChannels, rec.Channel)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeDeliveryChannelStatus returns the delivery status of the tenant's
// channel, or of the named ones. Starling delivers nothing: the snapshot and
// history deliveries have never been attempted, and the notification stream
// is not applicable since the channel was created.
func (s *Service) DescribeDeliveryChannelStatus(ctx context.Context, in *configapi.DescribeDeliveryChannelStatusRequest) (*configapi.DescribeDeliveryChannelStatusResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	out := &configapi.DescribeDeliveryChannelStatusResponse{DeliveryChannelsStatus: []configapi.DeliveryChannelStatus{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		recs, err := selectChannels(tx, t, in.DeliveryChannelNames)
		for _, rec := range recs {
			out.DeliveryChannelsStatus = append(out.DeliveryChannelsStatus, configapi.DeliveryChannelStatus{
				Name:                       rec.Channel.Name,
				ConfigSnapshotDeliveryInfo: &configapi.ConfigExportDeliveryInfo{},
				ConfigHistoryDeliveryInfo:  &configapi.ConfigExportDeliveryInfo{},
				ConfigStreamDeliveryInfo: &configapi.ConfigStreamDeliveryInfo{
					LastStatus:           ptr(deliveryStatusNotApplicable),
					LastStatusChangeTime: rec.CreatedAt,
				},
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteDeliveryChannel deletes the delivery channel, unless the recorder
// is recording.
func (s *Service) DeleteDeliveryChannel(ctx context.Context, in *configapi.DeleteDeliveryChannelRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.DeliveryChannelName
	err = s.store.Update(ctx, func(tx store.Tx) error {
		ok, err := store.Exists(tx, t, kindDeliveryChannel, name)
		switch {
		case err != nil:
			return err
		case !ok:
			return noSuchChannel(name)
		}
		_, recording, err := recorderState(tx, t)
		switch {
		case err != nil:
			return err
		case recording:
			// real AWS (hashicorp/terraform-provider-aws#2910)
			return configapi.LastDeliveryChannelDeleteFailed("Failed to delete last specified delivery channel with name '" + name +
				"', because there is a running configuration recorder.")
		}
		return tx.Delete(t, kindDeliveryChannel, name)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}
