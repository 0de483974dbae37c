package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/workorder"
	"github.com/fieldwork/fieldwork/infra/store"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

// Helpers shared by the per-repository contract suites (one Test<Repository>
// per file), each run on every footing with a fresh database per case.

type contractCase struct {
	name string
	run  func(t *testing.T, db *store.DB)
}

// runContract runs each case on each footing, in parallel, each on a fresh
// migrated database.
func runContract(t *testing.T, cases []contractCase) {
	t.Helper()
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, fresh(t, f))
				})
			}
		})
	}
}

var timeType = reflect.TypeFor[time.Time]()

// checkDeep compares got with want recursively. Times compare as instants
// and must come back in UTC; pointers compare by what they point at; an
// empty slice or map equals a nil one.
func checkDeep(t *testing.T, what string, got, want any) {
	t.Helper()
	for _, d := range diffDeep(what, reflect.ValueOf(got), reflect.ValueOf(want), true) {
		t.Error(d)
	}
}

// diffDeep lists the differences; with utc, a time that is not in UTC is one.
func diffDeep(path string, g, w reflect.Value, utc bool) []string {
	if !g.IsValid() || !w.IsValid() {
		if g.IsValid() != w.IsValid() {
			return []string{fmt.Sprintf("%s = %v, want %v", path, g, w)}
		}
		return nil
	}
	if g.Type() != w.Type() {
		return []string{fmt.Sprintf("%s: type %s, want %s", path, g.Type(), w.Type())}
	}
	if g.Type() == timeType {
		gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
		var out []string
		if !gt.Equal(wt) {
			out = append(out, fmt.Sprintf("%s = %s, want %s", path, gt.Format(time.RFC3339Nano), wt.Format(time.RFC3339Nano)))
		}
		if utc && !gt.IsZero() && gt.Location() != time.UTC {
			out = append(out, fmt.Sprintf("%s location = %v, want UTC", path, gt.Location()))
		}
		return out
	}
	switch g.Kind() {
	case reflect.Array: // uuid.UUID: whole, and printed as one
		if !reflect.DeepEqual(g.Interface(), w.Interface()) {
			return []string{fmt.Sprintf("%s = %v, want %v", path, g, w)}
		}
		return nil
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				return []string{fmt.Sprintf("%s = %s, want %s", path, showValue(g), showValue(w))}
			}
			return nil
		}
		return diffDeep(path, g.Elem(), w.Elem(), utc)
	case reflect.Struct:
		var out []string
		for i := range g.NumField() {
			out = append(out, diffDeep(path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i), utc)...)
		}
		return out
	case reflect.Slice:
		if g.Len() != w.Len() {
			return []string{fmt.Sprintf("%s has %d items, want %d: %v, want %v", path, g.Len(), w.Len(), g, w)}
		}
		if g.Type().Elem().Kind() == reflect.Uint8 {
			if string(g.Bytes()) != string(w.Bytes()) {
				return []string{fmt.Sprintf("%s = %q, want %q", path, g.Bytes(), w.Bytes())}
			}
			return nil
		}
		var out []string
		for i := range g.Len() {
			out = append(out, diffDeep(fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i), utc)...)
		}
		return out
	case reflect.Map:
		if g.Len() != w.Len() {
			return []string{fmt.Sprintf("%s = %v, want %v", path, g, w)}
		}
		var out []string
		for _, k := range w.MapKeys() {
			out = append(out, diffDeep(fmt.Sprintf("%s[%v]", path, k), g.MapIndex(k), w.MapIndex(k), utc)...)
		}
		return out
	default:
		if !reflect.DeepEqual(g.Interface(), w.Interface()) {
			return []string{fmt.Sprintf("%s = %v, want %v", path, g, w)}
		}
		return nil
	}
}

func showValue(v reflect.Value) string {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && !v.IsNil() {
		return fmt.Sprintf("&%v", v.Elem())
	}
	return fmt.Sprintf("%v", v)
}

// checkKind fails unless err is a domain error of the kind.
func checkKind(t *testing.T, what string, err error, kind domain.Kind) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != kind {
		t.Errorf("%s: err = %v, want a domain error of kind %v", what, err, kind)
	}
}

// newOrder is a requested repair order with the fewest fields set.
func newOrder(customerID, createdBy uuid.UUID, number string) workorder.Order {
	return workorder.Order{ID: domain.NewID(), Number: number, Type: workorder.Repair, Status: workorder.Requested,
		Version: 1, CustomerID: customerID, VehicleIDs: []uuid.UUID{}, Site: workorder.Site{Address: "Futian"}, Description: "no GPS fix",
		Priority: workorder.Normal, RequiredSkills: []string{}, CreatedBy: createdBy, CreatedAt: t0, UpdatedAt: t0, ChangeSeq: 1,
		Times: workorder.Times{RespondBy: t0.Add(4 * time.Hour), ResolveBy: t0.Add(24 * time.Hour)}}
}

func addOrder(t *testing.T, db *store.DB, o workorder.Order) workorder.Order {
	t.Helper()
	if err := db.WorkOrders().Insert(t.Context(), o); err != nil {
		t.Fatalf("insert work order %s: %v", o.Number, err)
	}
	return o
}
