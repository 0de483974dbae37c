package workorder

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

var t0 = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)

func newOrder(p Priority) Order {
	o := Order{ID: uuid.New(), Type: Repair, Status: Requested, Version: 1, Priority: p, CreatedAt: t0}
	DefaultSLA().deadlines(&o)
	return o
}

func must(t *testing.T, o *Order, c Command, at time.Time) {
	t.Helper()
	if !stateAllows(*o, c.Action) {
		t.Fatalf("%s not allowed from %s", c.Action, o.Status)
	}
	if _, err := apply(o, c, at); err != nil {
		t.Fatalf("%s: %v", c.Action, err)
	}
}

// stateActions are the actions the order's state admits, whoever asks.
func stateActions(o Order) []Action {
	var out []Action
	for _, a := range Actions {
		if stateAllows(o, a) {
			out = append(out, a)
		}
	}
	return out
}

func TestStateAllows_ByState(t *testing.T) {
	want := map[Status][]Action{
		Requested: {Approve, Cancel},
		Approved:  {Assign, Cancel},
		Assigned:  {Assign, Accept, Decline, Cancel, Hold},
		Accepted:  {Assign, Depart, Cancel, Hold},
		EnRoute:   {Arrive, Cancel, Hold},
		OnSite:    {Complete, Cancel, Hold},
		OnHold:    {Cancel, Resume},
		Completed: {Close, Reopen},
		Closed:    {Reopen},
		Cancelled: nil,
	}
	for st, actions := range want {
		if got := stateActions(Order{Status: st}); !slices.Equal(got, actions) {
			t.Errorf("%s: %v, want %v", st, got, actions)
		}
	}
	// A contractor order completes without anybody of ours travelling.
	if got := stateActions(Order{Status: Assigned, Contractor: &Contractor{}}); !slices.Equal(got, []Action{Assign, Complete, Cancel, Hold}) {
		t.Errorf("contractor order in assigned: %v", got)
	}
}

func TestMayAct_RoleMatrix(t *testing.T) {
	tech, other, cust := uuid.New(), uuid.New(), uuid.New()
	o := Order{TechnicianID: tech, CustomerID: cust, Status: Requested}
	actors := map[string]domain.Actor{
		"admin": {Role: domain.RoleAdmin}, "manager": {Role: domain.RoleManager}, "dispatcher": {Role: domain.RoleDispatcher},
		"finance": {Role: domain.RoleFinance}, "assigned technician": {Role: domain.RoleTechnician, UserID: tech},
		"other technician": {Role: domain.RoleTechnician, UserID: other}, "customer": {Role: domain.RoleCustomer, CustomerID: cust},
	}
	allowed := map[Action][]string{
		Approve:  {"admin", "manager"},
		Assign:   {"admin", "manager", "dispatcher"},
		Accept:   {"assigned technician"},
		Decline:  {"assigned technician"},
		Depart:   {"assigned technician"},
		Arrive:   {"assigned technician"},
		Complete: {"assigned technician"},
		Close:    {"admin", "manager", "dispatcher"},
		Cancel:   {"admin", "manager", "dispatcher", "customer"},
		Hold:     {"admin", "manager", "dispatcher", "assigned technician"},
		Resume:   {"admin", "manager", "dispatcher", "assigned technician"},
		Reopen:   {"admin", "manager", "dispatcher"},
	}
	for _, a := range Actions {
		for name, actor := range actors {
			want := slices.Contains(allowed[a], name)
			if got := mayAct(actor, o, Command{Action: a}); got != want {
				t.Errorf("%s by %s: %v, want %v", a, name, got, want)
			}
		}
	}
	if mayAct(actors["dispatcher"], o, Command{Action: Assign, Contractor: &Contractor{}}) {
		t.Error("a dispatcher may not send a contractor")
	}
	if !mayAct(actors["dispatcher"], Order{Contractor: &Contractor{}}, Command{Action: Complete}) {
		t.Error("staff complete contractor orders")
	}
	if mayAct(actors["customer"], Order{CustomerID: cust, Status: Assigned}, Command{Action: Cancel}) {
		t.Error("a customer may cancel only before assignment")
	}
}

