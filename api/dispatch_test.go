package api_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Dispatch: technicians' positions and duty, and the candidates ranked for
// an order.

// The order's site in Futian, Shenzhen, and places at known distances.
const siteLat, siteLng = 22.5431, 114.0579

var (
	// 0.009° of latitude north of the site: 1.00 km.
	oneKMNorth = [2]float64{siteLat + 0.009, siteLng}
	// 0.0048° of longitude east of the site: 0.49 km.
	halfKMEast = [2]float64{siteLat, siteLng + 0.0048}
	// Tianhe, Guangzhou: about 104 km as the crow flies.
	guangzhou = [2]float64{23.1291, 113.2644}
	// 0.0009° of latitude north: 0.10 km.
	nextDoor = [2]float64{siteLat + 0.0009, siteLng}
)

type candidateOut struct {
	TechnicianID uuid.UUID  `json:"technician_id"`
	DisplayName  string     `json:"display_name"`
	OnDuty       bool       `json:"on_duty"`
	HasSkills    bool       `json:"has_skills"`
	DistanceKM   *float64   `json:"distance_km"`
	OpenOrders   int        `json:"open_orders"`
	LastSeenAt   *time.Time `json:"last_seen_at"`
}

type dutyUserOut struct {
	ID     uuid.UUID `json:"id"`
	Role   string    `json:"role"`
	OnDuty bool      `json:"on_duty"`
	Skills []string  `json:"skills"`
}

// candidates GETs the ranking, checking every item has every field.
func (e *env) candidates(t *testing.T, token string, id uuid.UUID) []candidateOut {
	t.Helper()
	r := e.do(t, req{method: "GET", path: "/v1/work-orders/" + id.String() + "/candidates", token: token}).expect(t, 200)
	var raw struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	r.decode(t, &raw)
	for _, it := range raw.Items {
		for _, k := range []string{"technician_id", "display_name", "on_duty", "has_skills", "distance_km", "open_orders", "last_seen_at"} {
			if _, ok := it[k]; !ok {
				t.Fatalf("candidate without %s: %s", k, r.Body)
			}
		}
	}
	var out struct {
		Items []candidateOut `json:"items"`
	}
	r.decode(t, &out)
	return out.Items
}

// reportAt reports the technician's position as of the given time.
func (e *env) reportAt(t *testing.T, tech user, pos [2]float64, at time.Time) response {
	t.Helper()
	return e.do(t, req{method: "POST", path: "/v1/technicians/me/location", token: tech.Token,
		body: map[string]any{"lat": pos[0], "lng": pos[1], "accuracy_m": 12, "recorded_at": at.Format(time.RFC3339Nano)}})
}

// setDuty PATCHes a user's duty and skills as the admin.
func (e *env) setDuty(t *testing.T, id uuid.UUID, body map[string]any) response {
	t.Helper()
	return e.do(t, req{method: "PATCH", path: "/v1/users/" + id.String(), token: e.admin, body: body})
}

func nearly(got *float64, want, within float64) bool {
	return got != nil && math.Abs(*got-want) <= within
}

func TestReportLocation_204_KeepsTheLatestPosition(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.createOrder(t, f.dispatcher.Token, repairBody(f, "normal"))
		seen := func() candidateOut {
			t.Helper()
			for _, c := range e.candidates(t, f.dispatcher.Token, o.ID) {
				if c.TechnicianID == f.tech.ID {
					return c
				}
			}
			t.Fatal("the technician is not a candidate")
			return candidateOut{}
		}
		if c := seen(); c.DistanceKM != nil || c.LastSeenAt != nil {
			t.Fatalf("before any report: %+v", c)
		}
		now := e.clock.Now()
		e.reportAt(t, f.tech, oneKMNorth, now.Add(-time.Minute)).expect(t, 204)
		if c := seen(); !nearly(c.DistanceKM, 1.0, 0.02) || c.LastSeenAt == nil || !c.LastSeenAt.Equal(now.Add(-time.Minute)) {
			t.Fatalf("after a report: %+v", c)
		}
		// An older report arriving late changes nothing.
		e.reportAt(t, f.tech, guangzhou, now.Add(-10*time.Minute)).expect(t, 204)
		if c := seen(); !nearly(c.DistanceKM, 1.0, 0.02) || !c.LastSeenAt.Equal(now.Add(-time.Minute)) {
			t.Fatalf("an older report overwrote the latest: %+v", c)
		}
		// A newer one wins, even slightly ahead of the server's clock.
		e.reportAt(t, f.tech, halfKMEast, now.Add(time.Minute)).expect(t, 204)
		if c := seen(); !nearly(c.DistanceKM, 0.49, 0.02) || !c.LastSeenAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("a newer report was ignored: %+v", c)
		}
	})
}

