package orgservice

import (
	"sort"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/apierr"
)

// maxPage is the largest page of every list operation served (model:
// MaxResults 1..20), and the page size when MaxResults is absent.
const maxPage = 20

// ours: AWS's text for a bad NextToken is not confirmed.
const msgInvalidNextToken = "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API."

func invalidNextToken() *apierr.Error {
	return orgapi.InvalidInput(orgapi.InvalidInputExceptionReasonInvalidNextToken, msgInvalidNextToken)
}

// paginate returns the page of items (sorted by ascending, distinct keys)
// that token and maxResults select, and the token of the next page, if any.
// Tokens are bound to scope.
func paginate[T any](s *Service, items []T, key func(T) string, scope string, token *string, maxResults *int32) ([]T, *string, error) {
	after := ""
	if token != nil && *token != "" {
		var err error
		if after, err = s.tokens.Decode(scope, *token); err != nil {
			return nil, nil, invalidNextToken()
		}
	}
	start := sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	limit := maxPage
	if maxResults != nil && *maxResults > 0 {
		limit = int(*maxResults)
	}
	end := min(start+limit, len(items))
	var next *string
	if end < len(items) {
		next = ptr(s.tokens.Encode(scope, key(items[end-1])))
	}
	return items[start:end], next, nil
}
