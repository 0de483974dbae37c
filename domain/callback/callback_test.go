package callback

import (
	"testing"
	"time"
)

func TestDueAt_MonthlyForAYearThenQuarterly(t *testing.T) {
	installed := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for seq, want := range map[int]string{1: "2026-02-15", 12: "2027-01-15", 13: "2027-04-15", 14: "2027-07-15", 16: "2028-01-15"} {
		if got := DueAt(installed, seq).Format(time.DateOnly); got != want {
			t.Errorf("callback %d due %s, want %s", seq, got, want)
		}
	}
}