func TestReportLocation_403_ForAnyoneButTechnicians(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		for name, token := range map[string]string{"admin": e.admin, "manager": f.manager.Token, "dispatcher": f.dispatcher.Token,
			"finance": finance.Token, "customer": f.custUser.Token} {
			t.Run(name, func(t *testing.T) {
				e.do(t, req{method: "POST", path: "/v1/technicians/me/location", token: token,
					body: map[string]any{"lat": siteLat, "lng": siteLng, "recorded_at": e.clock.Now().Format(time.RFC3339Nano)}}).expect(t, 403)
			})
		}
	})
}

func TestReportLocation_400or422_WhenBad(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		now := e.clock.Now()
		at := now.Format(time.RFC3339Nano)
		cases := []struct {
			name  string
			body  map[string]any
			want  int
			field string
		}{
			{"LatAbove90", map[string]any{"lat": 90.5, "lng": 114.0, "recorded_at": at}, 400, ""},
			{"LatBelowMinus90", map[string]any{"lat": -91, "lng": 114.0, "recorded_at": at}, 400, ""},
			{"LngAbove180", map[string]any{"lat": 22.5, "lng": 180.01, "recorded_at": at}, 400, ""},
			{"LngBelowMinus180", map[string]any{"lat": 22.5, "lng": -200, "recorded_at": at}, 400, ""},
			{"NegativeAccuracy", map[string]any{"lat": 22.5, "lng": 114.0, "accuracy_m": -1, "recorded_at": at}, 400, ""},
			{"NoRecordedAt", map[string]any{"lat": 22.5, "lng": 114.0}, 400, ""},
			{"UnknownField", map[string]any{"lat": 22.5, "lng": 114.0, "recorded_at": at, "speed": 3}, 400, ""},
			{"RecordedInTheFuture", map[string]any{"lat": 22.5, "lng": 114.0, "recorded_at": now.Add(10 * time.Minute).Format(time.RFC3339Nano)}, 422, "recorded_at"},
			{"RecordedNextYear", map[string]any{"lat": 22.5, "lng": 114.0, "recorded_at": now.AddDate(1, 0, 0).Format(time.RFC3339Nano)}, 422, "recorded_at"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p := e.do(t, req{method: "POST", path: "/v1/technicians/me/location", token: f.tech.Token, body: c.body}).expect(t, c.want).problem(t)
				if c.field != "" {
					p.expectField(t, c.field)
				}
			})
		}
		// Nothing was kept.
		o := e.createOrder(t, f.dispatcher.Token, repairBody(f, "normal"))
		for _, c := range e.candidates(t, f.dispatcher.Token, o.ID) {
			if c.LastSeenAt != nil {
				t.Fatalf("a refused report was kept: %+v", c)
			}
		}
	})
}

