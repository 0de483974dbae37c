package notify

import (
	"strings"
	"testing"
)

func TestSMSText_DepartureNamesTheETAOnlyWhenKnown(t *testing.T) {
	with := smsText(Notification{Topic: OrderDeparted, Data: map[string]any{"number": "WO-1", "eta": "2026-11-27T04:00:00Z"}})
	if !strings.Contains(with, "expected at 2026-11-27T04:00:00Z") {
		t.Fatalf("with an eta: %q", with)
	}
	without := smsText(Notification{Topic: OrderDeparted, Data: map[string]any{"number": "WO-1"}})
	if strings.Contains(without, "expected") || !strings.Contains(without, "WO-1") {
		t.Fatalf("without an eta: %q", without)
	}
}
