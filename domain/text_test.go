package domain_test

import (
	"strings"
	"testing"

	"github.com/fieldwork/fieldwork/domain"
)

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		min, max int
		want     string
		wantErr  string // the field error's message, "" for none
	}{
		{name: "TrimsSpace", in: "  Acme Ltd \n", min: 1, max: 10, want: "Acme Ltd"},
		{name: "KeepsInnerNewlineAndTab", in: "line 1\nline\t2", min: 1, max: 20, want: "line 1\nline\t2"},
		{name: "EmptyIsBlank", in: "", min: 1, max: 10, wantErr: "must not be blank"},
		{name: "SpacesOnlyIsBlank", in: " \t\n ", min: 1, max: 10, wantErr: "must not be blank"},
		{name: "ShorterThanMinAboveOne", in: "a", min: 2, max: 10, wantErr: "is too short"},
		{name: "LongerThanMax", in: "abcdef", min: 1, max: 5, wantErr: "is too long"},
		{name: "ChineseCountsRunesNotBytes", in: "深圳市", min: 1, max: 3, want: "深圳市"},
		{name: "ChineseOverMaxRunes", in: "深圳市", min: 1, max: 2, wantErr: "is too long"},
		{name: "ChineseMinRunes", in: "深", min: 2, max: 10, wantErr: "is too short"},
		{name: "NULRejected", in: "a\x00b", min: 1, max: 10, wantErr: "must not contain control characters"},
		{name: "BellRejected", in: "a\ab", min: 1, max: 10, wantErr: "must not contain control characters"},
		{name: "CarriageReturnRejected", in: "a\rb", min: 1, max: 10, wantErr: "must not contain control characters"},
		{name: "DELRejected", in: "a\x7fb", min: 1, max: 10, wantErr: "must not contain control characters"},
		{name: "C1ControlRejected", in: "a\u0085b", min: 1, max: 10, wantErr: "must not contain control characters"},
		{name: "InvalidUTF8Rejected", in: "a\xffb", min: 1, max: 10, wantErr: "must be valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var fe domain.FieldErrors
			got := domain.Text(&fe, "name", tt.in, tt.min, tt.max)
			if tt.wantErr == "" {
				if len(fe) != 0 {
					t.Fatalf("Text(%q) errors = %v, want none", tt.in, fe)
				}
				if got != tt.want {
					t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
				}
				return
			}
			want := domain.FieldErrors{{Field: "name", Message: tt.wantErr}}
			if len(fe) != 1 || fe[0] != want[0] {
				t.Errorf("Text(%q) errors = %v, want %v", tt.in, fe, want)
			}
		})
	}
}

func TestOptionalText(t *testing.T) {
	t.Parallel()
	ptr := func(s string) *string { return &s }
	tests := []struct {
		name    string
		in      *string
		want    *string
		wantErr bool
	}{
		{name: "NilStaysNil", in: nil, want: nil},
		{name: "BlankBecomesNil", in: ptr("  \t "), want: nil},
		{name: "ValueTrimmed", in: ptr(" note "), want: ptr("note")},
		{name: "TooLong", in: ptr(strings.Repeat("长", 6)), want: ptr(strings.Repeat("长", 6)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var fe domain.FieldErrors
			got := domain.OptionalText(&fe, "notes", tt.in, 5)
			if (len(fe) > 0) != tt.wantErr {
				t.Errorf("errors = %v, want error %v", fe, tt.wantErr)
			}
			switch {
			case got == nil && tt.want == nil:
			case got == nil || tt.want == nil:
				t.Errorf("OptionalText = %v, want %v", got, tt.want)
			case *got != *tt.want:
				t.Errorf("OptionalText = %q, want %q", *got, *tt.want)
			}
		})
	}
}

func TestPhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "MobileWithDashes", in: "138-0013-8000", want: "13800138000"},
		{name: "InternationalWithSpaces", in: " +86 138 0013 8000 ", want: "+8613800138000"},
		{name: "FiveDigitsIsShortest", in: "12345", want: "12345"},
		{name: "EighteenDigitsIsLongest", in: strings.Repeat("1", 18), want: strings.Repeat("1", 18)},
		{name: "FourDigitsTooShort", in: "1234", wantErr: "must have 5 to 18 digits"},
		{name: "PlusDoesNotCountAsDigit", in: "+1234", wantErr: "must have 5 to 18 digits"},
		{name: "NineteenDigitsTooLong", in: strings.Repeat("1", 19), wantErr: "must have 5 to 18 digits"},
		{name: "EmptyTooShort", in: "", wantErr: "must have 5 to 18 digits"},
		{name: "PlusInsideRejected", in: "138+00138000", wantErr: "must be digits, with an optional leading +"},
		{name: "LettersRejected", in: "138abc38000", wantErr: "must be digits, with an optional leading +"},
		{name: "ParenthesesRejected", in: "(010)12345678", wantErr: "must be digits, with an optional leading +"},
		{name: "FullWidthDigitsRejected", in: "１３８００１３８０００", wantErr: "must be digits, with an optional leading +"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var fe domain.FieldErrors
			got := domain.Phone(&fe, "phone", tt.in)
			if tt.wantErr == "" {
				if len(fe) != 0 {
					t.Fatalf("Phone(%q) errors = %v, want none", tt.in, fe)
				}
				if got != tt.want {
					t.Errorf("Phone(%q) = %q, want %q", tt.in, got, tt.want)
				}
				return
			}
			want := domain.FieldError{Field: "phone", Message: tt.wantErr}
			if len(fe) != 1 || fe[0] != want {
				t.Errorf("Phone(%q) errors = %v, want [%v]", tt.in, fe, want)
			}
		})
	}
}

func TestOptionalPhone(t *testing.T) {
	t.Parallel()
	var fe domain.FieldErrors
	if got := domain.OptionalPhone(&fe, "phone", nil); got != nil {
		t.Errorf("OptionalPhone(nil) = %q, want nil", *got)
	}
	blank := "   "
	if got := domain.OptionalPhone(&fe, "phone", &blank); got != nil {
		t.Errorf("OptionalPhone(blank) = %q, want nil", *got)
	}
	in := "010-1234 5678"
	if got := domain.OptionalPhone(&fe, "phone", &in); got == nil || *got != "01012345678" {
		t.Errorf("OptionalPhone(%q) = %v, want 01012345678", in, got)
	}
	if len(fe) != 0 {
		t.Errorf("errors = %v, want none", fe)
	}
}
