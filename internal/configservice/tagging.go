package configservice

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// kindTaggable holds one taggableRecord per taggable resource, keyed by its
// ARN. It exists exactly as long as the resource does, so it is also how
// TagResource and friends find out whether an ARN names a resource.
const kindTaggable store.Kind = "TaggableResource"

// taggableRecord is the stored form of a taggable resource's tags.
type taggableRecord struct {
	// Kind and ID locate the resource itself.
	Kind store.Kind `json:"kind"`
	ID   string     `json:"id"`
	// Tags maps keys to values.
	Tags map[string]string `json:"tags"`
}

// maxTagsPerResource is AWS Config's tag quota, not adjustable (AWS Config
// Developer Guide, "Service Limits").
const maxTagsPerResource = 50

// listTagsMax is ListTagsForResource's largest and default page: the model
// allows Limit 0..100, but the documentation says "The limit maximum is 50.
// You cannot specify a number greater than 50." (AWS Config API Reference,
// ListTagsForResource, Limit).
const listTagsMax = 50

// tagKeyPattern is the AWS-wide tag key syntax. The Config model does not
// carry it, but AWS (and moto, getmoto/moto InvalidTagCharacters) enforce it.
const tagKeyPattern = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`

var tagKeyRE = shape.MustCompile(tagKeyPattern)

// checkTags applies the tag rules the model cannot express: a key in every
// tag (the model leaves it optional; a tag without one, such as null in the
// list, would be stored under the empty key), the key syntax, and no key
// twice in one request, compared case-insensitively.
func checkTags(tags []configapi.Tag, path string) error {
	var v shape.Validator
	seen := make(map[string]bool, len(tags))
	dup := false
	for i, tag := range tags {
		if tag.Key == nil {
			v.Null(shape.Member(shape.Elem(path, i), "key"))
			continue
		}
		v.Pattern(shape.Member(shape.Elem(path, i), "key"), *tag.Key, tagKeyRE, tagKeyPattern)
		k := strings.ToLower(*tag.Key)
		dup = dup || seen[k]
		seen[k] = true
	}
	if err := v.Err(); err != nil {
		return err
	}
	if dup {
		// Code and text from moto (getmoto/moto DuplicateTags); InvalidInput
		// is not a modeled Config error, so SDKs raise a generic error for it.
		return apierr.New("InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	}
	return nil
}

// createTaggable registers a new resource's ARN with its initial tags.
func createTaggable(tx store.Tx, t store.Namespace, arn string, k store.Kind, id string, tags []configapi.Tag) error {
	rec := taggableRecord{Kind: k, ID: id, Tags: make(map[string]string, len(tags))}
	for _, tag := range tags {
		rec.Tags[deref(tag.Key)] = deref(tag.Value)
	}
	return store.PutJSON(tx, t, kindTaggable, arn, &rec)
}

// deleteTaggable removes a resource's ARN and tags.
func deleteTaggable(tx store.Tx, t store.Namespace, arn string) error {
	err := tx.Delete(t, kindTaggable, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// loadTaggable returns the tags record of the resource arn names, which
// must belong to the caller's account and region; anything else does not
// exist as far as the caller can tell.
func loadTaggable(tx store.Tx, t store.Namespace, arn string) (*taggableRecord, error) {
	if !arnInTenant(arn, t) {
		return nil, resourceNotFound(arn)
	}
	var rec taggableRecord
	if err := store.GetJSON(tx, t, kindTaggable, arn, &rec); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, resourceNotFound(arn)
		}
		return nil, err
	}
	if rec.Tags == nil {
		rec.Tags = map[string]string{}
	}
	return &rec, nil
}

func resourceNotFound(arn string) *apierr.Error {
	// Text from moto (getmoto/moto, moto/config/exceptions.py).
	return configapi.ResourceNotFound("ResourceArn '" + arn + "' does not exist")
}

// TagResource adds tags to a resource and overwrites the values of keys it
// already has.
func (s *Service) TagResource(ctx context.Context, in *configapi.TagResourceRequest) (*shape.Empty, error) {
	if err := checkTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	return s.updateTags(ctx, *in.ResourceArn, func(tags map[string]string) error {
		for _, tag := range in.Tags {
			tags[deref(tag.Key)] = deref(tag.Value)
		}
		if len(tags) > maxTagsPerResource {
			// ours: AWS's text is unknown.
			return configapi.TooManyTags("The resource " + *in.ResourceArn + " would have " + strconv.Itoa(len(tags)) +
				" tags; a resource can have at most " + strconv.Itoa(maxTagsPerResource) + ".")
		}
		return nil
	})
}

// UntagResource removes tags from a resource; keys it does not have are
// ignored.
func (s *Service) UntagResource(ctx context.Context, in *configapi.UntagResourceRequest) (*shape.Empty, error) {
	return s.updateTags(ctx, *in.ResourceArn, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

// updateTags applies change to the tags of the caller's resource arn in one
// transaction.
func (s *Service) updateTags(ctx context.Context, arn string, change func(tags map[string]string) error) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rec, err := loadTaggable(tx, t, arn)
		if err != nil {
			return err
		}
		if err := change(rec.Tags); err != nil {
			return err
		}
		return store.PutJSON(tx, t, kindTaggable, arn, rec)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// ListTagsForResource lists a resource's tags sorted by key.
func (s *Service) ListTagsForResource(ctx context.Context, in *configapi.ListTagsForResourceRequest) (*configapi.ListTagsForResourceResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if in.Limit != nil && *in.Limit > listTagsMax {
		return nil, configapi.InvalidLimit(fmt.Sprintf(
			"Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", *in.Limit, listTagsMax))
	}
	arn := *in.ResourceArn
	var rec *taggableRecord
	err = s.store.View(ctx, func(tx store.Tx) error {
		rec, err = loadTaggable(tx, t, arn)
		return err
	})
	if err != nil {
		return nil, err
	}
	scope := pagetoken.Scope("ListTagsForResource", t.Owner, t.Region, arn)
	after, err := s.decodeToken(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(rec.Tags))
	for k := range rec.Tags {
		if k > after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	limit := pageLimit(in.Limit, listTagsMax)
	out := &configapi.ListTagsForResourceResponse{Tags: make([]configapi.Tag, 0, min(len(keys), limit))}
	if len(keys) > limit {
		keys = keys[:limit]
		tok := s.tokens.Encode(scope, keys[limit-1])
		out.NextToken = &tok
	}
	for _, k := range keys {
		out.Tags = append(out.Tags, configapi.Tag{Key: ptr(k), Value: ptr(rec.Tags[k])})
	}
	return out, nil
}

// aggregatorARN returns the ARN of a new aggregator with the random id.
func aggregatorARN(t store.Namespace, id string) string {
	return "arn:aws:config:" + t.Region + ":" + t.Owner + ":config-aggregator/config-aggregator-" + id
}

var configARN = regexp.MustCompile(`^arn:aws[a-z-]*:config:([a-z0-9-]+):(\d{12}):.+$`)

// arnInTenant reports whether arn is an AWS Config ARN of the tenant's
// account and region.
func arnInTenant(arn string, t store.Namespace) bool {
	m := configARN.FindStringSubmatch(arn)
	return m != nil && m[1] == t.Region && m[2] == t.Owner
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }
