package api_test

import (
	"context"
	"testing"
)

// The write path's statements, counted where they are cheap to count: in
// PostgreSQL's pg_stat_statements (the test cluster preloads it). Each
// test counts only the statements that touch one table, so River's
// background work does not blur the count.

// statementsLike runs fn and counts the statements this test's database ran
// meanwhile whose normalized text matches the SQL pattern like.
func (e *env) statementsLike(t *testing.T, like string, fn func()) int64 {
	t.Helper()
	ctx := context.Background()
	db := e.app.DB.SQL()
	if _, err := db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		t.Fatalf("pg_stat_statements (scripts/services.sh preloads it): %v", err)
	}
	const here = "(SELECT oid FROM pg_database WHERE datname = current_database())"
	if _, err := db.ExecContext(ctx, "SELECT pg_stat_statements_reset(0, "+here+", 0)"); err != nil {
		t.Fatal(err)
	}
	fn()
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = "+here+" AND query LIKE $1",
		like).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTransition_ReadsTheOrdersUnitWorkOnce(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		if e.footing != "postgres" {
			t.Skip("counts statements in pg_stat_statements")
		}
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woRequested)
		// Judging the approval and showing the approved order need the same
		// installations and swaps, and approving records none.
		n := e.statementsLike(t, "%FROM custody_actions%", func() { o = e.woStep(t, c.manager.Token, o, "approve", nil) })
		if n != 1 {
			t.Fatalf("approve read the order's unit work %d times, want 1", n)
		}
		n = e.statementsLike(t, "%FROM custody_actions%", func() {
			e.woStep(t, c.dispatcher.Token, o, "assign", map[string]any{"technician_id": c.tech.ID})
		})
		if n != 1 {
			t.Fatalf("assign read the order's unit work %d times, want 1", n)
		}
	})
}

func TestApprove_WarrantyReadsTheTerminalOnly(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		if e.footing != "postgres" {
			t.Skip("counts statements in pg_stat_statements")
		}
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woRequested)
		// The warranty at approval is the installed terminal's; the SIM's
		// row has nothing to add.
		n := e.statementsLike(t, "%sims%", func() { e.woStep(t, c.manager.Token, o, "approve", nil) })
		if n != 0 {
			t.Fatalf("approve ran %d statements on SIMs, want 0", n)
		}
	})
}

func TestAssign_ReadsTheTechnicianOnce(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		if e.footing != "postgres" {
			t.Skip("counts statements in pg_stat_statements")
		}
		c := e.newWOCast(t)
		o := e.woDrive(t, c, woApproved)
		// The technician checked for the assignment is the one the
		// customer is told of.
		n := e.statementsLike(t, "%u.display_name%", func() {
			e.woStep(t, c.dispatcher.Token, o, "assign", map[string]any{"technician_id": c.tech.ID})
		})
		if n != 1 {
			t.Fatalf("assign read the technician %d times, want 1", n)
		}
	})
}

// The bill lines across orders read the page's orders in one query, not one
// per order.
func TestBillLines_ReadThePagesOrdersOnce(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		if e.footing != "postgres" {
			t.Skip("counts statements in pg_stat_statements")
		}
		f := e.newFleet(t)
		for i := range 3 {
			o := e.onSiteOrder(t, &f, woWith(repairBody(f, "normal"), "vehicle_id", f.vehicles[i%len(f.vehicles)]))
			e.addLine(t, f.tech.Token, o.ID, "parts", map[string]any{"part_code": "ODD-1", "description": "odd part", "quantity": 1, "unit_price": 100}, 201)
		}
		var page struct{ Items []pricedLineOut }
		n := e.statementsLike(t, "%FROM work_orders WHERE%", func() {
			e.do(t, req{method: "GET", path: "/v1/bill-lines?off_list=true", token: f.manager.Token}).expect(t, 200).decode(t, &page)
		})
		if len(page.Items) != 3 || n != 1 {
			t.Fatalf("listing %d lines of 3 orders read orders in %d statements, want 3 lines in 1", len(page.Items), n)
		}
	})
}
