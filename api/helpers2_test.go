package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The JSON shapes of the resources, as a client reads them.

type userOut struct {
	ID          uuid.UUID  `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	Phone       *string    `json:"phone"`
	CustomerID  *uuid.UUID `json:"customer_id"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

type customerOut struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	ContactName string    `json:"contact_name"`
	Phone       string    `json:"phone"`
	Address     string    `json:"address"`
	Notes       *string   `json:"notes"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type vehicleOut struct {
	ID          uuid.UUID `json:"id"`
	CustomerID  uuid.UUID `json:"customer_id"`
	Plate       string    `json:"plate"`
	VIN         *string   `json:"vin"`
	Model       *string   `json:"model"`
	DriverName  *string   `json:"driver_name"`
	DriverPhone *string   `json:"driver_phone"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// pageOut is one page of a list; NextCursor is nil on the last page.
type pageOut[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// withQuery adds query parameters to a path that may already have some.
func withQuery(path string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	if len(v) == 0 {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + v.Encode()
}

// listAll walks every page of a list with the given page size, failing on
// a repeated cursor or item, and returns the items in order.
func listAll[T any](t *testing.T, e *env, token, path string, limit int, id func(T) uuid.UUID) []T {
	t.Helper()
	var all []T
	seen := map[uuid.UUID]bool{}
	cursors := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: more than 1000 pages", path)
		}
		p := withQuery(path, "limit", strconv.Itoa(limit))
		if cursor != "" {
			p = withQuery(p, "cursor", cursor)
		}
		var page pageOut[T]
		e.do(t, req{method: "GET", path: p, token: token}).expect(t, 200).decode(t, &page)
		if len(page.Items) > limit {
			t.Fatalf("%s: %d items on a page of %d", p, len(page.Items), limit)
		}
		for _, it := range page.Items {
			if seen[id(it)] {
				t.Fatalf("%s: item %s listed twice", path, id(it))
			}
			seen[id(it)] = true
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			return all
		}
		if *page.NextCursor == "" || cursors[*page.NextCursor] {
			t.Fatalf("%s: bad or repeated next_cursor %q", path, *page.NextCursor)
		}
		cursors[*page.NextCursor] = true
		cursor = *page.NextCursor
	}
}

func userID(u userOut) uuid.UUID         { return u.ID }
func customerID(c customerOut) uuid.UUID { return c.ID }
func vehicleID(v vehicleOut) uuid.UUID   { return v.ID }

func userIDs(us []userOut) []uuid.UUID         { return mapSlice(us, userID) }
func customerIDs(cs []customerOut) []uuid.UUID { return mapSlice(cs, customerID) }
func vehicleIDs(vs []vehicleOut) []uuid.UUID   { return mapSlice(vs, vehicleID) }

func mapSlice[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// sameIDs fails unless got holds exactly want, in any order.
func sameIDs(t *testing.T, what string, got, want []uuid.UUID) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	cmp := func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
	slices.SortFunc(g, cmp)
	slices.SortFunc(w, cmp)
	if !slices.Equal(g, w) {
		t.Fatalf("%s: got %v, want %v", what, g, w)
	}
}

// hasField reports whether a validation problem names the field.
func (p problem) hasField(field string) bool {
	for _, f := range p.Errors {
		if f.Field == field {
			return true
		}
	}
	return false
}

// expectField fails unless the problem names the field.
func (p problem) expectField(t *testing.T, field string) {
	t.Helper()
	if !p.hasField(field) {
		t.Fatalf("problem does not name field %q: %+v", field, p)
	}
}

// getUser, getCustomer and getVehicle read one resource as the admin.
func (e *env) getUser(t *testing.T, id uuid.UUID) userOut {
	t.Helper()
	var u userOut
	e.do(t, req{method: "GET", path: "/v1/users/" + id.String(), token: e.admin}).expect(t, 200).decode(t, &u)
	return u
}

func (e *env) getCustomer(t *testing.T, id uuid.UUID) customerOut {
	t.Helper()
	var c customerOut
	e.do(t, req{method: "GET", path: "/v1/customers/" + id.String(), token: e.admin}).expect(t, 200).decode(t, &c)
	return c
}

func (e *env) getVehicle(t *testing.T, id uuid.UUID) vehicleOut {
	t.Helper()
	var v vehicleOut
	e.do(t, req{method: "GET", path: "/v1/vehicles/" + id.String(), token: e.admin}).expect(t, 200).decode(t, &v)
	return v
}

// createCustomerWith creates a customer from a full body as the admin.
func (e *env) createCustomerWith(t *testing.T, body map[string]any) customerOut {
	t.Helper()
	var c customerOut
	e.do(t, req{method: "POST", path: "/v1/customers", token: e.admin, body: body}).expect(t, 201).decode(t, &c)
	return c
}

// meID is the id of the account behind a token.
func (e *env) meID(t *testing.T, token string) uuid.UUID {
	t.Helper()
	var u userOut
	e.do(t, req{method: "GET", path: "/v1/me", token: token}).expect(t, 200).decode(t, &u)
	return u.ID
}

// doStreamed sends a body of unknown length (chunked, no Content-Length), so
// that only reading it can find it too large; the response is spec-checked.
func (e *env) doStreamed(t *testing.T, method, path, token string, body io.Reader) response {
	t.Helper()
	hr, err := http.NewRequest(method, e.srv.URL+path, io.MultiReader(body)) // MultiReader hides the length
	if err != nil {
		t.Fatal(err)
	}
	if hr.ContentLength != 0 {
		t.Fatalf("content length %d, want unknown", hr.ContentLength)
	}
	hr.Header.Set("Content-Type", "application/json")
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}
	return e.exchange(t, hr)
}

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
