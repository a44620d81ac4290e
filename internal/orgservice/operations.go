package orgservice

import (
	"context"
	"errors"
	"strings"

	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/api/shape"
	"github.com/starlingcfg/starling/internal/apierr"
)

// Operations returns svc's operation table for the server: orgapi's
// generated table, with one convention of Organizations applied on top.
//
// Organizations does not answer ValidationException: a request that breaks a
// constraint of the model gets InvalidInputException, whose Reason names the
// kind of constraint (INVALID_PATTERN, INPUT_REQUIRED, …). See
// invalidInput.
func Operations(svc *Service) map[string]shape.Handler {
	ops := orgapi.Operations(svc)
	for name, h := range ops {
		ops[name] = invalidInputErrors(h)
	}
	return ops
}

// invalidInputErrors turns the ValidationException of model validation into
// InvalidInputException.
func invalidInputErrors(h shape.Handler) shape.Handler {
	return func(ctx context.Context, body []byte) (any, error) {
		out, err := h(ctx, body)
		var e *apierr.Error
		var vs shape.Violations
		if err != nil && errors.As(err, &e) && e.Code == "ValidationException" && errors.As(e.Err, &vs) && len(vs) > 0 {
			ie := invalidInput(vs[0])
			ie.Err = e // the violations, for the log
			return nil, ie
		}
		return out, err
	}
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