func TestUpdateUser_OnDutyAndSkills(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		var u dutyUserOut
		e.setDuty(t, f.tech.ID, map[string]any{"on_duty": true, "skills": []string{"CAN-bus", "fuel-sensor", "can-bus"}}).expect(t, 200).decode(t, &u)
		if !u.OnDuty || !slices.Equal(u.Skills, []string{"can-bus", "fuel-sensor"}) {
			t.Fatalf("after PATCH: %+v", u)
		}
		e.do(t, req{method: "GET", path: "/v1/users/" + f.tech.ID.String(), token: e.admin}).expect(t, 200).decode(t, &u)
		if !u.OnDuty || len(u.Skills) != 2 {
			t.Fatalf("stored: %+v", u)
		}
		e.setDuty(t, f.tech.ID, map[string]any{"on_duty": false}).expect(t, 200).decode(t, &u)
		if u.OnDuty || len(u.Skills) != 2 {
			t.Fatalf("off duty, skills kept: %+v", u)
		}
		e.setDuty(t, f.tech.ID, map[string]any{"skills": []string{}}).expect(t, 200).decode(t, &u)
		if len(u.Skills) != 0 {
			t.Fatalf("skills cleared: %+v", u)
		}

		for name, id := range map[string]uuid.UUID{"manager": f.manager.ID, "dispatcher": f.dispatcher.ID, "customer": f.custUser.ID} {
			t.Run("422_OnDutyFor_"+name, func(t *testing.T) {
				e.setDuty(t, id, map[string]any{"on_duty": true}).expect(t, 422).problem(t).expectField(t, "on_duty")
				var got dutyUserOut
				e.do(t, req{method: "GET", path: "/v1/users/" + id.String(), token: e.admin}).expect(t, 200).decode(t, &got)
				if got.OnDuty {
					t.Fatal("a refused on_duty was kept")
				}
			})
		}
		t.Run("400_WhenSkillsMalformed", func(t *testing.T) {
			e.setDuty(t, f.tech.ID, map[string]any{"skills": []string{""}}).expect(t, 400)
			e.setDuty(t, f.tech.ID, map[string]any{"skills": "can-bus"}).expect(t, 400)
			e.setDuty(t, f.tech.ID, map[string]any{"on_duty": "yes"}).expect(t, 400)
		})
		t.Run("403_WhenNotAdmin", func(t *testing.T) {
			e.do(t, req{method: "PATCH", path: "/v1/users/" + f.tech.ID.String(), token: f.manager.Token,
				body: map[string]any{"on_duty": true}}).expect(t, 403)
		})
	})
}

