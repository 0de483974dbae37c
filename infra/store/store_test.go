package store_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/auth"
	"github.com/fieldwork/fieldwork/domain/customer"
	"github.com/fieldwork/fieldwork/domain/user"
	"github.com/fieldwork/fieldwork/domain/vehicle"
	"github.com/fieldwork/fieldwork/infra/store"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// The store contract: what every repository must do, on SQLite and on
// PostgreSQL alike. Each case gets a fresh, migrated database of its footing,
// so cases run in parallel and may count and page over whole tables.

func TestStore(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, db *store.DB)
	}{
		{"DB/Ping", testDBPing},
		{"DB/InTxCommits", testInTxCommits},
		{"DB/InTxRollsBackOnError", testInTxRollsBackOnError},
		{"DB/InTxNestedJoinsOuter", testInTxNestedJoinsOuter},
		{"DB/InTxNestedErrorRollsBackBoth", testInTxNestedErrorRollsBackBoth},
		{"DB/SQLTxInsideAndOutside", testSQLTx},
		{"DB/ConcurrentReadModifyWriteTransactionsAllSucceed", testConcurrentWriters},

		{"Users/InsertByIDRoundTrip", testUsersRoundTrip},
		{"Users/UpdateRoundTrip", testUsersUpdate},
		{"Users/UpdateMissingIsNotFound", testUsersUpdateMissing},
		{"Users/ByIDMissingIsNotFound", testUsersByIDMissing},
		{"Users/UsernameUniqueIsConflict", testUsersUsernameConflict},
		{"Users/CustomerRoleIffCustomerID", testUsersCustomerCheck},
		{"Users/UsernameTakenAndCount", testUsersTakenAndCount},
		{"Users/ListPagesInIDOrder", testUsersPaging},
		{"Users/ListFiltersByRole", testUsersFilterRole},
		{"Users/ListMalformedCursorIsBadRequest", testUsersBadCursor},
		{"Users/RevokeSessions", testUsersRevokeSessions},

		{"Customers/InsertByIDRoundTrip", testCustomersRoundTrip},
		{"Customers/UpdateRoundTrip", testCustomersUpdate},
		{"Customers/UpdateMissingIsNotFound", testCustomersUpdateMissing},
		{"Customers/ByIDMissingIsNotFound", testCustomersByIDMissing},
		{"Customers/CustomerExists", testCustomersExists},
		{"Customers/ListPagesInIDOrder", testCustomersPaging},
		{"Customers/ListOnlyID", testCustomersOnlyID},
		{"Customers/ListQuery", testCustomersQuery},
		{"Customers/ListMalformedCursorIsBadRequest", testCustomersBadCursor},

		{"Vehicles/InsertByIDRoundTrip", testVehiclesRoundTrip},
		{"Vehicles/UpdateRoundTrip", testVehiclesUpdate},
		{"Vehicles/UpdateMissingIsNotFound", testVehiclesUpdateMissing},
		{"Vehicles/ByIDMissingIsNotFound", testVehiclesByIDMissing},
		{"Vehicles/PlateUniquePerCustomer", testVehiclesPlateUnique},
		{"Vehicles/UnknownCustomerRejected", testVehiclesUnknownCustomer},
		{"Vehicles/ListPagesInIDOrder", testVehiclesPaging},
		{"Vehicles/ListFilters", testVehiclesFilters},
		{"Vehicles/ListMalformedCursorIsBadRequest", testVehiclesBadCursor},

		{"Auth/Credentials", testAuthCredentials},
		{"Auth/SessionCreateAndRevoke", testAuthSessions},
		{"Auth/Principal", testAuthPrincipal},
		{"Auth/RefreshTokenRoundTrip", testAuthRefresh},
		{"Auth/MarkRefreshUsedOnce", testAuthMarkUsedOnce},
		{"Auth/MarkRefreshUsedRace", testAuthMarkUsedRace},
		{"Auth/FailuresWindow", testAuthFailuresWindow},
		{"Auth/FailuresWindowBoundary", testAuthFailuresBoundary},
		{"Auth/ClearFailures", testAuthClearFailures},
		{"Auth/AttemptSettles", testAuthAttemptSettles},
		{"Auth/KnownAddresses", testAuthKnownAddresses},
		{"Auth/ReserveRace", testAuthReserveRace},
		{"Auth/Prune", testAuthPrune},

		{"Events/AppendForRoundTrip", testEventsRoundTrip},
		{"Events/AppendRollsBackWithTx", testEventsRollback},
	}
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			dialect := store.SQLite
			if f.DatabaseURL != "" {
				dialect = store.Postgres
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					db := fresh(t, f)
					if db.Dialect() != dialect {
						t.Fatalf("Dialect = %q, want %q", db.Dialect(), dialect)
					}
					c.run(t, db)
				})
			}
		})
	}
}

// fresh opens a new, empty, migrated database of the footing's kind.
func fresh(t *testing.T, f storetest.Footing) *store.DB {
	t.Helper()
	f.DataDir = t.TempDir()
	if f.DatabaseURL != "" {
		f.DatabaseURL = storetest.PostgresURL(t)
	}
	return storetest.Open(t, f)
}

// ---------------------------------------------------------------- fixtures

var (
	// t0 has microseconds, the precision both databases keep.
	t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	// cst is China Standard Time: input in any zone comes back in UTC.
	cst = time.FixedZone("CST", 8*60*60)
)

func ptr[T any](v T) *T { return &v }

func newCustomer(name string) customer.Customer {
	return customer.Customer{ID: domain.NewID(), Name: name, ContactName: "联系人", Phone: "13800138000",
		Address: "广东省深圳市南山区", CreatedAt: t0, UpdatedAt: t0}
}

func addCustomer(t *testing.T, db *store.DB, c customer.Customer) customer.Customer {
	t.Helper()
	if err := db.Customers().Insert(t.Context(), c); err != nil {
		t.Fatalf("insert customer %q: %v", c.Name, err)
	}
	return c
}

func newUser(username string, role domain.Role, customerID uuid.UUID) user.User {
	return user.User{ID: domain.NewID(), Username: username, DisplayName: "User " + username, Role: role,
		CustomerID: customerID, PasswordHash: "$argon2id$hash-of-" + username, CreatedAt: t0, UpdatedAt: t0}
}

func addUser(t *testing.T, db *store.DB, u user.User) user.User {
	t.Helper()
	if err := db.Users().Insert(t.Context(), u); err != nil {
		t.Fatalf("insert user %q: %v", u.Username, err)
	}
	return u
}

func newVehicle(customerID uuid.UUID, plate string) vehicle.Vehicle {
	return vehicle.Vehicle{ID: domain.NewID(), CustomerID: customerID, Plate: plate, CreatedAt: t0, UpdatedAt: t0}
}

func addVehicle(t *testing.T, db *store.DB, v vehicle.Vehicle) vehicle.Vehicle {
	t.Helper()
	if err := db.Vehicles().Insert(t.Context(), v); err != nil {
		t.Fatalf("insert vehicle %q: %v", v.Plate, err)
	}
	return v
}

func addSession(t *testing.T, db *store.DB, userID uuid.UUID) auth.Session {
	t.Helper()
	s := auth.Session{ID: domain.NewID(), UserID: userID, CreatedAt: t0}
	if err := db.Auth().CreateSession(t.Context(), s); err != nil {
		t.Fatalf("create session: %v", err)
	}
	return s
}

func addRefresh(t *testing.T, db *store.DB, sessionID uuid.UUID, hash string, expires time.Time) auth.RefreshToken {
	t.Helper()
	rt := auth.RefreshToken{ID: domain.NewID(), SessionID: sessionID, Hash: hash, CreatedAt: t0, ExpiresAt: expires}
	if err := db.Auth().InsertRefresh(t.Context(), rt); err != nil {
		t.Fatalf("insert refresh token: %v", err)
	}
	return rt
}

// ---------------------------------------------------------------- assertions

// checkUTC fails unless got is the instant want and carries the UTC location.
func checkUTC(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, got.Location())
	}
}

func checkUTCPtr(t *testing.T, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, got, want)
	default:
		checkUTC(t, what, *got, *want)
	}
}

// checkSame compares got and want field by field after checking and then
// blanking the time fields named, so pointers compare by value and a nil
// never equals a value. An empty slice equals a nil one: both mean none.
func checkSame[T any](t *testing.T, got, want T, times ...string) {
	t.Helper()
	g, w := reflect.ValueOf(&got).Elem(), reflect.ValueOf(&want).Elem()
	for i := range g.NumField() {
		for _, f := range []reflect.Value{g.Field(i), w.Field(i)} {
			if f.Kind() == reflect.Slice && f.Len() == 0 && f.CanSet() {
				f.Set(reflect.Zero(f.Type()))
			}
		}
	}
	for _, name := range times {
		gf, wf := g.FieldByName(name), w.FieldByName(name)
		switch v := gf.Interface().(type) {
		case time.Time:
			checkUTC(t, name, v, wf.Interface().(time.Time))
		case *time.Time:
			checkUTCPtr(t, name, v, wf.Interface().(*time.Time))
		default:
			t.Fatalf("field %s is %T, not a time", name, v)
		}
		gf.Set(reflect.Zero(gf.Type()))
		wf.Set(reflect.Zero(wf.Type()))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", show(got), show(want))
	}
}

