package api_test

import (
	"reflect"
	"testing"

	"github.com/google/uuid"
)

func customerBody(name, contact, phone string) map[string]any {
	return map[string]any{"name": name, "contact_name": contact, "phone": phone, "address": "1 Keji Road, Nanshan, Shenzhen"}
}

func TestCreateCustomer_201(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		r := e.do(t, req{method: "POST", path: "/v1/customers", token: e.admin, body: map[string]any{
			"name": "  深圳顺丰物流有限公司 ", "contact_name": "张三", "phone": "0755-8888 1234",
			"address": "深圳市南山区科技园", "notes": "GPS for 40 trucks\nsecond line",
		}}).expect(t, 201)
		var c customerOut
		r.decode(t, &c)
		if got, want := r.Header.Get("Location"), "/v1/customers/"+c.ID.String(); got != want {
			t.Fatalf("Location %q, want %q", got, want)
		}
		if c.ID == uuid.Nil || c.Name != "深圳顺丰物流有限公司" || c.ContactName != "张三" || c.Phone != "075588881234" ||
			c.Address != "深圳市南山区科技园" || c.Notes == nil || *c.Notes != "GPS for 40 trucks\nsecond line" {
			t.Fatalf("created %+v", c)
		}
		if c.CreatedAt.IsZero() || !c.CreatedAt.Equal(c.UpdatedAt) {
			t.Fatalf("times %v %v", c.CreatedAt, c.UpdatedAt)
		}
		if got := e.getCustomer(t, c.ID); !reflect.DeepEqual(got, c) {
			t.Fatalf("read back %+v, want %+v", got, c)
		}
		// Without notes, notes is null; blank notes are no notes.
		for _, notes := range []any{nil, "   "} {
			b := customerBody("Acme", "Ann", "13800138000")
			if notes != nil {
				b["notes"] = notes
			}
			if c := e.createCustomerWith(t, b); c.Notes != nil {
				t.Fatalf("notes %q", *c.Notes)
			}
		}
	})
}

func TestCreateCustomer_422_WhenNameBlank(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		p := e.do(t, req{method: "POST", path: "/v1/customers", token: e.admin, body: customerBody("   ", "  ", "13800138000")}).expect(t, 422).problem(t)
		p.expectField(t, "name")
		p.expectField(t, "contact_name")
		if n := len(listAll(t, e, e.admin, "/v1/customers", 200, customerID)); n != 0 {
			t.Fatalf("%d customers", n)
		}
	})
}

func TestGetCustomer_404_WhenUnknown(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		e.do(t, req{method: "GET", path: "/v1/customers/" + uuid.New().String(), token: e.admin}).expect(t, 404)
		e.do(t, req{method: "PATCH", path: "/v1/customers/" + uuid.New().String(), token: e.admin, body: map[string]any{"name": "x"}}).expect(t, 404)
	})
}

func TestUpdateCustomer_200_ChangesFieldsAndNullClearsNotes(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		b := customerBody("Acme", "Ann", "13800138000")
		b["notes"] = "call before noon"
		c := e.createCustomerWith(t, b)
		path := "/v1/customers/" + c.ID.String()
		e.clock.Advance(1e9)

		var got customerOut
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"name": "Acme Logistics", "phone": "+86 755 1234 5678"}}).
			expect(t, 200).decode(t, &got)
		if got.Name != "Acme Logistics" || got.Phone != "+8675512345678" || got.ContactName != "Ann" || got.Address != c.Address ||
			got.Notes == nil || *got.Notes != "call before noon" {
			t.Fatalf("after patch %+v", got)
		}
		if !got.CreatedAt.Equal(c.CreatedAt) || !got.UpdatedAt.After(c.UpdatedAt) {
			t.Fatalf("times %v %v, created %v", got.CreatedAt, got.UpdatedAt, c.CreatedAt)
		}
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"contact_name": "Bo", "address": "2 Road"}}).
			expect(t, 200).decode(t, &got)
		if got.ContactName != "Bo" || got.Address != "2 Road" || got.Notes == nil {
			t.Fatalf("after patch %+v", got)
		}
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: `{"notes": null}`}).expect(t, 200).decode(t, &got)
		if got.Notes != nil || got.Name != "Acme Logistics" {
			t.Fatalf("after notes null %+v", got)
		}
		if read := e.getCustomer(t, c.ID); !reflect.DeepEqual(read, got) {
			t.Fatalf("read back %+v, want %+v", read, got)
		}
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"notes": "new notes"}}).expect(t, 200).decode(t, &got)
		if got.Notes == nil || *got.Notes != "new notes" {
			t.Fatalf("after notes %+v", got)
		}
	})
}

