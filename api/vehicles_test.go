package api_test

import (
	"reflect"
	"testing"

	"github.com/google/uuid"
)

func TestCreateVehicle_201_UnicodePlate(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		r := e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{
			"customer_id": c, "plate": "粤B12345", "vin": "lsvaa4182e2123456", "model": "东风天龙 KL",
			"driver_name": "李师傅", "driver_phone": "139-0000-1111",
		}}).expect(t, 201)
		var v vehicleOut
		r.decode(t, &v)
		if got, want := r.Header.Get("Location"), "/v1/vehicles/"+v.ID.String(); got != want {
			t.Fatalf("Location %q, want %q", got, want)
		}
		if v.ID == uuid.Nil || v.CustomerID != c || v.Plate != "粤B12345" || v.VIN == nil || *v.VIN != "LSVAA4182E2123456" ||
			v.Model == nil || *v.Model != "东风天龙 KL" || v.DriverName == nil || *v.DriverName != "李师傅" ||
			v.DriverPhone == nil || *v.DriverPhone != "13900001111" {
			t.Fatalf("created %+v", v)
		}
		if got := e.getVehicle(t, v.ID); !reflect.DeepEqual(got, v) {
			t.Fatalf("read back %+v, want %+v", got, v)
		}
		// Only the plate is required; the rest is null.
		var bare vehicleOut
		e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": c, "plate": "京A·0000 1"}}).
			expect(t, 201).decode(t, &bare)
		if bare.Plate != "京A00001" || bare.VIN != nil || bare.Model != nil || bare.DriverName != nil || bare.DriverPhone != nil {
			t.Fatalf("bare vehicle %+v", bare)
		}
	})
}

func TestCreateVehicle_409_WhenPlateTakenForSameCustomer(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		first := e.createVehicle(t, c, "粤B12345")
		for _, plate := range []string{"粤B12345", "粤b 123·45", "粤B-123.45", "　粤b12345 "} {
			p := e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": c, "plate": plate}}).
				expect(t, 409).problem(t)
			if p.Detail == "" {
				t.Fatalf("plate %q: empty detail", plate)
			}
		}
		got := vehicleIDs(listAll(t, e, e.admin, "/v1/vehicles", 50, vehicleID))
		sameIDs(t, "vehicles", got, []uuid.UUID{first})
	})
}

func TestCreateVehicle_201_WhenPlateTakenForAnotherCustomer(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		a, b := e.createCustomer(t, "Acme"), e.createCustomer(t, "Bolt")
		va := e.createVehicle(t, a, "粤B12345")
		var vb vehicleOut
		e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": b, "plate": "粤b 123·45"}}).
			expect(t, 201).decode(t, &vb)
		if vb.Plate != "粤B12345" || vb.CustomerID != b || vb.ID == va {
			t.Fatalf("second vehicle %+v", vb)
		}
	})
}

func TestCreateVehicle_422_WhenCustomerUnknown(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		p := e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": uuid.New(), "plate": "粤B12345"}}).
			expect(t, 422).problem(t)
		p.expectField(t, "customer_id")
		if n := len(listAll(t, e, e.admin, "/v1/vehicles", 50, vehicleID)); n != 0 {
			t.Fatalf("%d vehicles", n)
		}
	})
}

func TestCreateVehicle_400_WhenPlateHasNoLettersOrDigits(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		for _, plate := range []string{"· ·", "粤B#12345", "B·"} {
			p := e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": c, "plate": plate}}).
				expect(t, 400).problem(t)
			p.expectField(t, "plate")
		}
	})
}