// show dereferences pointer fields so failure messages show values.
func show(v any) string {
	rv := reflect.ValueOf(v)
	var b strings.Builder
	b.WriteString("{")
	for i := range rv.NumField() {
		if i > 0 {
			b.WriteString(" ")
		}
		f := rv.Field(i)
		b.WriteString(rv.Type().Field(i).Name + ":")
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				b.WriteString("nil")
			} else {
				fmt.Fprintf(&b, "&%v", f.Elem().Interface())
			}
			continue
		}
		fmt.Fprintf(&b, "%v", f.Interface())
	}
	b.WriteString("}")
	return b.String()
}

func checkNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

// count runs a COUNT query with ? placeholders on the pool under gorm.
func count(t *testing.T, db *store.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRowContext(t.Context(), rebind(db, query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// rebind turns ? placeholders into PostgreSQL's $n.
func rebind(db *store.DB, query string) string {
	if db.Dialect() != store.Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pages lists everything page by page and returns the ids of each page.
func pages[T any](t *testing.T, limit int, list func(p domain.PageRequest) (domain.Page[T], error), id func(T) uuid.UUID) [][]uuid.UUID {
	t.Helper()
	var out [][]uuid.UUID
	after := ""
	for range 100 {
		p, err := list(domain.PageRequest{Limit: limit, After: after})
		if err != nil {
			t.Fatalf("list page %d: %v", len(out)+1, err)
		}
		ids := make([]uuid.UUID, len(p.Items))
		for i, it := range p.Items {
			ids[i] = id(it)
		}
		out = append(out, ids)
		if p.Next == "" {
			return out
		}
		after = p.Next
	}
	t.Fatal("paging did not end after 100 pages")
	return nil
}

// checkPaging inserts n rows with add and checks that pages of limit hold
// them in id order, with the given sizes, no duplicates and no gaps.
func checkPaging[T any](t *testing.T, add func(i int) uuid.UUID, list func(p domain.PageRequest) (domain.Page[T], error), id func(T) uuid.UUID) {
	t.Helper()
	var want []uuid.UUID
	for i := range 7 {
		want = append(want, add(i))
	}
	// Ids are UUIDv7, so creation order is id order; sort anyway to state the contract.
	slices.SortFunc(want, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })

	for _, tc := range []struct {
		limit int
		sizes []int
	}{
		{limit: 3, sizes: []int{3, 3, 1}},
		{limit: 7, sizes: []int{7}},
		{limit: 1, sizes: []int{1, 1, 1, 1, 1, 1, 1}},
		{limit: 100, sizes: []int{7}},
	} {
		got := pages(t, tc.limit, list, id)
		var sizes []int
		var flat []uuid.UUID
		for _, p := range got {
			sizes = append(sizes, len(p))
			flat = append(flat, p...)
		}
		if !slices.Equal(sizes, tc.sizes) {
			t.Errorf("limit %d: page sizes = %v, want %v", tc.limit, sizes, tc.sizes)
		}
		if !slices.Equal(flat, want) {
			t.Errorf("limit %d: ids = %v, want %v (id order, no duplicates or gaps)", tc.limit, flat, want)
		}
	}
}

// malformedCursors are cursors a client may send that the store never made.
var malformedCursors = map[string]string{
	"NotBase64":       "!!not base64!!",
	"PaddedBase64":    base64.URLEncoding.EncodeToString([]byte(`["` + uuid.NewString() + `"]`)),
	"NotJSON":         base64.RawURLEncoding.EncodeToString([]byte("not json")),
	"JSONObject":      base64.RawURLEncoding.EncodeToString([]byte(`{"id":"x"}`)),
	"EmptyArray":      base64.RawURLEncoding.EncodeToString([]byte(`[]`)),
	"TwoKeys":         base64.RawURLEncoding.EncodeToString([]byte(`["` + uuid.NewString() + `","x"]`)),
	"NotAUUID":        base64.RawURLEncoding.EncodeToString([]byte(`["not-a-uuid"]`)),
	"NumberNotString": base64.RawURLEncoding.EncodeToString([]byte(`[42]`)),
}

func checkBadCursors[T any](t *testing.T, list func(p domain.PageRequest) (domain.Page[T], error)) {
	t.Helper()
	for name, c := range malformedCursors {
		if _, err := list(domain.PageRequest{Limit: 3, After: c}); !errors.Is(err, domain.ErrBadRequest) {
			t.Errorf("%s cursor %q: err = %v, want ErrBadRequest", name, c, err)
		}
	}
}

// ---------------------------------------------------------------- DB

func testDBPing(t *testing.T, db *store.DB) {
	if err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

var errBoom = errors.New("boom")

func testInTxCommits(t *testing.T, db *store.DB) {
	c := newCustomer("Committed")
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		return db.Customers().Insert(ctx, c)
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if _, err := db.Customers().ByID(t.Context(), c.ID); err != nil {
		t.Errorf("after commit, ByID: %v", err)
	}
}

func testInTxRollsBackOnError(t *testing.T, db *store.DB) {
	c := newCustomer("Rolled back")
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		if err := db.Customers().Insert(ctx, c); err != nil {
			return err
		}
		// Inside, the write is visible.
		if _, err := db.Customers().ByID(ctx, c.ID); err != nil {
			t.Errorf("inside the transaction, ByID: %v", err)
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx err = %v, want the callback's error", err)
	}
	_, err = db.Customers().ByID(t.Context(), c.ID)
	checkNotFound(t, "after rollback, ByID", err)
}

func testInTxNestedJoinsOuter(t *testing.T, db *store.DB) {
	outer, inner := newCustomer("Outer"), newCustomer("Inner")
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		outerTx, _ := store.SQLTx(ctx)
		if err := db.Customers().Insert(ctx, outer); err != nil {
			return err
		}
		err := db.InTx(ctx, func(ctx context.Context) error {
			innerTx, ok := store.SQLTx(ctx)
			if !ok || innerTx != outerTx {
				t.Errorf("inner SQLTx = %p, %v; want the outer transaction %p", innerTx, ok, outerTx)
			}
			// The inner call sees the outer's uncommitted row.
			if _, err := db.Customers().ByID(ctx, outer.ID); err != nil {
				t.Errorf("inner ByID(outer row): %v", err)
			}
			return db.Customers().Insert(ctx, inner)
		})
		if err != nil {
			return err
		}
		return errBoom // the outer fails after the inner succeeded
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx err = %v, want the outer callback's error", err)
	}
	for _, c := range []customer.Customer{outer, inner} {
		_, err := db.Customers().ByID(t.Context(), c.ID)
		checkNotFound(t, "after outer rollback, ByID("+c.Name+")", err)
	}

	// And when the outer succeeds, both rows commit together.
	outer, inner = newCustomer("Outer 2"), newCustomer("Inner 2")
	err = db.InTx(t.Context(), func(ctx context.Context) error {
		if err := db.Customers().Insert(ctx, outer); err != nil {
			return err
		}
		return db.InTx(ctx, func(ctx context.Context) error { return db.Customers().Insert(ctx, inner) })
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	for _, c := range []customer.Customer{outer, inner} {
		if _, err := db.Customers().ByID(t.Context(), c.ID); err != nil {
			t.Errorf("after commit, ByID(%s): %v", c.Name, err)
		}
	}
}

func testInTxNestedErrorRollsBackBoth(t *testing.T, db *store.DB) {
	outer, inner := newCustomer("Outer"), newCustomer("Inner")
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		if err := db.Customers().Insert(ctx, outer); err != nil {
			return err
		}
		return db.InTx(ctx, func(ctx context.Context) error {
			if err := db.Customers().Insert(ctx, inner); err != nil {
				return err
			}
			return fmt.Errorf("inner: %w", errBoom)
		})
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx err = %v, want the inner error", err)
	}
	for _, c := range []customer.Customer{outer, inner} {
		_, err := db.Customers().ByID(t.Context(), c.ID)
		checkNotFound(t, "after rollback, ByID("+c.Name+")", err)
	}
}

func testSQLTx(t *testing.T, db *store.DB) {
	if tx, ok := store.SQLTx(t.Context()); ok || tx != nil {
		t.Errorf("SQLTx outside InTx = %v, %v; want nil, false", tx, ok)
	}
	c := newCustomer("Seen only inside")
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		tx, ok := store.SQLTx(ctx)
		if !ok || tx == nil {
			t.Fatalf("SQLTx inside InTx = %v, %v; want the transaction", tx, ok)
		}
		if err := db.Customers().Insert(ctx, c); err != nil {
			return err
		}
		// The *sql.Tx is the very transaction gorm wrote in: it sees the
		// uncommitted row, which the pool does not.
		var inside int64
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM customers").Scan(&inside); err != nil {
			return err
		}
		if inside != 1 {
			t.Errorf("count through SQLTx = %d, want 1", inside)
		}
		if outside := count(t, db, "SELECT count(*) FROM customers"); outside != 0 {
			t.Errorf("count through the pool during the transaction = %d, want 0", outside)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if tx, ok := store.SQLTx(t.Context()); ok || tx != nil {
		t.Errorf("SQLTx after InTx = %v, %v; want nil, false", tx, ok)
	}
}

// ---------------------------------------------------------------- users

func testUsersRoundTrip(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	created := time.Date(2025, 1, 2, 11, 4, 5, 123456000, cst) // not UTC on the way in
	tests := []user.User{
		{ID: domain.NewID(), Username: "admin", DisplayName: "管理员", Role: domain.RoleAdmin,
			PasswordHash: "$argon2id$v=19$abc", CreatedAt: created, UpdatedAt: created.Add(time.Microsecond)},
		{ID: domain.NewID(), Username: "fleet.owner", DisplayName: "Fleet Owner", Role: domain.RoleCustomer,
			Phone: ptr("+8613800138000"), CustomerID: c.ID, Disabled: true,
			PasswordHash: "$argon2id$v=19$def", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)},
	}
	for _, want := range tests {
		addUser(t, db, want)
		got, err := db.Users().ByID(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("ByID(%s): %v", want.Username, err)
		}
		checkSame(t, got, want, "CreatedAt", "UpdatedAt")
	}
}

func testUsersUpdate(t *testing.T, db *store.DB) {
	u := newUser("tech", domain.RoleTechnician, uuid.Nil)
	u.Phone = ptr("13800138000")
	addUser(t, db, u)

	steps := []struct {
		name   string
		change func(u *user.User)
	}{
		{"ChangeNamePhoneRoleDisabled", func(u *user.User) {
			u.DisplayName = "技术员 王"
			u.Phone = ptr("+85212345678")
			u.Role = domain.RoleDispatcher
			u.Disabled = true
			u.UpdatedAt = t0.Add(90 * time.Minute).In(cst)
		}},
		{"ClearPhone", func(u *user.User) { u.Phone = nil; u.UpdatedAt = t0.Add(2 * time.Hour) }},
		{"Enable", func(u *user.User) { u.Disabled = false; u.UpdatedAt = t0.Add(3 * time.Hour) }},
	}
	for _, s := range steps {
		s.change(&u)
		if err := db.Users().Update(t.Context(), u); err != nil {
			t.Fatalf("%s: Update: %v", s.name, err)
		}
		got, err := db.Users().ByID(t.Context(), u.ID)
		if err != nil {
			t.Fatalf("%s: ByID: %v", s.name, err)
		}
		checkSame(t, got, u, "CreatedAt", "UpdatedAt")
	}
	if n, _ := db.Users().Count(t.Context()); n != 1 {
		t.Errorf("Count after updates = %d, want 1", n)
	}
}

func testUsersUpdateMissing(t *testing.T, db *store.DB) {
	u := newUser("ghost", domain.RoleAdmin, uuid.Nil)
	checkNotFound(t, "Update of a user never inserted", db.Users().Update(t.Context(), u))
	_, err := db.Users().ByID(t.Context(), u.ID)
	checkNotFound(t, "ByID after Update of a missing user", err)
}

func testUsersByIDMissing(t *testing.T, db *store.DB) {
	addUser(t, db, newUser("someone", domain.RoleAdmin, uuid.Nil))
	_, err := db.Users().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
	_, err = db.Users().ByID(t.Context(), uuid.Nil)
	checkNotFound(t, "ByID(nil uuid)", err)
}

func testUsersUsernameConflict(t *testing.T, db *store.DB) {
	addUser(t, db, newUser("alice", domain.RoleAdmin, uuid.Nil))
	err := db.Users().Insert(t.Context(), newUser("alice", domain.RoleTechnician, uuid.Nil))
	if !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Insert of a taken username: err = %v, want ErrConflict", err)
	}
	// Inside a transaction too, and the transaction can report it.
	err = db.InTx(t.Context(), func(ctx context.Context) error {
		return db.Users().Insert(ctx, newUser("alice", domain.RoleFinance, uuid.Nil))
	})
	if !errors.Is(err, domain.ErrConflict) {
		t.Errorf("InTx Insert of a taken username: err = %v, want ErrConflict", err)
	}
	if n, err := db.Users().Count(t.Context()); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1", n, err)
	}
}

func testUsersCustomerCheck(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	tests := []struct {
		name       string
		role       domain.Role
		customerID uuid.UUID
		ok         bool
	}{
		{"CustomerWithCustomerID", domain.RoleCustomer, c.ID, true},
		{"StaffWithoutCustomerID", domain.RoleTechnician, uuid.Nil, true},
		{"CustomerWithoutCustomerID", domain.RoleCustomer, uuid.Nil, false},
		{"StaffWithCustomerID", domain.RoleDispatcher, c.ID, false},
		{"CustomerWithUnknownCustomer", domain.RoleCustomer, domain.NewID(), false},
	}
	for i, tt := range tests {
		u := newUser("user"+strconv.Itoa(i), tt.role, tt.customerID)
		err := db.Users().Insert(t.Context(), u)
		if tt.ok {
			if err != nil {
				t.Errorf("%s: Insert: %v", tt.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Insert succeeded, want a constraint error", tt.name)
		} else if errors.Is(err, domain.ErrConflict) {
			t.Errorf("%s: Insert err = %v, reported as a username conflict", tt.name, err)
		}
		_, err = db.Users().ByID(t.Context(), u.ID)
		checkNotFound(t, tt.name+": ByID of the rejected user", err)
	}
}

func testUsersTakenAndCount(t *testing.T, db *store.DB) {
	if n, err := db.Users().Count(t.Context()); err != nil || n != 0 {
		t.Errorf("Count of no users = %d, %v; want 0", n, err)
	}
	if taken, err := db.Users().UsernameTaken(t.Context(), "bob"); err != nil || taken {
		t.Errorf("UsernameTaken(bob) with no users = %v, %v; want false", taken, err)
	}
	addUser(t, db, newUser("bob", domain.RoleFinance, uuid.Nil))
	addUser(t, db, newUser("carol", domain.RoleManager, uuid.Nil))
	for name, want := range map[string]bool{"bob": true, "carol": true, "bo": false, "bobby": false, "": false} {
		if taken, err := db.Users().UsernameTaken(t.Context(), name); err != nil || taken != want {
			t.Errorf("UsernameTaken(%q) = %v, %v; want %v", name, taken, err, want)
		}
	}
	if n, err := db.Users().Count(t.Context()); err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2", n, err)
	}
}

func testUsersPaging(t *testing.T, db *store.DB) {
	checkPaging(t,
		func(i int) uuid.UUID {
			return addUser(t, db, newUser("u"+strconv.Itoa(i), domain.RoleTechnician, uuid.Nil)).ID
		},
		func(p domain.PageRequest) (domain.Page[user.User], error) {
			return db.Users().List(t.Context(), user.Filter{}, p)
		},
		func(u user.User) uuid.UUID { return u.ID })
}

func testUsersFilterRole(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	byRole := map[domain.Role][]uuid.UUID{}
	for i, r := range []domain.Role{domain.RoleAdmin, domain.RoleTechnician, domain.RoleCustomer, domain.RoleTechnician, domain.RoleFinance, domain.RoleTechnician} {
		cid := uuid.Nil
		if r == domain.RoleCustomer {
			cid = c.ID
		}
		u := addUser(t, db, newUser("u"+strconv.Itoa(i), r, cid))
		byRole[r] = append(byRole[r], u.ID)
	}
	for _, r := range domain.Roles {
		got := pages(t, 2, func(p domain.PageRequest) (domain.Page[user.User], error) {
			return db.Users().List(t.Context(), user.Filter{Role: r}, p)
		}, func(u user.User) uuid.UUID { return u.ID })
		if flat := slices.Concat(got...); !slices.Equal(flat, byRole[r]) {
			t.Errorf("List(role %s) = %v, want %v", r, flat, byRole[r])
		}
	}
	all, err := db.Users().List(t.Context(), user.Filter{}, domain.PageRequest{Limit: 50})
	if err != nil || len(all.Items) != 6 || all.Next != "" {
		t.Errorf("List(no role) = %d items, next %q, %v; want 6 on one page", len(all.Items), all.Next, err)
	}
}

func testUsersBadCursor(t *testing.T, db *store.DB) {
	addUser(t, db, newUser("someone", domain.RoleAdmin, uuid.Nil))
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[user.User], error) {
		return db.Users().List(t.Context(), user.Filter{}, p)
	})
}

