package workorder

import (
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Action is a lifecycle transition, one POST /v1/work-orders/{id}/<action>.
type Action string

// The actions.
const (
	Approve  Action = "approve"
	Assign   Action = "assign"
	Accept   Action = "accept"
	Decline  Action = "decline"
	Depart   Action = "depart"
	Arrive   Action = "arrive"
	Complete Action = "complete"
	Close    Action = "close"
	Cancel   Action = "cancel"
	Hold     Action = "hold"
	Resume   Action = "resume"
	Reopen   Action = "reopen"
)

// Actions lists every action in lifecycle order.
var Actions = []Action{Approve, Assign, Accept, Decline, Depart, Arrive, Complete, Close, Cancel, Hold, Resume, Reopen}

// from lists the states each action may start from. Contractor orders
// (nobody of ours travels) complete from any assigned-or-later state.
var from = map[Action][]Status{
	Approve:  {Requested},
	Assign:   {Approved, Assigned, Accepted},
	Accept:   {Assigned},
	Decline:  {Assigned},
	Depart:   {Accepted},
	Arrive:   {EnRoute},
	Complete: {OnSite},
	Close:    {Completed},
	Cancel:   {Requested, Approved, Assigned, Accepted, EnRoute, OnSite, OnHold},
	Hold:     {Assigned, Accepted, EnRoute, OnSite},
	Resume:   {OnHold},
	Reopen:   {Completed, Closed},
}

var contractorCompleteFrom = []Status{Assigned, Accepted, EnRoute, OnSite}

// stateAllows reports whether the order's state admits the action. A
// contractor's order has no technician of ours to accept, travel or check in.
func stateAllows(o Order, a Action) bool {
	if o.Contractor != nil {
		switch a {
		case Complete:
			return slices.Contains(contractorCompleteFrom, o.Status)
		case Accept, Decline, Depart, Arrive:
			return false
		}
	}
	return slices.Contains(from[a], o.Status)
}

// Checklist is the pre-departure check (出发前检查).
type Checklist struct {
	DetailsVerified, ToolsReady, PartsReady bool
}

// Position is a reported location.
type Position struct {
	Lat, Lng  float64
	AccuracyM *float64
}

// MaxETA is how far ahead a departing technician's ETA may lie.
const MaxETA = 24 * time.Hour

// Command is one transition request with its data.
type Command struct {
	Action       Action
	TechnicianID uuid.UUID   // assign, reopen
	Contractor   *Contractor // assign
	Reason       string      // decline, cancel, hold, reopen; contractor reason
	Checklist    Checklist   // depart
	ETA          *time.Time  // depart, optional: told to the customer
	Position     Position    // arrive
	Resolution   string      // complete
}

// mayAct reports whether the actor's role (and relation to the order) allows
// the command; the order is already known to be visible to the actor.
func mayAct(a domain.Actor, o Order, c Command) bool {
	isAssignedTech := a.Role == domain.RoleTechnician && o.TechnicianID == a.UserID
	manager := a.Is(domain.RoleAdmin, domain.RoleManager)
	desk := a.Is(domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher)
	switch c.Action {
	case Approve:
		return manager
	case Assign:
		if c.Contractor != nil {
			return manager
		}
		return desk
	case Accept, Decline, Depart, Arrive:
		return isAssignedTech
	case Complete:
		if o.Contractor != nil {
			return desk
		}
		return isAssignedTech
	case Close, Reopen:
		return desk
	case Cancel:
		return desk || a.Role == domain.RoleCustomer && a.CustomerID == o.CustomerID && (o.Status == Requested || o.Status == Approved)
	case Hold, Resume:
		return desk || isAssignedTech
	}
	return false
}

// apply performs a validated command on o at now, returning the event data
// that explains it. It assumes state and role were checked.
func apply(o *Order, c Command, now time.Time) (map[string]any, error) {
	data := map[string]any{}
	var fe domain.FieldErrors
	next := o.Status
	switch c.Action {
	case Approve:
		next = Approved
		setOnce(&o.Times.ApprovedAt, now)
	case Assign:
		next = Assigned
		if c.Contractor != nil {
			ct := *c.Contractor
			ct.Name = domain.Text(&fe, "contractor.name", ct.Name, 1, 200)
			ct.Phone = domain.Phone(&fe, "contractor.phone", ct.Phone)
			ct.Reason = domain.Text(&fe, "contractor.reason", ct.Reason, 1, 500)
			o.Contractor, o.TechnicianID = &ct, uuid.Nil
			data["contractor"] = map[string]any{"name": ct.Name, "phone": ct.Phone, "reason": ct.Reason}
		} else {
			o.TechnicianID, o.Contractor = c.TechnicianID, nil
			data["technician_id"] = c.TechnicianID.String()
		}
	case Accept:
		next = Accepted
	case Decline:
		next = Approved
		data["reason"] = domain.Text(&fe, "reason", c.Reason, 1, 500)
		data["technician_id"] = o.TechnicianID.String()
		o.TechnicianID = uuid.Nil
	case Depart:
		if !c.Checklist.DetailsVerified {
			fe.Add("checklist.details_verified", "must be true before departing")
		}
		if !c.Checklist.ToolsReady {
			fe.Add("checklist.tools_ready", "must be true before departing")
		}
		if !c.Checklist.PartsReady {
			fe.Add("checklist.parts_ready", "must be true before departing")
		}
		if c.ETA != nil {
			if !c.ETA.After(now) || c.ETA.Sub(now) > MaxETA {
				fe.Add("eta", "must lie after now and within 24 hours")
			} else {
				data["eta"] = c.ETA.UTC().Format(time.RFC3339)
			}
		}
		next = EnRoute
		setOnce(&o.Times.DepartedAt, now)
		data["checklist"] = map[string]any{"details_verified": true, "tools_ready": true, "parts_ready": true}
	case Arrive:
		p := c.Position
		checkPosition(&fe, "", p.Lat, p.Lng)
		ci := &CheckIn{Lat: p.Lat, Lng: p.Lng, AccuracyM: p.AccuracyM, At: now}
		if o.Site.Lat != nil && o.Site.Lng != nil {
			d := math.Round(DistanceM(*o.Site.Lat, *o.Site.Lng, p.Lat, p.Lng))
			ci.DistanceM, ci.Far = &d, d > FarFromSiteM
			data["distance_m"], data["far_from_site"] = d, ci.Far
		}
		o.CheckIn = ci
		next = OnSite
		setOnce(&o.Times.ArrivedAt, now)
		data["lat"], data["lng"] = p.Lat, p.Lng
		if p.AccuracyM != nil {
			data["accuracy_m"] = *p.AccuracyM
		}
	case Complete:
		r := domain.Text(&fe, "resolution", c.Resolution, 1, 2000)
		o.Resolution = &r
		next = Completed
		o.Times.CompletedAt = &now
		data["resolution"] = r
	case Close:
		next = Closed
		o.Times.ClosedAt = &now
	case Cancel:
		data["reason"] = domain.Text(&fe, "reason", c.Reason, 1, 500)
		if o.Status == OnHold {
			endHold(o, now)
		}
		next = Cancelled
		o.Times.CancelledAt = &now
	case Hold:
		r := domain.Text(&fe, "reason", c.Reason, 1, 500)
		data["reason"] = r
		o.HoldReason, o.HeldFrom = &r, o.Status
		o.Times.HoldStartedAt = &now
		next = OnHold
	case Resume:
		next = o.HeldFrom
		data["paused_seconds"] = endHold(o, now).Seconds()
	case Reopen:
		data["reason"] = domain.Text(&fe, "reason", c.Reason, 1, 500)
		if c.TechnicianID != uuid.Nil {
			o.TechnicianID, o.Contractor = c.TechnicianID, nil
		}
		if o.TechnicianID == uuid.Nil && o.Contractor == nil {
			fe.Add("technician_id", "is required: the order has nobody assigned")
		}
		if o.TechnicianID != uuid.Nil {
			data["technician_id"] = o.TechnicianID.String()
		}
		o.Resolution, o.Times.ClosedAt = nil, nil
		next = Assigned
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	data["from"], data["to"] = string(o.Status), string(next)
	o.Status = next
	return data, nil
}

func setOnce(t **time.Time, now time.Time) {
	if *t == nil {
		*t = &now
	}
}

// endHold closes a running hold and adds it to the paused total.
func endHold(o *Order, now time.Time) time.Duration {
	var d time.Duration
	if o.Times.HoldStartedAt != nil {
		d = now.Sub(*o.Times.HoldStartedAt)
		o.Times.Paused += d
	}
	o.Times.HoldStartedAt, o.HoldReason, o.HeldFrom = nil, nil, ""
	return d
}

func checkPosition(fe *domain.FieldErrors, prefix string, lat, lng float64) {
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		fe.Add(prefix+"lat", "must be between -90 and 90")
	}
	if math.IsNaN(lng) || lng < -180 || lng > 180 {
		fe.Add(prefix+"lng", "must be between -180 and 180")
	}
}

// DistanceM is the great-circle distance in metres (haversine).
func DistanceM(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
