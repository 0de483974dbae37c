package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api"
)

// Every list of the spec (a GET answering a page with next_cursor) is
// walked here with a page size of two over rows of its own, and must show
// every row exactly once, in the order of the same list read in one page.
// A list operation added to openapi.yaml without a case here fails.

// pagingCase adds at least five rows to its list and returns the token to
// read it with, the paths to walk (a list may have several sorts) and the
// ids of the rows it added.
type pagingCase func(t *testing.T, e *env, f *fleet) (token string, paths []string, added []uuid.UUID)

// pagedElsewhere are operations that take a cursor but are not pages, and
// the test that walks them.
var pagedElsewhere = map[string]string{
	"sync": "TestSync_HasMore_PagingByCursorReachesEveryChange",
}

const pagingRows = 5

func pagingCases() map[string]pagingCase {
	return map[string]pagingCase{
		"listUsers": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			for range pagingRows {
				ids = append(ids, e.createUser(t, "dispatcher", uuid.Nil).ID)
			}
			return e.admin, []string{"/v1/users", "/v1/users?role=dispatcher"}, ids
		},
		"listCustomers": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			for i := range pagingRows {
				ids = append(ids, e.createCustomer(t, fmt.Sprintf("Paged %d %s", i, uuid.NewString()[:6])))
			}
			return e.admin, []string{"/v1/customers", "/v1/customers?q=paged"}, ids
		},
		"listVehicles": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			ids := slices.Clone(f.vehicles)
			for i := range pagingRows {
				ids = append(ids, e.createVehicle(t, f.customer, fmt.Sprintf("粤P%05d", i)))
			}
			return e.admin, []string{"/v1/vehicles", "/v1/vehicles?customer_id=" + f.customer.String()}, ids
		},
		"listWorkOrders": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			for _, p := range []string{"low", "urgent", "normal", "high", "urgent"} {
				ids = append(ids, e.createOrder(t, f.manager.Token, repairBody(*f, p)).ID)
			}
			of := "customer_id=" + f.customer.String()
			return f.manager.Token, []string{"/v1/work-orders?" + of, "/v1/work-orders?sort=respond_by&" + of}, ids
		},
		"listTerminalModels": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			for i := range pagingRows {
				var m struct{ ID uuid.UUID }
				e.do(t, req{method: "POST", path: "/v1/terminal-models", token: e.admin,
					body: map[string]any{"name": fmt.Sprintf("PG-%d-%s", i, uuid.NewString()[:6]), "manufacturer": "Jimi", "warranty_months": 12}}).
					expect(t, 201).decode(t, &m)
				ids = append(ids, m.ID)
			}
			return e.admin, []string{"/v1/terminal-models"}, ids
		},
		"listTerminals": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			for range pagingRows {
				term, _ := e.stock(t, 12)
				ids = append(ids, term.ID)
			}
			return e.admin, []string{"/v1/terminals", "/v1/terminals?status=in_stock"}, ids
		},
		"listSims": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			for range pagingRows {
				_, sim := e.stock(t, 12)
				ids = append(ids, sim.ID)
			}
			return e.admin, []string{"/v1/sims", "/v1/sims?status=in_stock"}, ids
		},
		"listWorkOrderPhotos": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			o := e.createOrder(t, f.manager.Token, repairBody(*f, "normal"))
			var ids []uuid.UUID
			for i := range pagingRows {
				var p struct{ ID uuid.UUID }
				e.do(t, req{method: "POST", path: orderPhotosPath(o.ID), token: f.manager.Token,
					body: map[string]any{"kind": "before", "content_type": "image/jpeg", "size_bytes": 1000 + i, "sha256": strings.Repeat("ab", 32)}}).
					expect(t, 201).decode(t, &p)
				ids = append(ids, p.ID)
			}
			return f.manager.Token, []string{orderPhotosPath(o.ID)}, ids
		},
		"listInquiries": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			due := e.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
			for range pagingRows {
				var in struct{ ID uuid.UUID }
				e.do(t, req{method: "POST", path: "/v1/inquiries", token: f.dispatcher.Token, body: inquiryBody(f.customer, map[string]any{"reply_due_at": due})}).
					expect(t, 201).decode(t, &in)
				ids = append(ids, in.ID)
			}
			return f.manager.Token, []string{"/v1/inquiries", "/v1/inquiries?status=open"}, ids
		},
		"listComplaints": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			for _, s := range []string{"minor", "critical", "major", "minor", "critical"} {
				var c complaintOut
				e.do(t, req{method: "POST", path: "/v1/complaints", token: f.dispatcher.Token, body: complaintBody(f.customer, s)}).
					expect(t, 201).decode(t, &c)
				ids = append(ids, c.ID)
			}
			return f.manager.Token, []string{"/v1/complaints", "/v1/complaints?status=open"}, ids
		},
		"listContracts": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			// One vehicle each, all in force today.
			var ids []uuid.UUID
			for i := range pagingRows {
				v := e.createVehicle(t, f.customer, fmt.Sprintf("粤H%05d", i))
				ids = append(ids, e.createContract(t, e.admin, e.contractBody(f.customer, map[string]any{"vehicle_ids": []uuid.UUID{v}})).ID)
			}
			of := "/v1/contracts?customer_id=" + f.customer.String()
			return f.manager.Token, []string{of, of + "&active_on=" + e.today(0)}, ids
		},
		"listCallbacks": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			// Five vehicles installed at once: five callbacks due at the same instant,
			// so the cursor must break the tie; one moved by an unanswered call.
			for i := range pagingRows - len(f.vehicles) {
				f.vehicles = append(f.vehicles, e.createVehicle(t, f.customer, fmt.Sprintf("粤C%05d", i)))
			}
			e.completedInstall(t, f)
			of := "/v1/callbacks?customer_id=" + f.customer.String()
			var page pageOut[callbackOut]
			e.do(t, req{method: "GET", path: of + "&limit=200", token: f.dispatcher.Token}).expect(t, 200).decode(t, &page)
			if len(page.Items) != pagingRows {
				t.Fatalf("%d callbacks planned, want %d", len(page.Items), pagingRows)
			}
			e.completeCallback(t, f.dispatcher.Token, page.Items[2], map[string]any{"outcome": "no_answer"}).expect(t, 200)
			return f.dispatcher.Token, []string{of, of + "&status=scheduled"}, mapSlice(page.Items, func(c callbackOut) uuid.UUID { return c.ID })
		},
		"listPriceItems": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			var ids []uuid.UUID
			tag := uuid.NewString()[:6]
			for i := range pagingRows {
				it := e.priceItem(t, f.manager.Token, fmt.Sprintf("PG-%s-%d", tag, i), "part", "each", int64(100+i), "")
				ids = append(ids, it.ID)
			}
			// A new version of the first: both are listed, one is in force.
			ids = append(ids, e.reprice(t, f.manager.Token, ids[0], 150, e.clock.Now().AddDate(0, 0, 1).Format(time.DateOnly)).ID)
			return f.tech.Token, []string{"/v1/price-items", "/v1/price-items?kind=part&on=" + e.clock.Now().Format(time.DateOnly)}, ids[:pagingRows]
		},
		"listBillLines": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			o := e.onSiteOrder(t, f, repairBody(*f, "normal"))
			var ids []uuid.UUID
			for i := range pagingRows {
				l := e.addLine(t, f.tech.Token, o.ID, "parts", map[string]any{"part_code": fmt.Sprintf("OFF-%d", i), "description": "odd", "quantity": 1, "unit_price": 100}, 201)
				ids = append(ids, l.ID)
			}
			return f.manager.Token, []string{"/v1/bill-lines?off_list=true", "/v1/bill-lines"}, ids
		},
		"listNotifications": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			// A repair to its completion texts the customer five times.
			o := e.onSiteOrder(t, f, repairBody(*f, "high"))
			e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fixed"})
			return f.manager.Token, []string{"/v1/notifications?work_order_id=" + o.ID.String()}, nil
		},
		"listFeeNotices": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			// Each notice names one line and supersedes the one before.
			o := e.outOfWarrantyRepair(t, f)
			var ids []uuid.UUID
			for range pagingRows {
				line := e.addPart(t, f.tech.Token, o.ID, 1, 700)
				ids = append(ids, e.issueNotice(t, f.tech.Token, o.ID, map[string]any{"line_ids": []uuid.UUID{line}}).ID)
			}
			return f.custUser.Token, []string{orderPath(o.ID, "/fee-notices")}, ids
		},
		"listPayments": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			o := e.outOfWarrantyRepair(t, f)
			e.addPart(t, f.tech.Token, o.ID, 1, 5000)
			e.agreeOnSite(t, f, o.ID)
			var ids []uuid.UUID
			for i := range pagingRows {
				ids = append(ids, e.pay(t, f.tech.Token, o.ID, int64(100+i), "cash").ID)
			}
			of := "work_order_id=" + o.ID.String()
			return f.tech.Token, []string{"/v1/payments?" + of, "/v1/payments?method=cash&" + of}, ids
		},
		"listHandovers": func(t *testing.T, e *env, f *fleet) (string, []string, []uuid.UUID) {
			o := e.outOfWarrantyRepair(t, f)
			e.addPart(t, f.tech.Token, o.ID, 1, 5000)
			e.agreeOnSite(t, f, o.ID)
			var ids []uuid.UUID
			for range pagingRows {
				ids = append(ids, e.handOver(t, f.tech.Token, e.pay(t, f.tech.Token, o.ID, 100, "cash").ID).ID)
			}
			return f.manager.Token, []string{"/v1/handovers?technician_id=" + f.tech.ID.String(), "/v1/handovers?status=open&technician_id=" + f.tech.ID.String()}, ids
		},
	}
}

