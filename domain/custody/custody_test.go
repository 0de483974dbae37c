package custody

import (
	"testing"
	"time"
)

func TestParseIMEI(t *testing.T) {
	for imei, ok := range map[string]bool{
		"490154203237518": true, "356938035643809": true,
		"490154203237519": false, "49015420323751": false, "4901542032375180": false, "49015420323751a": false, "": false,
	} {
		if _, err := ParseIMEI(imei); (err == nil) != ok {
			t.Errorf("%q: valid %v, want %v", imei, err == nil, ok)
		}
	}
}

func TestParseICCID(t *testing.T) {
	for iccid, ok := range map[string]bool{
		"8986011234567890128": true, "89860112345678901237": true,
		"8986011234567890126": false, "7986011234567890128": false, "898601123456789012": false, "898601123456789012345": false,
	} {
		if _, err := ParseICCID(iccid); (err == nil) != ok {
			t.Errorf("%q: valid %v, want %v", iccid, err == nil, ok)
		}
	}
}

func TestWarrantyOf_RunsFromTheFirstInstallEndDayIncluded(t *testing.T) {
	first := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	unit := Terminal{FirstInstalledOn: &first}
	w := WarrantyOf(unit, 12, time.Date(2026, 3, 30, 23, 59, 0, 0, time.UTC))
	if !w.InWarranty || w.EndsOn.Format(time.DateOnly) != "2026-03-30" || w.StartsOn.Format(time.DateOnly) != "2025-03-31" {
		t.Fatalf("last day: %+v %v %v", w, w.StartsOn, w.EndsOn)
	}
	if WarrantyOf(unit, 12, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)).InWarranty {
		t.Fatal("the day after the end is covered")
	}
	if WarrantyOf(unit, 12, time.Date(2025, 3, 30, 12, 0, 0, 0, time.UTC)).InWarranty {
		t.Fatal("the day before the install is covered")
	}
	if w := WarrantyOf(Terminal{}, 24, time.Now()); w.InWarranty || w.StartsOn != nil {
		t.Fatalf("never installed: %+v", w)
	}
	if WarrantyOf(unit, 0, first).InWarranty {
		t.Fatal("a model without warranty covers its install day")
	}
}
