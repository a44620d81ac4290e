package orgapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/apierr"
)

func TestErrorConstructors(t *testing.T) {
	tests := []struct {
		name   string
		err    *apierr.Error
		code   string
		reason string // "" for no Fields
	}{
		{"InvalidInput", InvalidInput(InvalidInputExceptionReasonUnrecognizedServicePrincipal, "You specified an unrecognized service principal."),
			"InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL"},
		{"ConstraintViolation", ConstraintViolation(ConstraintViolationExceptionReasonServiceAccessNotEnabled, "m"),
			"ConstraintViolationException", "SERVICE_ACCESS_NOT_ENABLED"},
		{"AWSOrganizationsNotInUse", AWSOrganizationsNotInUse("Your account is not a member of an organization."),
			"AWSOrganizationsNotInUseException", ""},
		{"TooManyRequests", TooManyRequests("slow down"), "TooManyRequestsException", ""},
		{"ServiceException", ServiceException("oops"), CodeService, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.err
			if e.Code != tt.code || !e.CapitalMessage || e.Message == "" {
				t.Errorf("got %+v, want code %s with CapitalMessage", e, tt.code)
			}
			if got := e.Fields["Reason"]; got != tt.reason {
				t.Errorf("Fields[Reason] = %q, want %q", got, tt.reason)
			}
			if tt.reason == "" && e.Fields != nil {
				t.Errorf("Fields = %v, want nil", e.Fields)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		in   interface{ Validate() error }
		want string
	}{
		{"valid register", &RegisterDelegatedAdministratorRequest{AccountId: new("123456789012"), ServicePrincipal: new("config.amazonaws.com")}, ""},
		{"missing account", &RegisterDelegatedAdministratorRequest{ServicePrincipal: new("config.amazonaws.com")},
			"1 validation error detected: Value null at 'accountId' failed to satisfy constraint: Member must not be null"},
		{"bad account", &RegisterDelegatedAdministratorRequest{AccountId: new("12345"), ServicePrincipal: new("config.amazonaws.com")},
			`1 validation error detected: Value '12345' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\d{12}$`},
		{"max results", &ListAccountsRequest{MaxResults: new(int32(21))},
			"1 validation error detected: Value '21' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 20"},
		{"feature set", &CreateOrganizationRequest{FeatureSet: new("SOME")},
			"1 validation error detected: Value 'SOME' at 'featureSet' failed to satisfy constraint: Member must satisfy enum value set: [ALL, CONSOLIDATED_BILLING]"},
		// CreateAccountName's pattern uses Java's \u escapes, rewritten for RE2.
		{"account name ok", &CreateAccountRequest{Email: new("a@b.example"), AccountName: new("Prod ~1")}, ""},
		{"account name", &CreateAccountRequest{Email: new("a@b.example"), AccountName: new("é")},
			`1 validation error detected: Value 'é' at 'accountName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0020-\u007E]+`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := tt.in.Validate(); err != nil {
				got = err.Error()
				if !strings.HasPrefix(got, "ValidationException: ") {
					t.Fatalf("error %q is not a ValidationException", got)
				}
				got = strings.TrimPrefix(got, "ValidationException: ")
			}
			if got != tt.want {
				t.Errorf("message\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestOperations(t *testing.T) {
	if TargetPrefix != "AWSOrganizationsV20161128" || SigningName != "organizations" || ServiceID != "Organizations" {
		t.Errorf("constants: %q %q %q", TargetPrefix, SigningName, ServiceID)
	}
	ops := Operations(UnimplementedService{}, nil)
	for _, name := range OperationNames {
		if ops[name] == nil {
			t.Errorf("Operations lacks %s", name)
		}
	}
	// DescribeOrganization has no input shape: any object decodes.
	_, err := ops["DescribeOrganization"](context.Background(), []byte(`{"x":1}`))
	var e *apierr.Error
	if !errors.As(err, &e) || e.Code != "NotImplementedException" {
		t.Errorf("DescribeOrganization: %v", err)
	}
}