// listOperations are the spec's GET operations that answer a page with
// next_cursor, and those that take a cursor without being such a page.
func listOperations(t *testing.T) (pages, otherCursors []string) {
	t.Helper()
	doc, err := api.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range doc.Paths.Map() {
		op := item.Get
		if op == nil {
			continue
		}
		isPage := false
		if r := op.Responses.Status(200); r != nil && r.Value != nil {
			if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				props := mt.Schema.Value.Properties
				isPage = props["items"] != nil && props["next_cursor"] != nil
			}
		}
		takesCursor := false
		for _, p := range op.Parameters {
			if p.Value != nil && p.Value.In == "query" && p.Value.Name == "cursor" {
				takesCursor = true
			}
		}
		switch {
		case isPage:
			pages = append(pages, op.OperationID)
		case takesCursor:
			otherCursors = append(otherCursors, op.OperationID)
		}
	}
	slices.Sort(pages)
	slices.Sort(otherCursors)
	return pages, otherCursors
}

func TestPaging_EveryListOperationHasACase(t *testing.T) {
	pages, others := listOperations(t)
	if len(pages) == 0 {
		t.Fatal("no list operations found in openapi.yaml")
	}
	cases := pagingCases()
	for _, op := range pages {
		if cases[op] == nil {
			t.Errorf("list operation %s has no paging case in pagingCases", op)
		}
	}
	for op := range cases {
		if !slices.Contains(pages, op) {
			t.Errorf("pagingCases has %s, which is not a list operation of openapi.yaml", op)
		}
	}
	for _, op := range others {
		if pagedElsewhere[op] == "" {
			t.Errorf("operation %s takes a cursor but is neither a page with a case nor in pagedElsewhere", op)
		}
	}
}

func TestPaging_EveryListShowsEveryRowOnceAcrossPages(t *testing.T) {
	pages, _ := listOperations(t)
	cases := pagingCases()
	type idOnly struct {
		ID uuid.UUID `json:"id"`
	}
	id := func(x idOnly) uuid.UUID { return x.ID }
	eachFooting(t, func(t *testing.T, e *env) {
		for _, op := range pages {
			c := cases[op]
			if c == nil {
				continue // TestPaging_EveryListOperationHasACase fails
			}
			t.Run(op, func(t *testing.T) {
				f := e.newFleet(t)
				token, paths, added := c(t, e, &f)
				for _, path := range paths {
					whole := mapSlice(listAll(t, e, token, path, 200, id), id)
					if len(whole) < pagingRows {
						t.Fatalf("%s: %d rows, want at least %d to page through", path, len(whole), pagingRows)
					}
					for _, a := range added {
						if !slices.Contains(whole, a) {
							t.Fatalf("%s does not list %s", path, a)
						}
					}
					walked := mapSlice(listAll(t, e, token, path, 2, id), id)
					if !slices.Equal(walked, whole) {
						t.Fatalf("%s by twos:\n %v\nin one page:\n %v", path, walked, whole)
					}
				}
			})
		}
	})
}