func TestApply_FullLifecycleAndDurations(t *testing.T) {
	o := newOrder(Urgent)
	site := 22.5431
	o.Site = Site{Address: "Futian", Lat: &site, Lng: ptr(114.0579)}
	tech := uuid.New()
	must(t, &o, Command{Action: Approve}, t0.Add(10*time.Minute))
	must(t, &o, Command{Action: Assign, TechnicianID: tech}, t0.Add(15*time.Minute))
	must(t, &o, Command{Action: Accept}, t0.Add(20*time.Minute))
	must(t, &o, Command{Action: Depart, Checklist: Checklist{true, true, true}}, t0.Add(40*time.Minute))
	must(t, &o, Command{Action: Arrive, Position: Position{Lat: 22.5431, Lng: 114.0600}}, t0.Add(100*time.Minute))
	if o.CheckIn == nil || o.CheckIn.Far || *o.CheckIn.DistanceM < 200 || *o.CheckIn.DistanceM > 230 {
		t.Fatalf("check-in %+v", o.CheckIn)
	}
	must(t, &o, Command{Action: Complete, Resolution: "replaced the antenna"}, t0.Add(160*time.Minute))
	d := o.Durations()
	if *d.Response != 100 || *d.Wait != 30 || *d.Travel != 60 || *d.Repair != 60 {
		t.Fatalf("durations %d %d %d %d", *d.Response, *d.Wait, *d.Travel, *d.Repair)
	}
	if s := o.SLAAt(t0.Add(24 * time.Hour)); s.ResponseBreached || s.ResolutionBreached {
		t.Fatalf("sla %+v", s)
	}
}

func TestApply_FarCheckInIsAcceptedButFlagged(t *testing.T) {
	o := newOrder(Normal)
	o.Status, o.Site = EnRoute, Site{Lat: ptr(22.5431), Lng: ptr(114.0579)}
	must(t, &o, Command{Action: Arrive, Position: Position{Lat: 22.5531, Lng: 114.0579}}, t0)
	if !o.CheckIn.Far || *o.CheckIn.DistanceM < 1000 {
		t.Fatalf("check-in %+v", o.CheckIn)
	}
}

func TestApply_RejectsBadInputAndChangesNothing(t *testing.T) {
	cases := map[string]struct {
		from Status
		cmd  Command
	}{
		"checklist with a false item": {Accepted, Command{Action: Depart, Checklist: Checklist{true, false, true}}},
		"latitude out of range":       {EnRoute, Command{Action: Arrive, Position: Position{Lat: 91, Lng: 0}}},
		"longitude out of range":      {EnRoute, Command{Action: Arrive, Position: Position{Lat: 0, Lng: -181}}},
		"blank decline reason":        {Assigned, Command{Action: Decline, Reason: "  "}},
		"blank hold reason":           {OnSite, Command{Action: Hold, Reason: ""}},
		"blank resolution":            {OnSite, Command{Action: Complete}},
		"contractor without a reason": {Approved, Command{Action: Assign, Contractor: &Contractor{Name: "Fixit", Phone: "13800138000"}}},
		"reopen with nobody assigned": {Completed, Command{Action: Reopen, Reason: "rework"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			o := newOrder(Normal)
			o.Status = c.from
			before := o
			if _, err := apply(&o, c.cmd, t0); domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("err %v, want invalid", err)
			}
			if o.Status != before.Status {
				t.Fatalf("state moved to %s", o.Status)
			}
		})
	}
}

// SLA arithmetic with a fake clock: urgent is on site within 4 h and
// complete within 8 h; two hours on hold move the resolution deadline by two
// hours and never count against it.
func TestSLA_HoldsPauseResolutionOnly(t *testing.T) {
	o := newOrder(Urgent)
	if !o.Times.RespondBy.Equal(t0.Add(4*time.Hour)) || !o.Times.ResolveBy.Equal(t0.Add(8*time.Hour)) {
		t.Fatalf("deadlines %v %v", o.Times.RespondBy, o.Times.ResolveBy)
	}
	tech := uuid.New()
	must(t, &o, Command{Action: Approve}, t0)
	must(t, &o, Command{Action: Assign, TechnicianID: tech}, t0)
	must(t, &o, Command{Action: Accept}, t0)
	must(t, &o, Command{Action: Depart, Checklist: Checklist{true, true, true}}, t0.Add(time.Hour))
	must(t, &o, Command{Action: Arrive, Position: Position{Lat: 1, Lng: 1}}, t0.Add(3*time.Hour))
	must(t, &o, Command{Action: Hold, Reason: "waiting for a part"}, t0.Add(4*time.Hour))

	if s := o.SLAAt(t0.Add(9 * time.Hour)); s.ResolutionBreached || s.Paused != 5*time.Hour {
		t.Fatalf("on hold past resolve_by: %+v", s)
	}
	must(t, &o, Command{Action: Resume}, t0.Add(6*time.Hour))
	if o.Status != OnSite || o.Times.Paused != 2*time.Hour {
		t.Fatalf("resume: %s paused %v", o.Status, o.Times.Paused)
	}
	if s := o.SLAAt(t0.Add(9*time.Hour + 59*time.Minute)); s.ResolutionBreached || s.ResponseBreached {
		t.Fatalf("within the moved deadline: %+v", s)
	}
	if !o.AtRisk(t0.Add(9 * time.Hour)) {
		t.Fatal("an hour before the moved deadline is at risk")
	}
	if s := o.SLAAt(t0.Add(10*time.Hour + time.Minute)); !s.ResolutionBreached {
		t.Fatalf("past the moved deadline: %+v", s)
	}
	must(t, &o, Command{Action: Complete, Resolution: "done"}, t0.Add(9*time.Hour))
	if s := o.SLAAt(t0.Add(48 * time.Hour)); s.ResolutionBreached || s.Paused != 2*time.Hour {
		t.Fatalf("completed in time: %+v", s)
	}
	if *o.Durations().Repair != 360 {
		t.Fatalf("repair minutes %d (arrived → completed, hold included)", *o.Durations().Repair)
	}
}

