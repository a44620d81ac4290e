package configservice

import (
	"context"
	"errors"
	"time"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/store"
)

// kindRetention holds the tenant's retention configuration, a
// configapi.RetentionConfiguration keyed by its name. There is at most one,
// named "default".
const kindRetention store.Kind = "RetentionConfiguration"

// retentionName is the name of the only retention configuration: "The API
// creates the RetentionConfiguration object and names the object as
// default." (AWS Config API Reference, PutRetentionConfiguration).
const retentionName = "default"

// defaultRetentionDays is how long AWS Config keeps history without a
// retention configuration: "If you do not specify a retention period, AWS
// Config continues to store ConfigurationItems for the default period of 7
// years (2557 days)." (AWS Config Developer Guide, "Deleting AWS Config
// Data").
const defaultRetentionDays = 2557

// pruneInterval is how often the reads and writes of a source's items
// prune its history to the retention period: at most once a minute per
// source, so that pruning costs a small, bounded share of the traffic.
// PutRetentionConfiguration prunes at once.
const pruneInterval = time.Minute

func noSuchRetention(name string) error {
	// moto (getmoto/moto, moto/config/exceptions.py)
	return configapi.NoSuchRetentionConfiguration("Cannot find retention configuration with the specified name '" + name + "'.")
}

// loadRetention returns the tenant's retention configuration, or nil.
func loadRetention(tx store.Tx, t store.Namespace) (*configapi.RetentionConfiguration, error) {
	var rc configapi.RetentionConfiguration
	err := store.GetJSON(tx, t, kindRetention, retentionName, &rc)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &rc, nil
}

// PutRetentionConfiguration creates the tenant's retention configuration,
// "default", or changes its period, and prunes the history older than the
// period at once. The model's range (30 to 2557 days) is checked before.
// MaxNumberOfRetentionConfigurationsExceededException cannot happen: the
// one configuration is always named "default".
func (s *Service) PutRetentionConfiguration(ctx context.Context, in *configapi.PutRetentionConfigurationRequest) (*configapi.PutRetentionConfigurationResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	src, err := callerSource(ctx)
	if err != nil {
		return nil, err
	}
	rc := configapi.RetentionConfiguration{Name: ptr(retentionName), RetentionPeriodInDays: in.RetentionPeriodInDays}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, t, kindRetention, retentionName, &rc)
	})
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	s.notePruned(src, now)
	if err := s.prune(ctx, src, now, int(*in.RetentionPeriodInDays)); err != nil {
		return nil, err
	}
	return &configapi.PutRetentionConfigurationResponse{RetentionConfiguration: &rc}, nil
}

// DescribeRetentionConfigurations returns the tenant's retention
// configuration, or the named one. Every answer fits one page, so no token
// is ever issued, and any token is refused.
func (s *Service) DescribeRetentionConfigurations(ctx context.Context, in *configapi.DescribeRetentionConfigurationsRequest) (*configapi.DescribeRetentionConfigurationsResponse, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.decodeToken(pagetoken.Scope("DescribeRetentionConfigurations", t.Owner, t.Region), in.NextToken); err != nil {
		return nil, err
	}
	out := &configapi.DescribeRetentionConfigurationsResponse{RetentionConfigurations: []configapi.RetentionConfiguration{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		rc, err := loadRetention(tx, t)
		if err != nil {
			return err
		}
		// The model allows one name at most.
		for _, name := range in.RetentionConfigurationNames {
			if rc == nil || *rc.Name != name {
				return noSuchRetention(name)
			}
		}
		if rc != nil {
			out.RetentionConfigurations = append(out.RetentionConfigurations, *rc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteRetentionConfiguration deletes the tenant's retention
// configuration: history is kept for the default period again.
func (s *Service) DeleteRetentionConfiguration(ctx context.Context, in *configapi.DeleteRetentionConfigurationRequest) (*shape.Empty, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return nil, err
	}
	name := *in.RetentionConfigurationName
	err = s.store.Update(ctx, func(tx store.Tx) error {
		rc, err := loadRetention(tx, t)
		switch {
		case err != nil:
			return err
		case rc == nil || *rc.Name != name:
			return noSuchRetention(name)
		}
		return tx.Delete(t, kindRetention, retentionName)
	})
	if err != nil {
		return nil, err
	}
	return &shape.Empty{}, nil
}

// retentionDays returns the retention period of the source's tenant.
func (s *Service) retentionDays(ctx context.Context, src inventory.Source) (int, error) {
	days := defaultRetentionDays
	err := s.store.View(ctx, func(tx store.Tx) error {
		rc, err := loadRetention(tx, store.Regional(src.AccountID, src.Region))
		if err == nil && rc != nil && rc.RetentionPeriodInDays != nil {
			days = int(*rc.RetentionPeriodInDays)
		}
		return err
	})
	return days, err
}

// notePruned records that src was pruned at now and reports whether it was
// due: not pruned in the pruneInterval before now.
func (s *Service) notePruned(src inventory.Source, now time.Time) (due bool) {
	s.pruneMu.Lock()
	defer s.pruneMu.Unlock()
	last, ok := s.pruned[src]
	if ok && !now.Before(last) && now.Sub(last) < pruneInterval {
		return false
	}
	s.pruned[src] = now
	return true
}

// maybePrune prunes src's history to its retention period unless that was
// done in the last pruneInterval.
func (s *Service) maybePrune(ctx context.Context, src inventory.Source) error {
	now := s.clock.Now()
	if !s.notePruned(src, now) {
		return nil
	}
	days, err := s.retentionDays(ctx, src)
	if err != nil {
		return err
	}
	return s.prune(ctx, src, now, days)
}

// prune deletes src's versions captured more than days before now, except
// each resource's latest: "AWS Config deletes data older than your
// specified retention period" (AWS Config Developer Guide, "Deleting AWS
// Config Data"), while the current configuration stays readable.
func (s *Service) prune(ctx context.Context, src inventory.Source, now time.Time, days int) error {
	_, err := s.inv.Prune(ctx, src, now.Add(-time.Duration(days)*24*time.Hour))
	return err
}
