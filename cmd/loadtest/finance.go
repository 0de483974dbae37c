package main

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// finance measures what finance and managers read all day over the seeded
// payments: the cash still in technicians' hands, one month of payments
// (the first page, six months back), and one technician's month.
func (f *fixture) finance(ctx context.Context, o options) ([]result, error) {
	month := time.Now().UTC().AddDate(0, -6, 0).Truncate(24 * time.Hour)
	span := "from=" + url.QueryEscape(month.Format(time.RFC3339)) + "&to=" + url.QueryEscape(month.AddDate(0, 1, 0).Format(time.RFC3339))
	n := int(o.duration.Seconds()) * 50
	var out []result
	for _, s := range []struct{ name, path string }{
		{"GET /v1/finance/cash-in-hand", "/v1/finance/cash-in-hand"},
		{"GET /v1/payments, one month", "/v1/payments?" + span + "&limit=50"},
		{"GET /v1/payments, one technician's month", "/v1/payments?" + span + "&limit=50&technician_id=" + f.techIDs[0].String()},
	} {
		st, body, _, err := call("GET", f.appURL+s.path, f.manager, nil, nil)
		if err != nil {
			return nil, err
		}
		if err := expect(st, 200, body); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		out = append(out, constantRate(ctx, s.name, 50, n, func(int) error {
			st, body, _, err := call("GET", f.appURL+s.path, f.manager, nil, nil)
			if err != nil {
				return err
			}
			return expect(st, 200, body)
		}))
	}
	return out, nil
}