func testUsersRevokeSessions(t *testing.T, db *store.DB) {
	alice := addUser(t, db, newUser("alice", domain.RoleTechnician, uuid.Nil))
	bob := addUser(t, db, newUser("bob", domain.RoleTechnician, uuid.Nil))
	a1, a2, a3 := addSession(t, db, alice.ID), addSession(t, db, alice.ID), addSession(t, db, alice.ID)
	b1 := addSession(t, db, bob.ID)
	earlier := t0.Add(time.Minute)
	if err := db.Auth().RevokeSession(t.Context(), a3.ID, earlier, "logout"); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}

	at := t0.Add(time.Hour).In(cst)
	if err := db.Users().RevokeSessions(t.Context(), alice.ID, at, "user disabled"); err != nil {
		t.Fatalf("RevokeSessions: %v", err)
	}
	for _, tc := range []struct {
		name   string
		id     uuid.UUID
		want   *time.Time
		reason string
	}{
		{"AliceLive1", a1.ID, &at, "user disabled"},
		{"AliceLive2", a2.ID, &at, "user disabled"},
		{"AliceAlreadyRevokedKeepsFirstRevocation", a3.ID, &earlier, "logout"},
		{"BobUntouched", b1.ID, nil, ""},
	} {
		s, err := db.Auth().Session(t.Context(), tc.id)
		if err != nil {
			t.Fatalf("%s: Session: %v", tc.name, err)
		}
		checkUTCPtr(t, tc.name+" RevokedAt", s.RevokedAt, tc.want)
		if tc.reason != "" {
			if n := count(t, db, "SELECT count(*) FROM auth_sessions WHERE id = ? AND revoke_reason = ?", tc.id, tc.reason); n != 1 {
				t.Errorf("%s: revoke_reason is not %q", tc.name, tc.reason)
			}
		}
	}
}