func TestCreateVehicle_400_WhenVINMalformed(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		for _, vin := range []string{
			"LSVAA4182E212345",   // 16
			"LSVAA4182E21234567", // 18
			"LSVIA4182E2123456",  // I
			"LSVOA4182E2123456",  // O
			"LSVQA4182E2123456",  // Q
			"lsvqa4182e2123456",  // q
			"LSVAA4182E212345-",  // punctuation
			"LSVAA4182E212345 ",  // space
			"LSVAA4182E21234５",   // a full-width digit
			"",
		} {
			r := e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{"customer_id": c, "plate": "粤B12345", "vin": vin}})
			r.expect(t, 400).problem(t).expectField(t, "vin")
		}
		if n := len(listAll(t, e, e.admin, "/v1/vehicles", 50, vehicleID)); n != 0 {
			t.Fatalf("%d vehicles", n)
		}
		// A valid VIN on PATCH, then a bad one that changes nothing.
		id := e.createVehicle(t, c, "粤B12345")
		e.do(t, req{method: "PATCH", path: "/v1/vehicles/" + id.String(), token: e.admin, body: map[string]any{"vin": "1HGCM82633A004352"}}).expect(t, 200)
		before := e.getVehicle(t, id)
		r := e.do(t, req{method: "PATCH", path: "/v1/vehicles/" + id.String(), token: e.admin, body: map[string]any{"vin": "1HGCM82633A00435O"}})
		r.expect(t, 400).problem(t).expectField(t, "vin")
		if got := e.getVehicle(t, id); !reflect.DeepEqual(got, before) {
			t.Fatalf("changed: %+v", got)
		}
	})
}

func TestUpdateVehicle_409_WhenPlateTakenForSameCustomer(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		e.createVehicle(t, c, "粤B12345")
		id := e.createVehicle(t, c, "粤B99999")
		before := e.getVehicle(t, id)
		p := e.do(t, req{method: "PATCH", path: "/v1/vehicles/" + id.String(), token: e.admin,
			body: map[string]any{"plate": "粤b 123·45", "model": "Changed", "driver_name": "Changed"}}).expect(t, 409).problem(t)
		if p.Detail == "" {
			t.Fatal("empty detail")
		}
		if got := e.getVehicle(t, id); !reflect.DeepEqual(got, before) {
			t.Fatalf("changed by a rejected PATCH: %+v, was %+v", got, before)
		}
		plates := map[string]int{}
		for _, v := range listAll(t, e, e.admin, withQuery("/v1/vehicles", "customer_id", c.String()), 50, vehicleID) {
			plates[v.Plate]++
		}
		if !reflect.DeepEqual(plates, map[string]int{"粤B12345": 1, "粤B99999": 1}) {
			t.Fatalf("plates %v", plates)
		}
		// Renaming a vehicle to its own plate, spelt differently, is no conflict.
		var got vehicleOut
		e.do(t, req{method: "PATCH", path: "/v1/vehicles/" + id.String(), token: e.admin, body: map[string]any{"plate": "粤b·99999"}}).
			expect(t, 200).decode(t, &got)
		if got.Plate != "粤B99999" {
			t.Fatalf("plate %q", got.Plate)
		}
	})
}

func TestUpdateVehicle_200_ChangesAndNullClearsOptionalFields(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Acme")
		var v vehicleOut
		e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{
			"customer_id": c, "plate": "粤B12345", "vin": "1HGCM82633A004352", "model": "Foton", "driver_name": "Wang", "driver_phone": "13900001111",
		}}).expect(t, 201).decode(t, &v)
		path := "/v1/vehicles/" + v.ID.String()
		var got vehicleOut
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"plate": "粤C54321", "model": "Foton Aumark"}}).
			expect(t, 200).decode(t, &got)
		if got.Plate != "粤C54321" || *got.Model != "Foton Aumark" || *got.VIN != "1HGCM82633A004352" || *got.DriverName != "Wang" || got.CustomerID != c {
			t.Fatalf("after patch %+v", got)
		}
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: `{"vin": null, "model": null, "driver_name": null, "driver_phone": null}`}).
			expect(t, 200).decode(t, &got)
		if got.VIN != nil || got.Model != nil || got.DriverName != nil || got.DriverPhone != nil || got.Plate != "粤C54321" {
			t.Fatalf("after nulls %+v", got)
		}
		read := e.getVehicle(t, v.ID)
		if read.VIN != nil || read.Model != nil || read.DriverName != nil || read.DriverPhone != nil || read.Plate != "粤C54321" {
			t.Fatalf("read back %+v", read)
		}
		// The customer is not a PATCH field.
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: map[string]any{"customer_id": e.createCustomer(t, "Bolt")}}).expect(t, 400)
		e.do(t, req{method: "PATCH", path: path, token: e.admin, body: `{}`}).expect(t, 400)
	})
}

