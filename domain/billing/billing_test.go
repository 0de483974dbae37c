package billing

import "testing"

func TestCompute_TheSeedsRule(t *testing.T) {
	code := "ANT-1"
	mins := 30
	lines := []Line{
		{Kind: Part, PartCode: &code, Quantity: 2, UnitPrice: 3500, Amount: 7000},
		{Kind: Labour, Minutes: &mins, Quantity: 1, UnitPrice: 5000, Amount: 5000},
		{Kind: PaidService, Code: &code, Quantity: 1, UnitPrice: 15000, Amount: 15000},
	}
	cases := []struct {
		name    string
		order   Order
		rule    Rule
		total   int64
		charged []int64
	}{
		{"repair in warranty: nothing charged but the paid service", Order{InWarranty: true}, InWarrantyFree, 0, []int64{0, 0, 15000}},
		{"repair out of warranty: parts and the paid service", Order{}, OutOfWarrantyPartsOnly, 7000, []int64{7000, 0, 15000}},
		{"install: labour free", Order{Install: true, InWarranty: true}, InstallLabourFree, 7000, []int64{7000, 0, 15000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := Compute(c.order, lines)
			if b.Rule != c.rule || b.Total != c.total+15000 || b.PartsTotal != c.total || b.LabourTotal != 0 || b.ServicesTotal != 15000 {
				t.Fatalf("%+v", b)
			}
			for i := range lines {
				if b.Charged[i] != c.charged[i] {
					t.Fatalf("line %d charged %d, want %d", i, b.Charged[i], c.charged[i])
				}
			}
		})
	}
}