// ---------------------------------------------------------------- customers

func testCustomersRoundTrip(t *testing.T, db *store.DB) {
	tests := []customer.Customer{
		{ID: domain.NewID(), Name: "深圳市顺丰物流有限公司", ContactName: "王小明", Phone: "+8675588888888",
			Address: "广东省深圳市福田区", Notes: ptr("夜间收货\n请先电话联系"),
			CreatedAt: time.Date(2024, 12, 31, 23, 59, 59, 999999000, cst), UpdatedAt: t0},
		{ID: domain.NewID(), Name: "Acme Logistics", ContactName: "Alice", Phone: "13800138000",
			Address: "1 Main St", Notes: nil, CreatedAt: t0, UpdatedAt: t0},
	}
	for _, want := range tests {
		addCustomer(t, db, want)
		got, err := db.Customers().ByID(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("ByID(%s): %v", want.Name, err)
		}
		checkSame(t, got, want, "CreatedAt", "UpdatedAt")
	}
}

func testCustomersUpdate(t *testing.T, db *store.DB) {
	c := newCustomer("Old Name")
	c.Notes = ptr("old notes")
	addCustomer(t, db, c)

	c.Name, c.ContactName, c.Phone, c.Address = "广州新名字", "李四", "02012345678", "广州市天河区"
	c.Notes = nil
	c.UpdatedAt = t0.Add(24 * time.Hour).In(cst)
	if err := db.Customers().Update(t.Context(), c); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err := db.Customers().ByID(t.Context(), c.ID)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	checkSame(t, got, c, "CreatedAt", "UpdatedAt")

	// The search text follows the update.
	for q, want := range map[string]int{"old name": 0, "广州新": 1, "李四": 1} {
		p, err := db.Customers().List(t.Context(), customer.Filter{Query: q}, domain.PageRequest{Limit: 10})
		if err != nil || len(p.Items) != want {
			t.Errorf("List(q %q) after update = %d items, %v; want %d", q, len(p.Items), err, want)
		}
	}
}

func testCustomersUpdateMissing(t *testing.T, db *store.DB) {
	c := newCustomer("Ghost")
	checkNotFound(t, "Update of a customer never inserted", db.Customers().Update(t.Context(), c))
	_, err := db.Customers().ByID(t.Context(), c.ID)
	checkNotFound(t, "ByID after Update of a missing customer", err)
}

func testCustomersByIDMissing(t *testing.T, db *store.DB) {
	addCustomer(t, db, newCustomer("Someone"))
	_, err := db.Customers().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
}

func testCustomersExists(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	for _, tc := range []struct {
		id   uuid.UUID
		want bool
	}{{c.ID, true}, {domain.NewID(), false}, {uuid.Nil, false}} {
		if got, err := db.Customers().CustomerExists(t.Context(), tc.id); err != nil || got != tc.want {
			t.Errorf("CustomerExists(%s) = %v, %v; want %v", tc.id, got, err, tc.want)
		}
	}
}

func testCustomersPaging(t *testing.T, db *store.DB) {
	checkPaging(t,
		func(i int) uuid.UUID { return addCustomer(t, db, newCustomer("Customer "+strconv.Itoa(i))).ID },
		func(p domain.PageRequest) (domain.Page[customer.Customer], error) {
			return db.Customers().List(t.Context(), customer.Filter{}, p)
		},
		func(c customer.Customer) uuid.UUID { return c.ID })
}

func testCustomersOnlyID(t *testing.T, db *store.DB) {
	addCustomer(t, db, newCustomer("A"))
	b := addCustomer(t, db, newCustomer("B"))
	addCustomer(t, db, newCustomer("C"))
	p, err := db.Customers().List(t.Context(), customer.Filter{OnlyID: b.ID}, domain.PageRequest{Limit: 10})
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != b.ID || p.Next != "" {
		t.Errorf("List(OnlyID B) = %+v, %v; want just B", p, err)
	}
	p, err = db.Customers().List(t.Context(), customer.Filter{OnlyID: b.ID, Query: "A"}, domain.PageRequest{Limit: 10})
	if err != nil || len(p.Items) != 0 {
		t.Errorf("List(OnlyID B, q A) = %+v, %v; want none", p, err)
	}
}