func TestSLA_ResponseBreachAndAtRisk(t *testing.T) {
	o := newOrder(Urgent)
	if o.AtRisk(t0) || o.Breached(t0) {
		t.Fatal("fresh order at risk or breached")
	}
	if !o.AtRisk(t0.Add(3*time.Hour)) || o.Breached(t0.Add(3*time.Hour)) {
		t.Fatal("an hour before respond_by is at risk, not breached")
	}
	if !o.Breached(t0.Add(4*time.Hour+time.Second)) || o.AtRisk(t0.Add(5*time.Hour)) {
		t.Fatal("past respond_by is breached, and breached is not at risk")
	}
	o.Status, o.Times.CancelledAt = Cancelled, ptr(t0.Add(time.Hour))
	if o.Breached(t0.Add(100 * time.Hour)) {
		t.Fatal("an order cancelled in time is judged at its cancellation")
	}
}

func TestParseSLA(t *testing.T) {
	s, err := ParseSLA("urgent=2h, low=96h")
	if err != nil || s.Respond[Urgent] != 2*time.Hour || s.Respond[Low] != 96*time.Hour || s.Respond[High] != 8*time.Hour {
		t.Fatalf("%v %v", s, err)
	}
	for _, bad := range []string{"urgent", "urgent=soon", "someday=1h", "urgent=-1h"} {
		if _, err := ParseSLA(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDistanceM(t *testing.T) {
	// Shenzhen Futian to Guangzhou Tianhe is about 105 km.
	d := DistanceM(22.5431, 114.0579, 23.1291, 113.2644) / 1000
	if math.Abs(d-104.5) > 3 {
		t.Fatalf("distance %.1f km", d)
	}
	if DistanceM(10, 10, 10, 10) != 0 {
		t.Fatal("zero distance")
	}
}

func TestCompareCandidates_RankingOrder(t *testing.T) {
	near, far := 1.0, 9.0
	cs := []Candidate{
		{Technician: Technician{ID: uuid.New(), OnDuty: false}, HasSkills: true, DistanceKM: &near},
		{Technician: Technician{ID: uuid.New(), OnDuty: true}, HasSkills: true},
		{Technician: Technician{ID: uuid.New(), OnDuty: true}, HasSkills: true, DistanceKM: &far, OpenOrders: 0},
		{Technician: Technician{ID: uuid.New(), OnDuty: true}, HasSkills: false, DistanceKM: &near},
		{Technician: Technician{ID: uuid.New(), OnDuty: true}, HasSkills: true, DistanceKM: &near, OpenOrders: 3},
		{Technician: Technician{ID: uuid.New(), OnDuty: true}, HasSkills: true, DistanceKM: &near, OpenOrders: 1},
	}
	want := []uuid.UUID{cs[5].ID, cs[4].ID, cs[2].ID, cs[1].ID, cs[3].ID, cs[0].ID}
	slices.SortStableFunc(cs, compareCandidates)
	for i := range cs {
		if cs[i].ID != want[i] {
			t.Fatalf("position %d: got %+v", i, cs[i])
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestParsePriority_AdmitsTheFourAndNothingElse(t *testing.T) {
	for _, p := range Priorities {
		if got, err := ParsePriority(string(p)); err != nil || got != p {
			t.Errorf("%q: %q %v", p, got, err)
		}
	}
	for _, s := range []string{"", "asap", "Urgent", " normal"} {
		if _, err := ParsePriority(s); err == nil {
			t.Errorf("%q admitted", s)
		}
	}
}