func TestUpdateCustomer_400_WhenBodyIsAnEmptyObject(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		id := e.createCustomer(t, "Acme")
		before := e.getCustomer(t, id)
		e.do(t, req{method: "PATCH", path: "/v1/customers/" + id.String(), token: e.admin, body: `{}`}).expect(t, 400)
		if got := e.getCustomer(t, id); !reflect.DeepEqual(got, before) {
			t.Fatalf("changed: %+v", got)
		}
	})
}

func TestListCustomers_200_PagesThroughEveryCustomerOnce(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		var want []uuid.UUID
		for _, n := range []string{"A", "B", "C", "D", "E"} {
			want = append(want, e.createCustomer(t, "Customer "+n))
		}
		for _, limit := range []int{1, 2, 5, 200} {
			got := customerIDs(listAll(t, e, e.admin, "/v1/customers", limit, customerID))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("limit %d: %v, want %v in creation order", limit, got, want)
			}
		}
		// Without a limit, the default page holds them all.
		var page pageOut[customerOut]
		e.do(t, req{method: "GET", path: "/v1/customers", token: e.admin}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 5 || page.NextCursor != nil {
			t.Fatalf("default page: %d items, cursor %v", len(page.Items), page.NextCursor)
		}
	})
}

func TestListCustomers_200_QMatchesNameContactOrPhoneIgnoringCase(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		sf := e.createCustomerWith(t, customerBody("深圳顺丰物流", "王经理", "13800000001")).ID
		acme := e.createCustomerWith(t, customerBody("ACME Trucking", "Mary Smith", "13900000002")).ID
		other := e.createCustomerWith(t, customerBody("Guangzhou Bus Co", "Li Lei", "020-1234-5678")).ID
		cases := []struct {
			q    string
			want []uuid.UUID
		}{
			{"深圳顺丰", []uuid.UUID{sf}},
			{"顺丰", []uuid.UUID{sf}},
			{"王经理", []uuid.UUID{sf}},
			{"acme", []uuid.UUID{acme}},
			{"AcMe tRuck", []uuid.UUID{acme}},
			{"MARY", []uuid.UUID{acme}},
			{"smith", []uuid.UUID{acme}},
			{"1380000", []uuid.UUID{sf}},
			{"02012345678", []uuid.UUID{other}},
			{"000000", []uuid.UUID{sf, acme}},
			{"i", []uuid.UUID{acme, other}},
			{"上海", nil},
			{"nobody", nil},
		}
		for _, c := range cases {
			got := customerIDs(listAll(t, e, e.admin, withQuery("/v1/customers", "q", c.q), 50, customerID))
			sameIDs(t, "q="+c.q, got, c.want)
		}
		// The search pages like any list.
		got := customerIDs(listAll(t, e, e.admin, withQuery("/v1/customers", "q", "0"), 1, customerID))
		sameIDs(t, "q=0 in pages of 1", got, []uuid.UUID{sf, acme, other})
	})
}

func TestListCustomers_200_QWildcardsMatchLiterally(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		pct := e.createCustomerWith(t, customerBody("100% Fleet", "Ann", "13800000001")).ID
		under := e.createCustomerWith(t, customerBody("Fleet_Two", "Bob", "13800000002")).ID
		slash := e.createCustomerWith(t, customerBody(`Back\slash`, "Cy", "13800000003")).ID
		e.createCustomerWith(t, customerBody("Plain Fleet", "Dee", "13800000004"))
		for _, c := range []struct {
			q    string
			want []uuid.UUID
		}{
			{"%", []uuid.UUID{pct}},
			{"0%", []uuid.UUID{pct}},
			{"%%", nil},
			{"_", []uuid.UUID{under}},
			{"t_t", []uuid.UUID{under}},
			{`\`, []uuid.UUID{slash}},
			{`k\s`, []uuid.UUID{slash}},
		} {
			got := customerIDs(listAll(t, e, e.admin, withQuery("/v1/customers", "q", c.q), 50, customerID))
			sameIDs(t, "q="+c.q, got, c.want)
		}
	})
}