func testCustomersQuery(t *testing.T, db *store.DB) {
	mk := func(name, contact, phone string) uuid.UUID {
		c := newCustomer(name)
		c.ContactName, c.Phone = contact, phone
		return addCustomer(t, db, c).ID
	}
	var (
		shenzhen  = mk("深圳市顺丰物流", "王小明", "075588888888")
		acme      = mk("Acme Logistics", "Alice Smith", "+8613800138000")
		percent   = mk("100% Fleet", "Bob_Jones", "02011112222")
		thousand  = mk("1000 Fleet", "BobXJones", "02033334444")
		muller    = mk("Müller Transporte", "Jürgen", "+49301234567")
		backslash = mk(`C:\Fleet`, "Root", "02055556666")
		guangzhou = mk("广州运输", "李四", "02077778888")
	)
	tests := []struct {
		q    string
		want []uuid.UUID
	}{
		{"深圳", []uuid.UUID{shenzhen}},
		{"顺丰", []uuid.UUID{shenzhen}},
		{"王小明", []uuid.UUID{shenzhen}},
		{"acme", []uuid.UUID{acme}},
		{"ACME", []uuid.UUID{acme}},
		{"aCmE lOg", []uuid.UUID{acme}},
		{"alice", []uuid.UUID{acme}},
		{"SMITH", []uuid.UUID{acme}},
		{"0755", []uuid.UUID{shenzhen}},
		{"13800138000", []uuid.UUID{acme}},
		{"MÜLLER", []uuid.UUID{muller}},
		{"jürgen", []uuid.UUID{muller}},
		{"100%", []uuid.UUID{percent}},
		{"%", []uuid.UUID{percent}},
		{"0% f", []uuid.UUID{percent}},
		{"b_j", []uuid.UUID{percent}},
		{"_", []uuid.UUID{percent}},
		{`:\f`, []uuid.UUID{backslash}},
		{`\`, []uuid.UUID{backslash}},
		{"fleet", []uuid.UUID{percent, thousand, backslash}},
		{"广州", []uuid.UUID{guangzhou}},
		{"020", []uuid.UUID{percent, thousand, backslash, guangzhou}},
		{"北京", nil},
		{"%%", nil},
		{"__", nil},
		{"no such customer", nil},
	}
	for _, tt := range tests {
		got := pages(t, 2, func(p domain.PageRequest) (domain.Page[customer.Customer], error) {
			return db.Customers().List(t.Context(), customer.Filter{Query: tt.q}, p)
		}, func(c customer.Customer) uuid.UUID { return c.ID })
		if flat := slices.Concat(got...); !slices.Equal(flat, tt.want) {
			t.Errorf("List(q %q) = %v, want %v", tt.q, flat, tt.want)
		}
	}
}

func testCustomersBadCursor(t *testing.T, db *store.DB) {
	addCustomer(t, db, newCustomer("Someone"))
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[customer.Customer], error) {
		return db.Customers().List(t.Context(), customer.Filter{}, p)
	})
}

// ---------------------------------------------------------------- vehicles

func testVehiclesRoundTrip(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	tests := []vehicle.Vehicle{
		{ID: domain.NewID(), CustomerID: c.ID, Plate: "粤B12345", CreatedAt: t0.In(cst), UpdatedAt: t0},
		{ID: domain.NewID(), CustomerID: c.ID, Plate: "粤BD12345", VIN: ptr("LSVAU2A37N2183746"), Model: ptr("比亚迪 秦"),
			DriverName: ptr("张三"), DriverPhone: ptr("13900139000"), CreatedAt: t0, UpdatedAt: t0.Add(time.Microsecond)},
	}
	for _, want := range tests {
		addVehicle(t, db, want)
		got, err := db.Vehicles().ByID(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("ByID(%s): %v", want.Plate, err)
		}
		checkSame(t, got, want, "CreatedAt", "UpdatedAt")
	}
}

func testVehiclesUpdate(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	v := newVehicle(c.ID, "粤B12345")
	v.VIN, v.Model, v.DriverName, v.DriverPhone = ptr("LSVAU2A37N2183746"), ptr("Model"), ptr("张三"), ptr("13900139000")
	addVehicle(t, db, v)

	v.Plate = "粤B54321"
	v.VIN, v.Model, v.DriverName, v.DriverPhone = nil, ptr("新型号"), nil, nil
	v.UpdatedAt = t0.Add(time.Hour).In(cst)
	if err := db.Vehicles().Update(t.Context(), v); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err := db.Vehicles().ByID(t.Context(), v.ID)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	checkSame(t, got, v, "CreatedAt", "UpdatedAt")

	// The old plate is free again and search follows the new one.
	addVehicle(t, db, newVehicle(c.ID, "粤B12345"))
	p, err := db.Vehicles().List(t.Context(), vehicle.Filter{Query: "54321"}, domain.PageRequest{Limit: 10})
	if err != nil || len(p.Items) != 1 || p.Items[0].ID != v.ID {
		t.Errorf("List(q 54321) = %+v, %v; want the updated vehicle", p, err)
	}
}

func testVehiclesUpdateMissing(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	v := newVehicle(c.ID, "粤B12345")
	checkNotFound(t, "Update of a vehicle never inserted", db.Vehicles().Update(t.Context(), v))
	_, err := db.Vehicles().ByID(t.Context(), v.ID)
	checkNotFound(t, "ByID after Update of a missing vehicle", err)
}

func testVehiclesByIDMissing(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	addVehicle(t, db, newVehicle(c.ID, "粤B12345"))
	_, err := db.Vehicles().ByID(t.Context(), domain.NewID())
	checkNotFound(t, "ByID(missing)", err)
}

func testVehiclesPlateUnique(t *testing.T, db *store.DB) {
	a := addCustomer(t, db, newCustomer("A"))
	b := addCustomer(t, db, newCustomer("B"))
	first := addVehicle(t, db, newVehicle(a.ID, "粤B12345"))

	if err := db.Vehicles().Insert(t.Context(), newVehicle(a.ID, "粤B12345")); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Insert of the customer's plate again: err = %v, want ErrConflict", err)
	}
	// Another customer may have the same plate (a vehicle changes hands).
	other := addVehicle(t, db, newVehicle(b.ID, "粤B12345"))

	second := addVehicle(t, db, newVehicle(a.ID, "粤B99999"))
	second.Plate = "粤B12345"
	if err := db.Vehicles().Update(t.Context(), second); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Update to a plate the customer has: err = %v, want ErrConflict", err)
	}
	got, err := db.Vehicles().ByID(t.Context(), second.ID)
	if err != nil || got.Plate != "粤B99999" {
		t.Errorf("after the rejected update, plate = %q, %v; want 粤B99999", got.Plate, err)
	}
	// Saving a vehicle with its own plate is no conflict.
	first.Model = ptr("Model")
	if err := db.Vehicles().Update(t.Context(), first); err != nil {
		t.Errorf("Update keeping the plate: %v", err)
	}
	if _, err := db.Vehicles().ByID(t.Context(), other.ID); err != nil {
		t.Errorf("ByID(other customer's vehicle): %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM vehicles WHERE plate = ?", "粤B12345"); n != 2 {
		t.Errorf("vehicles with plate 粤B12345 = %d, want 2 (one per customer)", n)
	}
}

func testVehiclesUnknownCustomer(t *testing.T, db *store.DB) {
	v := newVehicle(domain.NewID(), "粤B12345")
	if err := db.Vehicles().Insert(t.Context(), v); err == nil {
		t.Error("Insert for an unknown customer succeeded, want a foreign-key error")
	}
}

func testVehiclesPaging(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	checkPaging(t,
		func(i int) uuid.UUID { return addVehicle(t, db, newVehicle(c.ID, "粤B1234"+strconv.Itoa(i))).ID },
		func(p domain.PageRequest) (domain.Page[vehicle.Vehicle], error) {
			return db.Vehicles().List(t.Context(), vehicle.Filter{}, p)
		},
		func(v vehicle.Vehicle) uuid.UUID { return v.ID })
}

func testVehiclesFilters(t *testing.T, db *store.DB) {
	a := addCustomer(t, db, newCustomer("A"))
	b := addCustomer(t, db, newCustomer("B"))
	mk := func(cid uuid.UUID, plate string, driver *string) uuid.UUID {
		v := newVehicle(cid, plate)
		v.DriverName = driver
		v.Model = ptr("Foton 欧曼")
		return addVehicle(t, db, v).ID
	}
	var (
		aShenzhen1 = mk(a.ID, "粤B12345", ptr("张三"))
		aGuangzhou = mk(a.ID, "粤A88888", nil)
		aShenzhen2 = mk(a.ID, "粤BD6789", ptr("Li Si"))
		bShenzhen  = mk(b.ID, "粤B12345", nil)
		bBeijing   = mk(b.ID, "京A00001", ptr("张伟"))
	)
	tests := []struct {
		name string
		f    vehicle.Filter
		want []uuid.UUID
	}{
		{"All", vehicle.Filter{}, []uuid.UUID{aShenzhen1, aGuangzhou, aShenzhen2, bShenzhen, bBeijing}},
		{"CustomerA", vehicle.Filter{CustomerID: a.ID}, []uuid.UUID{aShenzhen1, aGuangzhou, aShenzhen2}},
		{"CustomerB", vehicle.Filter{CustomerID: b.ID}, []uuid.UUID{bShenzhen, bBeijing}},
		{"UnknownCustomer", vehicle.Filter{CustomerID: domain.NewID()}, nil},
		{"PlatePrefix", vehicle.Filter{Query: "粤B"}, []uuid.UUID{aShenzhen1, aShenzhen2, bShenzhen}},
		{"PlatePrefixLowerCase", vehicle.Filter{Query: "粤b"}, []uuid.UUID{aShenzhen1, aShenzhen2, bShenzhen}},
		{"PlatePrefixForOneCustomer", vehicle.Filter{CustomerID: b.ID, Query: "粤B"}, []uuid.UUID{bShenzhen}},
		{"PlateDigits", vehicle.Filter{Query: "12345"}, []uuid.UUID{aShenzhen1, bShenzhen}},
		{"Province", vehicle.Filter{Query: "京"}, []uuid.UUID{bBeijing}},
		{"DriverName", vehicle.Filter{Query: "张"}, []uuid.UUID{aShenzhen1, bBeijing}},
		{"DriverNameCaseInsensitive", vehicle.Filter{Query: "li si"}, []uuid.UUID{aShenzhen2}},
		{"ModelIsNotSearched", vehicle.Filter{Query: "foton"}, nil},
		{"UnderscoreIsLiteral", vehicle.Filter{Query: "粤_"}, nil},
		{"PercentIsLiteral", vehicle.Filter{Query: "粤%5"}, nil},
	}
	for _, tt := range tests {
		got := pages(t, 2, func(p domain.PageRequest) (domain.Page[vehicle.Vehicle], error) {
			return db.Vehicles().List(t.Context(), tt.f, p)
		}, func(v vehicle.Vehicle) uuid.UUID { return v.ID })
		if flat := slices.Concat(got...); !slices.Equal(flat, tt.want) {
			t.Errorf("%s: List(%+v) = %v, want %v", tt.name, tt.f, flat, tt.want)
		}
	}
}

func testVehiclesBadCursor(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	addVehicle(t, db, newVehicle(c.ID, "粤B12345"))
	checkBadCursors(t, func(p domain.PageRequest) (domain.Page[vehicle.Vehicle], error) {
		return db.Vehicles().List(t.Context(), vehicle.Filter{}, p)
	})
}

// ---------------------------------------------------------------- auth

func testAuthCredentials(t *testing.T, db *store.DB) {
	live := addUser(t, db, newUser("alice", domain.RoleAdmin, uuid.Nil))
	off := newUser("bob", domain.RoleTechnician, uuid.Nil)
	off.Disabled = true
	addUser(t, db, off)

	for _, tc := range []struct {
		username string
		want     auth.Credentials
	}{
		{"alice", auth.Credentials{UserID: live.ID, PasswordHash: live.PasswordHash}},
		{"bob", auth.Credentials{UserID: off.ID, PasswordHash: off.PasswordHash, Disabled: true}},
	} {
		got, err := db.Auth().Credentials(t.Context(), tc.username)
		if err != nil || got != tc.want {
			t.Errorf("Credentials(%s) = %+v, %v; want %+v", tc.username, got, err, tc.want)
		}
	}
	for _, name := range []string{"carol", "", "alic"} {
		_, err := db.Auth().Credentials(t.Context(), name)
		checkNotFound(t, "Credentials("+name+")", err)
	}
}

func testAuthSessions(t *testing.T, db *store.DB) {
	u := addUser(t, db, newUser("alice", domain.RoleAdmin, uuid.Nil))
	want := auth.Session{ID: domain.NewID(), UserID: u.ID, CreatedAt: t0.In(cst)}
	if err := db.Auth().CreateSession(t.Context(), want); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := db.Auth().Session(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	checkSame(t, got, want, "CreatedAt", "RevokedAt")

	at := t0.Add(time.Minute).In(cst)
	if err := db.Auth().RevokeSession(t.Context(), want.ID, at, "logout"); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	// A second revocation keeps the first one's time and reason.
	if err := db.Auth().RevokeSession(t.Context(), want.ID, at.Add(time.Hour), "refresh token reuse"); err != nil {
		t.Fatalf("RevokeSession again: %v", err)
	}
	got, err = db.Auth().Session(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	checkUTCPtr(t, "RevokedAt", got.RevokedAt, &at)
	if n := count(t, db, "SELECT count(*) FROM auth_sessions WHERE id = ? AND revoke_reason = ?", want.ID, "logout"); n != 1 {
		t.Error("revoke_reason is not the first revocation's")
	}

	_, err = db.Auth().Session(t.Context(), domain.NewID())
	checkNotFound(t, "Session(missing)", err)
	if err := db.Auth().RevokeSession(t.Context(), domain.NewID(), at, "logout"); err != nil {
		t.Errorf("RevokeSession(missing) = %v, want nil (nothing to end)", err)
	}
	if err := db.Auth().CreateSession(t.Context(), auth.Session{ID: domain.NewID(), UserID: domain.NewID(), CreatedAt: t0}); err == nil {
		t.Error("CreateSession for an unknown user succeeded, want a foreign-key error")
	}
}

func testAuthPrincipal(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Fleet Co"))
	staff := addUser(t, db, newUser("dispatcher", domain.RoleDispatcher, uuid.Nil))
	owner := addUser(t, db, newUser("owner", domain.RoleCustomer, c.ID))
	s1, s2 := addSession(t, db, staff.ID), addSession(t, db, owner.ID)

	check := func(name string, sid uuid.UUID, want auth.Principal) {
		t.Helper()
		got, err := db.Auth().Principal(t.Context(), sid)
		if err != nil || got != want {
			t.Errorf("%s: Principal = %+v, %v; want %+v", name, got, err, want)
		}
	}
	check("Staff", s1.ID, auth.Principal{UserID: staff.ID, Role: domain.RoleDispatcher})
	check("Customer", s2.ID, auth.Principal{UserID: owner.ID, Role: domain.RoleCustomer, CustomerID: c.ID})

	if err := db.Auth().RevokeSession(t.Context(), s1.ID, t0, "logout"); err != nil {
		t.Fatal(err)
	}
	check("Revoked", s1.ID, auth.Principal{UserID: staff.ID, Role: domain.RoleDispatcher, Revoked: true})

	owner.Disabled = true
	if err := db.Users().Update(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	check("Disabled", s2.ID, auth.Principal{UserID: owner.ID, Role: domain.RoleCustomer, CustomerID: c.ID, Disabled: true})

	_, err := db.Auth().Principal(t.Context(), domain.NewID())
	checkNotFound(t, "Principal(missing session)", err)
}

func testAuthRefresh(t *testing.T, db *store.DB) {
	u := addUser(t, db, newUser("alice", domain.RoleAdmin, uuid.Nil))
	s := addSession(t, db, u.ID)
	want := auth.RefreshToken{ID: domain.NewID(), SessionID: s.ID, Hash: "sha256:aaaa",
		CreatedAt: t0.In(cst), ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	if err := db.Auth().InsertRefresh(t.Context(), want); err != nil {
		t.Fatalf("InsertRefresh: %v", err)
	}
	other := addRefresh(t, db, s.ID, "sha256:bbbb", t0.Add(time.Hour))

	byHash, err := db.Auth().RefreshByHash(t.Context(), "sha256:aaaa")
	if err != nil {
		t.Fatalf("RefreshByHash: %v", err)
	}
	checkSame(t, byHash, want, "CreatedAt", "ExpiresAt", "UsedAt")
	byID, err := db.Auth().RefreshByID(t.Context(), want.ID)
	if err != nil {
		t.Fatalf("RefreshByID: %v", err)
	}
	checkSame(t, byID, want, "CreatedAt", "ExpiresAt", "UsedAt")
	if got, err := db.Auth().RefreshByHash(t.Context(), "sha256:bbbb"); err != nil || got.ID != other.ID {
		t.Errorf("RefreshByHash(bbbb) = %v, %v; want token %s", got.ID, err, other.ID)
	}

	_, err = db.Auth().RefreshByHash(t.Context(), "sha256:cccc")
	checkNotFound(t, "RefreshByHash(missing)", err)
	_, err = db.Auth().RefreshByID(t.Context(), domain.NewID())
	checkNotFound(t, "RefreshByID(missing)", err)

	dup := auth.RefreshToken{ID: domain.NewID(), SessionID: s.ID, Hash: "sha256:aaaa", CreatedAt: t0, ExpiresAt: t0}
	if err := db.Auth().InsertRefresh(t.Context(), dup); err == nil {
		t.Error("InsertRefresh of a hash already stored succeeded, want an error")
	}
}

func testAuthMarkUsedOnce(t *testing.T, db *store.DB) {
	u := addUser(t, db, newUser("alice", domain.RoleAdmin, uuid.Nil))
	rt := addRefresh(t, db, addSession(t, db, u.ID).ID, "h", t0.Add(time.Hour))
	at, next := t0.Add(time.Minute).In(cst), domain.NewID()

	won, err := db.Auth().MarkRefreshUsed(t.Context(), rt.ID, at, next)
	if err != nil || !won {
		t.Fatalf("first MarkRefreshUsed = %v, %v; want true", won, err)
	}
	won, err = db.Auth().MarkRefreshUsed(t.Context(), rt.ID, at.Add(time.Second), domain.NewID())
	if err != nil || won {
		t.Errorf("second MarkRefreshUsed = %v, %v; want false", won, err)
	}
	got, err := db.Auth().RefreshByID(t.Context(), rt.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkUTCPtr(t, "UsedAt", got.UsedAt, &at)
	if got.ReplacedBy != next {
		t.Errorf("ReplacedBy = %s, want the first call's %s", got.ReplacedBy, next)
	}
	if won, err := db.Auth().MarkRefreshUsed(t.Context(), domain.NewID(), at, next); err != nil || won {
		t.Errorf("MarkRefreshUsed(missing) = %v, %v; want false", won, err)
	}
}

// testAuthMarkUsedRace has two rotations of one token race the way the auth
// service runs them: each reads the token in its transaction, sees it unused,
// and claims it. Exactly one may win.
func testAuthMarkUsedRace(t *testing.T, db *store.DB) {
	u := addUser(t, db, newUser("alice", domain.RoleAdmin, uuid.Nil))
	rt := addRefresh(t, db, addSession(t, db, u.ID).ID, "h", t0.Add(time.Hour))

	// On PostgreSQL both transactions read before either claims, so the loser
	// blocks on the row lock. SQLite serializes writers at BEGIN (immediate),
	// so there the two start together and take turns.
	readBoth := db.Dialect() == store.Postgres
	var started, read sync.WaitGroup
	started.Add(2)
	read.Add(2)
	type result struct {
		won  bool
		next uuid.UUID
		err  error
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			next := domain.NewID()
			var won bool
			started.Done()
			started.Wait()
			err := db.InTx(t.Context(), func(ctx context.Context) error {
				got, err := db.Auth().RefreshByID(ctx, rt.ID)
				if readBoth {
					read.Done()
					read.Wait()
				}
				if err != nil {
					return err
				}
				if got.UsedAt != nil {
					return nil // lost before claiming: only possible on SQLite
				}
				won, err = db.Auth().MarkRefreshUsed(ctx, rt.ID, t0.Add(time.Minute), next)
				return err
			})
			results <- result{won, next, err}
		}()
	}
	var winners []uuid.UUID
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Errorf("racing rotation: %v", r.err)
		}
		if r.won {
			winners = append(winners, r.next)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("%d rotations won, want exactly 1", len(winners))
	}
	got, err := db.Auth().RefreshByID(t.Context(), rt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UsedAt == nil || got.ReplacedBy != winners[0] {
		t.Errorf("token after the race: used %v, replaced by %s; want used, replaced by the winner's %s", got.UsedAt, got.ReplacedBy, winners[0])
	}
}

// recordFailure stores a settled failed login.
func recordFailure(t *testing.T, db *store.DB, username, address string, at time.Time) uuid.UUID {
	t.Helper()
	id := domain.NewID()
	if err := db.Auth().InsertAttempt(t.Context(), auth.Attempt{ID: id, Username: username, Address: address, At: at}); err != nil {
		t.Fatalf("InsertAttempt: %v", err)
	}
	return id
}

// recent reads the attempts on a username and from an address since a time.
func recent(t *testing.T, db *store.DB, username, address string, since time.Time) auth.Recent {
	t.Helper()
	r, err := db.Auth().RecentAttempts(t.Context(), username, address, since, since)
	if err != nil {
		t.Fatalf("RecentAttempts: %v", err)
	}
	return r
}

func testAuthFailuresWindow(t *testing.T, db *store.DB) {
	now := t0
	record := func(username, address string, ago time.Duration) {
		t.Helper()
		recordFailure(t, db, username, address, now.Add(-ago).In(cst))
	}
	record("alice", "10.0.0.1", 20*time.Minute) // outside the window
	record("alice", "10.0.0.1", 10*time.Minute)
	record("alice", "10.0.0.1", 5*time.Minute)
	record("alice", "10.0.0.2", 3*time.Minute)
	record("bob", "10.0.0.1", 12*time.Minute)
	record("bob", "10.0.0.3", time.Minute)

	since := now.Add(-15 * time.Minute).In(cst)
	tests := []struct {
		username, address string
		byUser, byAddress []time.Duration // ago, oldest first
	}{
		{"alice", "10.0.0.1", []time.Duration{10 * time.Minute, 5 * time.Minute, 3 * time.Minute}, []time.Duration{12 * time.Minute, 10 * time.Minute, 5 * time.Minute}},
		{"alice", "10.0.0.2", []time.Duration{10 * time.Minute, 5 * time.Minute, 3 * time.Minute}, []time.Duration{3 * time.Minute}},
		{"bob", "10.0.0.3", []time.Duration{12 * time.Minute, time.Minute}, []time.Duration{time.Minute}},
		{"carol", "10.0.0.9", nil, nil},
	}
	for _, tt := range tests {
		got := recent(t, db, tt.username, tt.address, since)
		name := tt.username + "@" + tt.address
		check := func(what string, got []auth.Attempt, want []time.Duration) {
			t.Helper()
			if len(got) != len(want) {
				t.Errorf("%s %s: %d attempts, want %d", name, what, len(got), len(want))
				return
			}
			for i := range got {
				checkUTC(t, name+" "+what, got[i].At, now.Add(-want[i]))
				if got[i].Pending {
					t.Errorf("%s %s: a recorded failure reads as pending", name, what)
				}
			}
		}
		check("by user", got.ByUser, tt.byUser)
		check("by address", got.ByAddress, tt.byAddress)
		if got.Known {
			t.Errorf("%s: known without a login", name)
		}
	}
}

// testAuthFailuresBoundary checks the window to the microsecond, including
// across whole seconds, where text timestamps are easy to compare wrongly.
func testAuthFailuresBoundary(t *testing.T, db *store.DB) {
	for i, since := range []time.Time{t0, time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)} {
		name := "user" + strconv.Itoa(i)
		for _, at := range []time.Time{since.Add(-time.Microsecond), since.Add(-time.Second), since.Add(time.Microsecond), since.Add(time.Second)} {
			recordFailure(t, db, name, "addr"+strconv.Itoa(i), at)
		}
		got := recent(t, db, name, "addr"+strconv.Itoa(i), since)
		if len(got.ByUser) != 2 || len(got.ByAddress) != 2 {
			t.Errorf("since %v: read %d by user, %d by address; want 2 and 2 (the two after it)", since, len(got.ByUser), len(got.ByAddress))
			continue
		}
		checkUTC(t, "oldest by user", got.ByUser[0].At, since.Add(time.Microsecond))
	}
}

// A pending attempt reads as pending until it is settled into a failure.
func testAuthAttemptSettles(t *testing.T, db *store.DB) {
	a := auth.Attempt{ID: domain.NewID(), Username: "alice", Address: "a1", At: t0, Pending: true}
	if err := db.Auth().InsertAttempt(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	since := t0.Add(-time.Hour)
	if got := recent(t, db, "alice", "a1", since); len(got.ByUser) != 1 || !got.ByUser[0].Pending || got.ByUser[0].ID != a.ID || got.ByUser[0].Address != "a1" {
		t.Fatalf("after reserving: %+v; want one pending attempt from a1", got.ByUser)
	}
	if err := db.Auth().SettleFailure(t.Context(), a.ID); err != nil {
		t.Fatalf("SettleFailure: %v", err)
	}
	if got := recent(t, db, "alice", "a1", since); len(got.ByAddress) != 1 || got.ByAddress[0].Pending {
		t.Fatalf("after settling: %+v; want one failure", got.ByAddress)
	}
}

// A login clears the username's failures from its address and its own
// attempt; failures elsewhere, and attempts still pending, stay.
func testAuthClearFailures(t *testing.T, db *store.DB) {
	recordFailure(t, db, "alice", "a1", t0)
	recordFailure(t, db, "alice", "a2", t0)
	recordFailure(t, db, "bob", "a1", t0)
	mine := auth.Attempt{ID: domain.NewID(), Username: "alice", Address: "a1", At: t0, Pending: true}
	other := auth.Attempt{ID: domain.NewID(), Username: "alice", Address: "a1", At: t0, Pending: true}
	for _, a := range []auth.Attempt{mine, other} {
		if err := db.Auth().InsertAttempt(t.Context(), a); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Auth().ClearFailures(t.Context(), "alice", "a1", mine.ID); err != nil {
		t.Fatalf("ClearFailures: %v", err)
	}
	since := t0.Add(-time.Hour)
	got := recent(t, db, "alice", "a1", since)
	kept := map[string]bool{}
	for _, a := range got.ByUser {
		switch {
		case a.ID == other.ID:
			kept["other pending"] = true
		case a.Address == "a2":
			kept["a2"] = true
		default:
			t.Errorf("alice after clearing: kept %+v", a)
		}
	}
	if len(kept) != 2 {
		t.Errorf("alice after clearing: %+v; want the failure from a2 and the other pending attempt", got.ByUser)
	}
	if len(got.ByAddress) != 2 {
		t.Errorf("a1 after clearing: %+v; want bob's failure and alice's pending attempt", got.ByAddress)
	}
	if err := db.Auth().ClearFailures(t.Context(), "nobody", "a9", domain.NewID()); err != nil {
		t.Errorf("ClearFailures(nobody) = %v, want nil", err)
	}
}

// An address is known for a username after a login from it, until it ages out.
func testAuthKnownAddresses(t *testing.T, db *store.DB) {
	rec := func(at time.Time) {
		t.Helper()
		if err := db.Auth().RememberAddress(t.Context(), "alice", "a1", at.In(cst)); err != nil {
			t.Fatalf("RememberAddress: %v", err)
		}
	}
	rec(t0.Add(-40 * 24 * time.Hour))
	known := func(username, address string, since time.Time) bool {
		t.Helper()
		r, err := db.Auth().RecentAttempts(t.Context(), username, address, t0, since)
		if err != nil {
			t.Fatal(err)
		}
		return r.Known
	}
	month := t0.Add(-30 * 24 * time.Hour)
	if known("alice", "a1", month) {
		t.Error("an address last used 40 days ago is known")
	}
	rec(t0) // a second login from it moves the time on
	if !known("alice", "a1", month) {
		t.Error("an address just logged in from is not known")
	}
	if known("alice", "a2", month) || known("bob", "a1", month) {
		t.Error("known for another address or username")
	}
	n, err := db.Auth().ForgetAddresses(t.Context(), t0.Add(time.Microsecond))
	if err != nil || n != 1 {
		t.Errorf("ForgetAddresses = %d, %v; want 1", n, err)
	}
	if known("alice", "a1", time.Time{}) {
		t.Error("a forgotten address is known")
	}
}

// Of attempts that lock, count and reserve at once, exactly the limit get
// through: the lock holds across connections on PostgreSQL, and SQLite's
// immediate transactions serialize them.
func testAuthReserveRace(t *testing.T, db *store.DB) {
	const n, limit = 16, 5
	start := make(chan struct{})
	results := make(chan error, n)
	reserved := make(chan bool, n)
	for i := range n {
		go func() {
			<-start
			ok := false
			err := db.InTx(t.Context(), func(ctx context.Context) error {
				if err := db.Auth().LockAttempts(ctx, "alice", "a"+strconv.Itoa(i)); err != nil {
					return err
				}
				r, err := db.Auth().RecentAttempts(ctx, "alice", "a"+strconv.Itoa(i), t0.Add(-time.Hour), t0)
				if err != nil || len(r.ByUser) >= limit {
					return err
				}
				ok = true
				return db.Auth().InsertAttempt(ctx, auth.Attempt{ID: domain.NewID(), Username: "alice", Address: "a" + strconv.Itoa(i), At: t0, Pending: true})
			})
			reserved <- ok && err == nil
			results <- err
		}()
	}
	close(start)
	got := 0
	for range n {
		if err := <-results; err != nil {
			t.Errorf("reserve: %v", err)
		}
		if <-reserved {
			got++
		}
	}
	if got != limit {
		t.Errorf("%d attempts reserved, want %d", got, limit)
	}
	if err := db.Auth().LockAttempts(t.Context(), "alice", "a"); err == nil {
		t.Error("LockAttempts outside a transaction succeeded")
	}
}

func testAuthPrune(t *testing.T, db *store.DB) {
	now := t0
	u := addUser(t, db, newUser("alice", domain.RoleAdmin, uuid.Nil))
	s := addSession(t, db, u.ID)
	expired := addRefresh(t, db, s.ID, "expired", now.Add(-time.Second))
	justExpired := addRefresh(t, db, s.ID, "just-expired", now.Add(-time.Microsecond))
	live := addRefresh(t, db, s.ID, "live", now.Add(time.Hour))
	usedLive := addRefresh(t, db, s.ID, "used-live", now.Add(time.Minute))
	if _, err := db.Auth().MarkRefreshUsed(t.Context(), usedLive.ID, now, live.ID); err != nil {
		t.Fatal(err)
	}
	before := now.Add(-15 * time.Minute)
	for _, at := range []time.Time{before.Add(-time.Hour), before.Add(-time.Microsecond), before.Add(time.Microsecond), now} {
		recordFailure(t, db, "alice", "a", at)
	}

	n, err := db.Auth().Prune(t.Context(), now.In(cst), before.In(cst))
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if n != 4 {
		t.Errorf("Prune removed %d rows, want 4 (2 expired tokens, 2 old failures)", n)
	}
	for _, rt := range []auth.RefreshToken{expired, justExpired} {
		_, err := db.Auth().RefreshByID(t.Context(), rt.ID)
		checkNotFound(t, "RefreshByID("+rt.Hash+") after Prune", err)
	}
	for _, rt := range []auth.RefreshToken{live, usedLive} {
		if _, err := db.Auth().RefreshByID(t.Context(), rt.ID); err != nil {
			t.Errorf("RefreshByID(%s) after Prune: %v, want kept", rt.Hash, err)
		}
	}
	if f := recent(t, db, "alice", "a", time.Time{}); len(f.ByUser) != 2 {
		t.Errorf("failures left = %d; want 2 (the ones inside the window)", len(f.ByUser))
	}
	if _, err := db.Auth().Session(t.Context(), s.ID); err != nil {
		t.Errorf("Session after Prune: %v, want kept", err)
	}
	if _, err := db.Users().ByID(t.Context(), u.ID); err != nil {
		t.Errorf("user after Prune: %v, want kept", err)
	}
	if n, err := db.Auth().Prune(t.Context(), now, before); err != nil || n != 0 {
		t.Errorf("second Prune = %d, %v; want 0", n, err)
	}
}

// ---------------------------------------------------------------- events

func testEventsRoundTrip(t *testing.T, db *store.DB) {
	agg, other, actor := domain.NewID(), domain.NewID(), domain.NewID()
	want := []domain.Event{
		domain.NewEvent("vehicle", agg, "vehicle.created", actor, t0.In(cst), map[string]any{
			"plate": "粤B12345", "customer_id": agg.String(), "count": float64(3), "ratio": 0.25, "ok": true,
			"nothing": nil, "nested": map[string]any{"list": []any{"a", float64(1), false}},
		}),
		domain.NewEvent("vehicle", agg, "vehicle.updated", uuid.Nil, t0.Add(time.Microsecond), map[string]any{"model": nil}),
		domain.NewEvent("vehicle", agg, "vehicle.noted", actor, t0.Add(time.Hour), nil),
	}
	if err := db.Events().Append(t.Context(), domain.NewEvent("customer", other, "customer.created", actor, t0, nil)); err != nil {
		t.Fatal(err)
	}
	for _, e := range want {
		if err := db.Events().Append(t.Context(), e); err != nil {
			t.Fatalf("Append(%s): %v", e.Type, err)
		}
	}
	got, err := db.Events().For(t.Context(), agg)
	if err != nil {
		t.Fatalf("For: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("For returned %d events, want %d", len(got), len(want))
	}
	for i := range want {
		w := want[i]
		if w.Data == nil {
			w.Data = map[string]any{} // nil data is stored as {}
		}
		checkSame(t, got[i], w, "At")
	}

	if got, err := db.Events().For(t.Context(), domain.NewID()); err != nil || len(got) != 0 {
		t.Errorf("For(unknown aggregate) = %v, %v; want none", got, err)
	}
}

func testEventsRollback(t *testing.T, db *store.DB) {
	agg := domain.NewID()
	err := db.InTx(t.Context(), func(ctx context.Context) error {
		if err := db.Events().Append(ctx, domain.NewEvent("customer", agg, "customer.created", uuid.Nil, t0, nil)); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx err = %v, want the callback's", err)
	}
	if got, err := db.Events().For(t.Context(), agg); err != nil || len(got) != 0 {
		t.Errorf("events after rollback = %v, %v; want none", got, err)
	}
}

// ---------------------------------------------------------------- open

func TestOpen_RejectsNonPostgresURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"mysql://localhost/db", "sqlite:///tmp/x.db", "file:x.db"} {
		if db, err := store.Open(t.Context(), u, t.TempDir()); err == nil {
			_ = db.Close()
			t.Errorf("Open(%q) succeeded, want an error", u)
		}
	}
}

func TestIsPostgres(t *testing.T) {
	t.Parallel()
	for u, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://u@h/db": true,
		"": false, "mysql://h/db": false, "file:x.db": false,
	} {
		if got := store.IsPostgres(u); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", u, got, want)
		}
	}
}

// ---------------------------------------------------------------- migrations

// TestMigrations_SameSchema holds the two migration folders to their promise:
// the same tables with the same columns, and migrating again changes nothing.
func TestMigrations_SameSchema(t *testing.T) {
	footings := storetest.Footings(t)
	if len(footings) < 2 {
		t.Skip("needs PostgreSQL too: run with `make test`")
	}
	schemas := map[string]map[string][]string{}
	for _, f := range footings {
		db := storetest.Open(t, f) // migrated once
		first := schemaOf(t, db)
		if len(first["users"]) == 0 {
			t.Fatalf("%s: no users table after migrating: %v", f.Name, first)
		}
		versions := count(t, db, "SELECT count(*) FROM goose_db_version")
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("%s: second Migrate: %v", f.Name, err)
		}
		if again := count(t, db, "SELECT count(*) FROM goose_db_version"); again != versions {
			t.Errorf("%s: second Migrate recorded %d versions, had %d", f.Name, again, versions)
		}
		if second := schemaOf(t, db); !reflect.DeepEqual(first, second) {
			t.Errorf("%s: second Migrate changed the schema:\n%v\n%v", f.Name, first, second)
		}
		schemas[f.Name] = first
	}

	sqlite, pg := schemas["sqlite"], schemas["postgres"]
	for table, cols := range sqlite {
		pgCols, ok := pg[table]
		if !ok {
			t.Errorf("table %s is in SQLite but not in PostgreSQL", table)
			continue
		}
		if !slices.Equal(cols, pgCols) {
			t.Errorf("table %s columns differ:\n  sqlite   %v\n  postgres %v", table, cols, pgCols)
		}
	}
	for table := range pg {
		if _, ok := sqlite[table]; !ok {
			t.Errorf("table %s is in PostgreSQL but not in SQLite", table)
		}
	}
}

// schemaOf maps each application table to its sorted column names, leaving
// out goose's version table and River's tables.
func schemaOf(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	q := `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	if db.Dialect() == store.SQLite {
		q = `SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table'`
	}
	rows, err := db.SQL().QueryContext(t.Context(), q)
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatalf("read schema: %v", err)
		}
		if table == "goose_db_version" || strings.HasPrefix(table, "river_") || strings.HasPrefix(table, "sqlite_") {
			continue
		}
		out[table] = append(out[table], col)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema: %v", err)
	}
	for _, cols := range out {
		slices.Sort(cols)
	}
	return out
}

// Transactions that read and then write the same row, many at once, all
// succeed: on SQLite writers take the lock at BEGIN (immediate) and queue
// on busy_timeout instead of failing with SQLITE_BUSY_SNAPSHOT on upgrade.
func testConcurrentWriters(t *testing.T, db *store.DB) {
	c := addCustomer(t, db, newCustomer("Contended Fleet"))
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.InTx(context.Background(), func(ctx context.Context) error {
				got, err := db.Customers().ByID(ctx, c.ID)
				if err != nil {
					return err
				}
				got.Name = fmt.Sprintf("Contended Fleet %d", i)
				return db.Customers().Update(ctx, got)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a concurrent writer failed: %v", err)
		}
	}
}