func TestCandidates_RankOnDutySkillsDistanceThenWorkload(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t) // f.tech: off duty, no skills, never reported
		now := e.clock.Now()
		type techSpec struct {
			name   string
			onDuty bool
			skills []string
			pos    *[2]float64
			open   int // open orders to give it
		}
		specs := []techSpec{
			{"busyFarSkilled", true, []string{"can-bus", "gps"}, &guangzhou, 2},
			{"offDutyUnknown", false, []string{"can-bus"}, nil, 0},
			{"nearSkilled", true, []string{"can-bus"}, &oneKMNorth, 0},
			{"onDutyUnknownSkilled", true, []string{"can-bus"}, nil, 0},
			{"idleFarSkilled", true, []string{"CAN-BUS"}, &guangzhou, 0},
			{"nearestUnskilled", true, []string{"gps"}, &halfKMEast, 0},
			{"offDutyNextDoor", false, []string{"can-bus"}, &nextDoor, 0},
			{"disabled", true, []string{"can-bus"}, &nextDoor, 0},
		}
		techs := map[string]user{"fleetTech": f.tech}
		for _, s := range specs {
			u := e.createUser(t, domain.RoleTechnician, uuid.Nil)
			techs[s.name] = u
			e.setDuty(t, u.ID, map[string]any{"on_duty": s.onDuty, "skills": s.skills}).expect(t, 200)
			if s.pos != nil {
				e.reportAt(t, u, *s.pos, now.Add(-2*time.Minute)).expect(t, 204)
			}
			for range s.open {
				e.assignedTo(t, f, u)
			}
		}
		e.setDuty(t, techs["disabled"].ID, map[string]any{"disabled": true}).expect(t, 200)

		body := repairBody(f, "urgent")
		body["required_skills"] = []string{"can-bus"}
		o := e.createOrder(t, f.dispatcher.Token, body)
		for _, token := range []string{f.manager.Token, f.dispatcher.Token, e.admin} {
			got := e.candidates(t, token, o.ID)
			want := []string{"nearSkilled", "idleFarSkilled", "busyFarSkilled", "onDutyUnknownSkilled", "nearestUnskilled",
				"offDutyNextDoor", "offDutyUnknown", "fleetTech"}
			names := make([]string, len(got))
			byName := map[string]candidateOut{}
			for i, c := range got {
				for n, u := range techs {
					if u.ID == c.TechnicianID {
						names[i] = n
					}
				}
				if names[i] == "" {
					t.Fatalf("candidate %s is not a technician of the test", c.TechnicianID)
				}
				byName[names[i]] = c
			}
			if !slices.Equal(names, want) {
				t.Fatalf("ranking\n got %v\nwant %v", names, want)
			}
			checks := []struct {
				name string
				ok   bool
			}{
				{"nearSkilled is 1 km away", nearly(byName["nearSkilled"].DistanceKM, 1.0, 0.02)},
				{"Guangzhou is about 104 km away", nearly(byName["idleFarSkilled"].DistanceKM, 104.2, 1.5)},
				{"nearestUnskilled is 0.49 km away", nearly(byName["nearestUnskilled"].DistanceKM, 0.49, 0.02)},
				{"unknown positions have no distance", byName["onDutyUnknownSkilled"].DistanceKM == nil && byName["offDutyUnknown"].DistanceKM == nil},
				{"unknown positions were never seen", byName["offDutyUnknown"].LastSeenAt == nil && byName["fleetTech"].LastSeenAt == nil},
				{"last_seen_at is the report's time", byName["nearSkilled"].LastSeenAt != nil && byName["nearSkilled"].LastSeenAt.Equal(now.Add(-2*time.Minute))},
				{"open orders are counted", byName["busyFarSkilled"].OpenOrders == 2 && byName["idleFarSkilled"].OpenOrders == 0},
				{"skills match ignoring case", byName["idleFarSkilled"].HasSkills && !byName["nearestUnskilled"].HasSkills},
				{"duty is shown", byName["nearSkilled"].OnDuty && !byName["offDutyNextDoor"].OnDuty},
				{"display names are shown", byName["nearSkilled"].DisplayName == "User "+techs["nearSkilled"].Username},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: %+v", c.name, got)
				}
			}
		}

		// Without coordinates at the site nobody has a distance; duty,
		// skills and workload still rank.
		noCoords := repairBody(f, "normal")
		noCoords["site"] = map[string]any{"address": "somewhere in Bao'an"}
		plain := e.createOrder(t, f.dispatcher.Token, noCoords)
		got := e.candidates(t, f.dispatcher.Token, plain.ID)
		if len(got) != len(techs)-1 {
			t.Fatalf("%d candidates, want %d", len(got), len(techs)-1)
		}
		for i, c := range got {
			if c.DistanceKM != nil || !c.HasSkills {
				t.Fatalf("candidate %d without site coordinates or required skills: %+v", i, c)
			}
			if i > 0 && got[i-1].OnDuty == c.OnDuty && got[i-1].OpenOrders > c.OpenOrders {
				t.Fatalf("workload out of order: %+v", got)
			}
			if i > 0 && !got[i-1].OnDuty && c.OnDuty {
				t.Fatalf("off duty before on duty: %+v", got)
			}
		}
		if got[len(got)-1].OnDuty || !got[0].OnDuty {
			t.Fatalf("duty order: %+v", got)
		}
	})
}

func TestCandidates_403or404_ForOtherRolesAndUnknownOrders(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		other := e.newFleet(t)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		o := e.assignedTo(t, f, f.tech)
		path := "/v1/work-orders/" + o.ID.String() + "/candidates"
		cases := []struct {
			name  string
			token string
			want  int
		}{
			{"AssignedTechnician", f.tech.Token, 403},
			{"CustomerOfTheOrder", f.custUser.Token, 403},
			{"Finance", finance.Token, 403},
			// Those who may not see the order at all don't learn it exists.
			{"AnotherTechnician", other.tech.Token, 404},
			{"AnotherCustomer", other.custUser.Token, 404},
			{"NoToken", "", 401},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e.do(t, req{method: "GET", path: path, token: c.token}).expect(t, c.want)
			})
		}
		t.Run("UnknownOrder", func(t *testing.T) {
			for _, token := range []string{f.manager.Token, f.dispatcher.Token} {
				e.do(t, req{method: "GET", path: "/v1/work-orders/" + uuid.NewString() + "/candidates", token: token}).expect(t, 404)
			}
		})
	})
}
