package custody

import (
	"errors"
	"strings"
)

// luhnValid reports whether the digits end in a valid Luhn check digit.
func luhnValid(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return len(digits) > 0 && sum%10 == 0
}

func allDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// IMEI is a terminal's IMEI, as ParseIMEI admits it.
type IMEI string

// ParseIMEI reads a terminal's IMEI: 15 digits, the last a Luhn check digit.
// The error says what is wrong, for the caller to name the field.
func ParseIMEI(s string) (IMEI, error) {
	s = strings.TrimSpace(s)
	if len(s) != 15 || !allDigits(s) || !luhnValid(s) {
		return "", errors.New("must be 15 digits with a valid Luhn check digit")
	}
	return IMEI(s), nil
}

// ICCID is a SIM card's ICCID, as ParseICCID admits it.
type ICCID string

// ParseICCID reads a SIM's ICCID: 19 or 20 digits starting 89, the last a
// Luhn check digit.
func ParseICCID(s string) (ICCID, error) {
	s = strings.TrimSpace(s)
	if (len(s) != 19 && len(s) != 20) || !strings.HasPrefix(s, "89") || !allDigits(s) || !luhnValid(s) {
		return "", errors.New("must be 19 or 20 digits starting 89 with a valid Luhn check digit")
	}
	return ICCID(s), nil
}