func TestGetVehicle_404_WhenUnknown(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		e.do(t, req{method: "GET", path: "/v1/vehicles/" + uuid.New().String(), token: e.admin}).expect(t, 404)
		e.do(t, req{method: "PATCH", path: "/v1/vehicles/" + uuid.New().String(), token: e.admin, body: map[string]any{"model": "x"}}).expect(t, 404)
	})
}

func TestListVehicles_200_FiltersByCustomerAndQ(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		a, b := e.createCustomer(t, "Acme"), e.createCustomer(t, "Bolt")
		var a1 vehicleOut
		e.do(t, req{method: "POST", path: "/v1/vehicles", token: e.admin, body: map[string]any{
			"customer_id": a, "plate": "粤B12345", "vin": "1HGCM82633A004352", "driver_name": "Zhang Wei", "driver_phone": "13911112222",
		}}).expect(t, 201).decode(t, &a1)
		a2 := e.createVehicle(t, a, "粤B67890")
		b1 := e.createVehicle(t, b, "京A12345")
		b2 := e.createVehicle(t, b, "沪C00001")

		all := vehicleIDs(listAll(t, e, e.admin, "/v1/vehicles", 1, vehicleID))
		if !reflect.DeepEqual(all, []uuid.UUID{a1.ID, a2, b1, b2}) {
			t.Fatalf("all vehicles %v", all)
		}
		for _, c := range []struct {
			name, path string
			want       []uuid.UUID
		}{
			{"customer a", withQuery("/v1/vehicles", "customer_id", a.String()), []uuid.UUID{a1.ID, a2}},
			{"customer b", withQuery("/v1/vehicles", "customer_id", b.String()), []uuid.UUID{b1, b2}},
			{"unknown customer", withQuery("/v1/vehicles", "customer_id", uuid.NewString()), nil},
			{"q plate digits", withQuery("/v1/vehicles", "q", "12345"), []uuid.UUID{a1.ID, b1}},
			{"q plate lower case", withQuery("/v1/vehicles", "q", "粤b"), []uuid.UUID{a1.ID, a2}},
			{"q vin", withQuery("/v1/vehicles", "q", "hgcm826"), []uuid.UUID{a1.ID}},
			{"q driver", withQuery("/v1/vehicles", "q", "ZHANG"), []uuid.UUID{a1.ID}},
			{"q driver phone", withQuery("/v1/vehicles", "q", "1391111"), []uuid.UUID{a1.ID}},
			{"q and customer", withQuery("/v1/vehicles", "q", "12345", "customer_id", b.String()), []uuid.UUID{b1}},
			{"q no match", withQuery("/v1/vehicles", "q", "%"), nil},
		} {
			got := vehicleIDs(listAll(t, e, e.admin, c.path, 1, vehicleID))
			sameIDs(t, c.name, got, c.want)
		}
	})
}

func TestListVehicles_400_WhenCustomerIDIsTheNilUUIDOrNotAUUID(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		c := e.createCustomer(t, "Nil Filter Fleet")
		e.createVehicle(t, c, "粤B00001")
		for _, q := range []string{"00000000-0000-0000-0000-000000000000", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"} {
			p := e.do(t, req{method: "GET", path: "/v1/vehicles?customer_id=" + q, token: e.admin}).expect(t, 400).problem(t)
			if len(p.Errors) == 0 || p.Errors[0].Field != "query.customer_id" {
				t.Fatalf("%s: %+v", q, p)
			}
		}
	})
}
