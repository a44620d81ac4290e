package configservice

import (
	"context"
	"errors"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/pagetoken"
)

// AggregateHistoryPage is one page of a resource's history as an
// aggregator reads it.
type AggregateHistoryPage struct {
	// Items are the versions, newest first.
	Items []configapi.ConfigurationItem
	// NextToken continues the history after Items; "" on the last page.
	NextToken string
}

// AggregateResourceHistory returns up to limit versions of a resource the
// caller's aggregator reads, newest first, from the page token of an
// earlier page ("" for the latest). AWS Config has no such operation (history is the
// source account's GetResourceConfigHistory); the console shows it as the
// resource's timeline. It reads through the aggregator's view, as
// GetAggregateResourceConfig does, so that a resource of a source the
// aggregator may not read, or of a type its filters leave out, is
// ResourceNotDiscoveredException here too.
func (s *Service) AggregateResourceHistory(ctx context.Context, aggregator string, id configapi.AggregateResourceIdentifier, limit int, token string) (AggregateHistoryPage, error) {
	t, err := callerNamespace(ctx)
	if err != nil {
		return AggregateHistoryPage{}, err
	}
	v, err := s.aggregateView(ctx, t, aggregator)
	if err != nil {
		return AggregateHistoryPage{}, err
	}
	k := aggregateKey(&id)
	if !v.admits(k) {
		return AggregateHistoryPage{}, resourceNotDiscovered()
	}
	scope := pagetoken.Scope("AggregateResourceHistory", t.Owner, t.Region, aggregator,
		k.Source.AccountID, k.Source.Region, k.ResourceType, k.ResourceID)
	cursor, err := s.decodeToken(scope, &token)
	if err != nil {
		return AggregateHistoryPage{}, err
	}
	page, err := s.inv.History(ctx, inventory.HistoryQuery{
		Key: k, Later: s.clock.Now(), Limit: limit, Cursor: inventory.Cursor(cursor),
	})
	switch {
	case errors.Is(err, inventory.ErrNotFound):
		return AggregateHistoryPage{}, resourceNotDiscovered()
	case err != nil:
		return AggregateHistoryPage{}, inventoryErr(err)
	case len(page.Items) == 0 && cursor == "":
		return AggregateHistoryPage{}, resourceNotDiscovered()
	}
	out := AggregateHistoryPage{Items: make([]configapi.ConfigurationItem, 0, len(page.Items))}
	if page.Next != "" {
		out.NextToken = s.tokens.Encode(scope, string(page.Next))
	}
	for i := range page.Items {
		out.Items = append(out.Items, configurationItem(&page.Items[i]))
	}
	return out, nil
}
