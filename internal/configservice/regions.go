package configservice

import "github.com/starlingcfg/starling/internal/identity"

// DefaultRegions are the regions an aggregator with AllAwsRegions reads from:
// the AWS commercial regions where AWS Config runs. Options.Regions replaces
// them, for example to add a region AWS opened since, or to read another
// partition's regions.
var DefaultRegions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
}

// maxQuotedRegion is how many bytes of a refused region an error message
// quotes.
const maxQuotedRegion = 64

// normalizeRegions returns regions with duplicates removed, first
// occurrences kept in order, or the first value that is not a region code
// and false. A region code has the shape identity.IsRegion checks, the one a
// caller's credential scope must have: every listed region is one a source
// account can sign in, and so authorize the aggregator from. Whether AWS has
// opened the region is not checked.
func normalizeRegions(regions []string) (out []string, invalid string, ok bool) {
	if len(regions) == 0 {
		return regions, "", true
	}
	seen := make(map[string]struct{}, len(regions))
	out = make([]string, 0, len(regions))
	for _, r := range regions {
		if !identity.IsRegion(r) {
			return nil, r, false
		}
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		out = append(out, r)
	}
	return out, "", true
}
