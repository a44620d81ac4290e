package orgservice

import (
	"strings"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
)

// Operations returns svc's operation table for the server: orgapi's
// generated table, with Organizations' answer to invalid requests
// (invalidRequest).
func Operations(svc *Service) map[string]shape.Handler {
	return orgapi.Operations(svc, invalidRequest)
}

// invalidRequest is Organizations' answer to a request that breaks the
// model's constraints. Organizations does not answer ValidationException:
// the request gets InvalidInputException, whose Reason names the kind of
// constraint (INVALID_PATTERN, INPUT_REQUIRED, …) the first violation broke.
// See invalidInput.
func invalidRequest(_ string, v *shape.Validator) error {
	ie := invalidInput(v.Violations()[0])
	ie.Err = v.Err() // the ValidationException with every violation, for the log
	return ie
}

// Messages of the InvalidInputException reasons that model validation
// produces. Only INVALID_PATTERN's is confirmed (real AWS); the others are
// the model's descriptions of the reasons.
const (
	msgInvalidPattern = "You provided a value that does not match the required pattern."
	msgInputRequired  = "You must include a value for all required parameters."
	msgMaxLength      = "You provided a string parameter that is longer than allowed."
	msgMinLength      = "You provided a string parameter that is shorter than allowed."
	msgMaxValue       = "You provided a numeric parameter that has a larger value than allowed."
	msgMinValue       = "You provided a numeric parameter that has a smaller value than allowed."
	msgInvalidEnum    = "You specified an invalid value."
	msgListMember     = "You provided a list to a parameter that contains at least one invalid value."
	msgMaxSize        = "You provided a list parameter that has more elements than allowed."
	msgMinSize        = "You provided a list parameter that has fewer elements than allowed."
)

// invalidInput returns the InvalidInputException Organizations sends for a
// request that failed the model constraint v. A violation by an element of
// a list of scalars (path "states.1.member") is INVALID_LIST_MEMBER.
func invalidInput(v shape.Violation) *apierr.Error {
	var reason, msg string
	switch {
	case strings.HasSuffix(v.Path, ".member") && v.Constraint != shape.Required:
		reason, msg = orgapi.InvalidInputExceptionReasonInvalidListMember, msgListMember
	default:
		switch v.Constraint {
		case shape.Pattern:
			reason, msg = orgapi.InvalidInputExceptionReasonInvalidPattern, msgInvalidPattern
		case shape.Required:
			reason, msg = orgapi.InvalidInputExceptionReasonInputRequired, msgInputRequired
		case shape.MaxLength:
			reason, msg = orgapi.InvalidInputExceptionReasonMaxLengthExceeded, msgMaxLength
		case shape.MinLength:
			reason, msg = orgapi.InvalidInputExceptionReasonMinLengthExceeded, msgMinLength
		case shape.MaxValue:
			reason, msg = orgapi.InvalidInputExceptionReasonMaxValueExceeded, msgMaxValue
		case shape.MinValue:
			reason, msg = orgapi.InvalidInputExceptionReasonMinValueExceeded, msgMinValue
		case shape.Enum:
			reason, msg = orgapi.InvalidInputExceptionReasonInvalidEnum, msgInvalidEnum
		case shape.MaxSize:
			reason, msg = orgapi.InvalidInputExceptionReasonMaxLengthExceeded, msgMaxSize
		case shape.MinSize:
			reason, msg = orgapi.InvalidInputExceptionReasonMinLengthExceeded, msgMinSize
		default:
			reason, msg = orgapi.InvalidInputExceptionReasonInvalidPattern, msgInvalidPattern
		}
	}
	return orgapi.InvalidInput(reason, msg)
}
