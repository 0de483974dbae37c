package workorder

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Filter narrows List. Zero values mean "any".
type Filter struct {
	Statuses     []Status
	Type         Type
	CustomerID   uuid.UUID
	TechnicianID uuid.UUID
	Priority     Priority
	SLA          string // "breached" or "at_risk"
	CreatedFrom  *time.Time
	CreatedTo    *time.Time
	Sort         string // "created" (newest first) or "respond_by"
	// VisibleTo limits the list to a technician's orders, now or before.
	VisibleTo uuid.UUID
	// Now is the moment SLA filters are judged at.
	Now time.Time
}

// Repository is the storage the work-order service needs.
type Repository interface {
	Insert(ctx context.Context, o Order) error
	// Update saves o if its stored version is still prevVersion, else it
	// returns a precondition-failed error.
	Update(ctx context.Context, o Order, prevVersion int) error
	ByID(ctx context.Context, id uuid.UUID) (Order, error)
	// ByIDs reads the orders among ids that exist, in one round of queries.
	ByIDs(ctx context.Context, ids []uuid.UUID) ([]Order, error)
	List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[Order], error)
	// NextNumber hands out the next sequence number of the year, in the
	// caller's transaction, unique across instances.
	NextNumber(ctx context.Context, year int) (int64, error)
	// NextChangeSeq hands out a change sequence in commit order.
	NextChangeSeq(ctx context.Context) (int64, error)
	AddAssignment(ctx context.Context, orderID, technicianID uuid.UUID, at time.Time) error
	EverAssigned(ctx context.Context, orderID, technicianID uuid.UUID) (bool, error)
	// Changes lists orders ever assigned to the technician whose ChangeSeq is
	// above after, in ChangeSeq order, at most limit.
	Changes(ctx context.Context, technicianID uuid.UUID, after int64, limit int) ([]Order, error)
	// OpenAssigned lists the technician's unfinished orders in ChangeSeq
	// order, at most limit.
	OpenAssigned(ctx context.Context, technicianID uuid.UUID, limit int) ([]Order, error)
	MaxChangeSeq(ctx context.Context) (int64, error)
	// SaveLocation keeps a technician's latest position; an older report
	// than the one stored changes nothing.
	SaveLocation(ctx context.Context, technicianID uuid.UUID, p Position, recordedAt time.Time) error
}

// Technician is what dispatch needs to know of a technician.
type Technician struct {
	ID          uuid.UUID
	DisplayName string
	Phone       *string
	Enabled     bool
	OnDuty      bool
	Skills      []string
	Lat, Lng    *float64
	LastSeenAt  *time.Time
}

// Directory answers questions about other aggregates, by id.
type Directory interface {
	// VehiclesOfCustomer reports whether every id is a vehicle of the customer.
	VehiclesOfCustomer(ctx context.Context, customerID uuid.UUID, ids []uuid.UUID) (bool, error)
	CustomerExists(ctx context.Context, id uuid.UUID) (bool, error)
	// CustomerContact is the customer's contact and address.
	CustomerContact(ctx context.Context, id uuid.UUID) (Contact, error)
	// Technician finds an enabled user of role technician.
	Technician(ctx context.Context, id uuid.UUID) (Technician, error)
	Technicians(ctx context.Context) ([]Technician, error)
	OpenOrderCounts(ctx context.Context) (map[uuid.UUID]int, error)
	// Warranty is the warranty, on day, of the terminal installed on a vehicle.
	Warranty(ctx context.Context, vehicleID uuid.UUID, day time.Time) (WarrantySnapshot, error)
	// BillTotal is what the customer pays for the order, in fen.
	BillTotal(ctx context.Context, orderID uuid.UUID, install, inWarranty bool) (int64, error)
	Money
}

// Contact is who to call at a customer, and where it is.
type Contact struct {
	Name, Phone, Address string
}

// Notifier tells the customer and subscribers what happened, queued in the
// caller's transaction.
type Notifier interface {
	Notify(ctx context.Context, topic string, orderID, customerID uuid.UUID, data map[string]any) error
}

// ContractTerms are a contract's SLA terms as a new order takes them.
type ContractTerms struct {
	ID    uuid.UUID // zero: no contract
	Terms map[Priority]Term
}

// Contracts finds the contract an order is created under.
type Contracts interface {
	// InForce is the contract in force on the day of at over every one of
	// the customer's vehicles, zero when none; vehicles under different
	// contracts are invalid input.
	InForce(ctx context.Context, customerID uuid.UUID, vehicleIDs []uuid.UUID, at time.Time) (ContractTerms, error)
}

// Callbacks plans the calls back after an install, in the caller's transaction.
type Callbacks interface {
	Schedule(ctx context.Context, orderID, customerID uuid.UUID, vehicleIDs []uuid.UUID, installedAt time.Time) error
}

// Service runs the work-order lifecycle.
type Service struct {
	repo      Repository
	custody   Custody
	callbacks Callbacks
	inquiries Inquiries
	notifier  Notifier
	dir       Directory
	contracts Contracts
	tx        domain.Transactor
	events    domain.EventStore
	clock     domain.Clock
	sla       SLATerms
}

// NewService wires the work-order service.
func NewService(repo Repository, dir Directory, contracts Contracts, custody Custody, callbacks Callbacks, inquiries Inquiries, notifier Notifier,
	tx domain.Transactor, events domain.EventStore, clock domain.Clock, sla SLATerms) *Service {
	return &Service{repo: repo, dir: dir, contracts: contracts, custody: custody, callbacks: callbacks, inquiries: inquiries, notifier: notifier, tx: tx,
		events: events, clock: clock, sla: sla}
}

// termsOf are the SLA terms the order runs by: those it was created under.
func (s *Service) termsOf(o Order) SLATerms {
	if o.Terms != nil {
		return *o.Terms
	}
	return s.sla
}

// Clock is the service's clock, for callers that judge SLA at "now".
func (s *Service) Clock() domain.Clock { return s.clock }

// NewOrder is the input of Create.
type NewOrder struct {
	Type           Type
	CustomerID     uuid.UUID
	VehicleID      *uuid.UUID  // the vehicle to repair (repair orders)
	VehicleIDs     []uuid.UUID // the vehicles to fit (install orders)
	Site           Site
	Description    string
	FaultSymptoms  *string
	Priority       Priority
	ContactName    *string
	ContactPhone   *string
	ProductModel   *string
	PurchaseDate   *time.Time
	RequiredSkills []string
}

// Create records an install or repair request.
func (s *Service) Create(ctx context.Context, in NewOrder) (View, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return View{}, err
	}
	switch {
	case actor.IsStaff():
	case actor.Role == domain.RoleCustomer:
		if in.CustomerID != actor.CustomerID {
			return View{}, domain.Invalid("customer_id", "a customer user may only request work for its own customer")
		}
	default:
		return View{}, domain.Forbidden("this role may not create work orders")
	}
	now := s.clock.Now()
	o := Order{ID: domain.NewID(), Type: in.Type, Status: Requested, Version: 1, CustomerID: in.CustomerID,
		Priority: in.Priority, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	var fe domain.FieldErrors
	o.Description = domain.Text(&fe, "description", in.Description, 1, 4000)
	o.Site = validSite(&fe, in.Site)
	o.FaultSymptoms = domain.OptionalText(&fe, "fault_symptoms", in.FaultSymptoms, 2000)
	o.ContactName = domain.OptionalText(&fe, "contact_name", in.ContactName, 100)
	o.ContactPhone = domain.OptionalPhone(&fe, "contact_phone", in.ContactPhone)
	o.ProductModel = domain.OptionalText(&fe, "product_model", in.ProductModel, 100)
	o.PurchaseDate = in.PurchaseDate
	o.RequiredSkills = domain.Skills(&fe, "required_skills", in.RequiredSkills)
	switch in.Type {
	case Repair:
		if in.VehicleID == nil {
			fe.Add("vehicle_id", "a repair order names the vehicle to repair")
		} else {
			o.VehicleIDs = []uuid.UUID{*in.VehicleID}
		}
		if in.VehicleIDs != nil {
			fe.Add("vehicle_ids", "is only for install orders")
		}
	case Install:
		if len(in.VehicleIDs) == 0 {
			fe.Add("vehicle_ids", "an install order names at least one vehicle")
		}
		if in.VehicleID != nil {
			fe.Add("vehicle_id", "is only for repair orders")
		}
		if o.FaultSymptoms != nil {
			fe.Add("fault_symptoms", "is only for repair orders")
		}
		o.VehicleIDs = dedupe(in.VehicleIDs)
	default:
		fe.Add("type", "must be install or repair")
	}
	if in.PurchaseDate != nil && in.PurchaseDate.After(now) {
		fe.Add("purchase_date", "is in the future")
	}
	if err := fe.Err(); err != nil {
		return View{}, err
	}

	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.dir.CustomerExists(ctx, o.CustomerID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Invalid("customer_id", "no such customer")
		}
		ok, err = s.dir.VehiclesOfCustomer(ctx, o.CustomerID, o.VehicleIDs)
		if err != nil {
			return err
		}
		if !ok {
			field := "vehicle_ids"
			if o.Type == Repair {
				field = "vehicle_id"
			}
			return domain.Invalid(field, "not a vehicle of this customer")
		}
		// The contract in force today sets the deadlines, snapshotted on
		// the order.
		c, err := s.contracts.InForce(ctx, o.CustomerID, o.VehicleIDs, now)
		if err != nil {
			return err
		}
		if c.ID != uuid.Nil {
			terms := s.sla.Under(c.Terms)
			o.ContractID, o.Terms = c.ID, &terms
		}
		s.termsOf(o).deadlines(&o)
		n, err := s.repo.NextNumber(ctx, now.Year())
		if err != nil {
			return err
		}
		o.Number = fmt.Sprintf("WO-%d-%06d", now.Year(), n)
		if o.ChangeSeq, err = s.repo.NextChangeSeq(ctx); err != nil {
			return err
		}
		if err := s.repo.Insert(ctx, o); err != nil {
			return err
		}
		data := map[string]any{"to": string(Requested), "number": o.Number, "type": string(o.Type), "priority": string(o.Priority)}
		if o.ContractID != uuid.Nil {
			data["contract_id"] = o.ContractID.String()
		}
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, "work_order.created", actor.UserID, now, data))
	})
	if err != nil {
		return View{}, fmt.Errorf("create work order: %w", err)
	}
	// A new order has no unit work yet.
	return View{Order: o, Allowed: AllowedActions(actor, o, Facts{})}, nil
}

func validSite(fe *domain.FieldErrors, s Site) Site {
	s.Address = domain.Text(fe, "site.address", s.Address, 1, 500)
	if (s.Lat == nil) != (s.Lng == nil) {
		fe.Add("site", "lat and lng go together")
	} else if s.Lat != nil {
		checkPosition(fe, "site.", *s.Lat, *s.Lng)
	}
	return s
}

func dedupe(ids []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// canSee reports whether the actor may see the order at all.
func (s *Service) canSee(ctx context.Context, a domain.Actor, o Order) (bool, error) {
	switch a.Role {
	case domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher, domain.RoleFinance:
		return true, nil
	case domain.RoleCustomer:
		return a.CustomerID == o.CustomerID, nil
	case domain.RoleTechnician:
		if o.TechnicianID == a.UserID {
			return true, nil
		}
		return s.repo.EverAssigned(ctx, o.ID, a.UserID)
	}
	return false, nil
}

// Get returns one order the actor may see.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Order, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Order{}, err
	}
	o, err := s.repo.ByID(ctx, id)
	if err != nil {
		return Order{}, err
	}
	ok, err := s.canSee(ctx, actor, o)
	if err != nil {
		return Order{}, err
	}
	if !ok {
		return Order{}, domain.NotFound("work order")
	}
	return o, nil
}

// GetMany returns, by id, the orders among ids that the actor may see;
// the others are left out, as if they did not exist.
func (s *Service) GetMany(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]Order, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	orders, err := s.repo.ByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]Order, len(orders))
	for _, o := range orders {
		ok, err := s.canSee(ctx, actor, o)
		if err != nil {
			return nil, err
		}
		if ok {
			out[o.ID] = o
		}
	}
	return out, nil
}

// List pages through the orders the actor may see, as the actor sees them.
func (s *Service) List(ctx context.Context, f Filter, p domain.PageRequest) (domain.Page[View], error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return domain.Page[View]{}, err
	}
	switch actor.Role {
	case domain.RoleCustomer:
		if f.CustomerID != uuid.Nil && f.CustomerID != actor.CustomerID {
			return domain.Page[View]{Items: []View{}}, nil
		}
		f.CustomerID = actor.CustomerID
	case domain.RoleTechnician:
		f.VisibleTo = actor.UserID
	}
	if f.SLA != "" && f.SLA != "breached" && f.SLA != "at_risk" {
		return domain.Page[View]{}, domain.Invalid("sla", "must be breached or at_risk")
	}
	f.Now = s.clock.Now()
	page, err := s.repo.List(ctx, f, p.Normalize())
	if err != nil {
		return domain.Page[View]{}, err
	}
	items, err := s.views(ctx, page.Items)
	return domain.Page[View]{Items: items, Next: page.Next}, err
}

// Events returns the order's timeline, oldest first.
func (s *Service) Events(ctx context.Context, id uuid.UUID) ([]domain.Event, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.events.For(ctx, id)
}

// Edit is the input of Edit; absent fields stay as they are.
type Edit struct {
	Description  *string
	Site         *Site
	Priority     *Priority
	ContactName  domain.Patch[string]
	ContactPhone domain.Patch[string]
}

// Edit changes an order's details (staff) while it is not completed.
func (s *Service) Edit(ctx context.Context, id uuid.UUID, version *int, in Edit) (View, error) {
	allowed := func(ctx context.Context, actor domain.Actor, o Order) error {
		if !actor.IsStaff() {
			return domain.Forbidden("only staff may edit work orders")
		}
		if !o.Status.Open() {
			f, err := s.facts(ctx, o)
			if err != nil {
				return err
			}
			return stateConflict(o, "edit", AllowedActions(actor, o, f))
		}
		return nil
	}
	return s.changeView(ctx, id, version, allowed, func(_ context.Context, actor domain.Actor, o *Order, now time.Time) (string, map[string]any, error) {
		var fe domain.FieldErrors
		changes := map[string]any{}
		if in.Description != nil {
			o.Description = domain.Text(&fe, "description", *in.Description, 1, 4000)
			changes["description"] = o.Description
		}
		if in.Site != nil {
			o.Site = validSite(&fe, *in.Site)
			changes["site"] = map[string]any{"address": o.Site.Address, "lat": o.Site.Lat, "lng": o.Site.Lng}
		}
		if in.Priority != nil && *in.Priority != o.Priority {
			changes["priority"] = map[string]any{"from": string(o.Priority), "to": string(*in.Priority)}
			o.Priority = *in.Priority
			s.termsOf(*o).deadlines(o)
		}
		if in.ContactName.Set {
			o.ContactName = domain.OptionalText(&fe, "contact_name", in.ContactName.Value, 100)
			changes["contact_name"] = o.ContactName
		}
		if in.ContactPhone.Set {
			o.ContactPhone = domain.OptionalPhone(&fe, "contact_phone", in.ContactPhone.Value)
			changes["contact_phone"] = o.ContactPhone
		}
		if err := fe.Err(); err != nil || len(changes) == 0 {
			return "", nil, err // an edit that changes nothing is no event
		}
		return "work_order.edited", changes, nil
	})
}

// Transition performs a lifecycle action, if the rule that lists the
// actor's allowed actions admits it.
func (s *Service) Transition(ctx context.Context, id uuid.UUID, version *int, c Command) (View, error) {
	work := &changeWork{}
	allowed := func(ctx context.Context, actor domain.Actor, o Order) error {
		f, err := work.facts(ctx, s, o)
		if err != nil {
			return err
		}
		if err := judge(actor, o, f, c); err != nil {
			return err
		}
		return s.moneyAllows(ctx, o, c.Action)
	}
	return s.changeViewOf(ctx, id, version, work, allowed, func(ctx context.Context, actor domain.Actor, o *Order, now time.Time) (string, map[string]any, error) {
		var tech *Technician // the one checked, which the customer is told of
		if c.Action == Assign && c.Contractor == nil || c.Action == Reopen && c.TechnicianID != uuid.Nil {
			t, err := s.checkTechnician(ctx, c.TechnicianID)
			if err != nil {
				return "", nil, err
			}
			tech = &t
		}
		switch {
		case c.Action == Approve && o.Type == Repair && len(o.VehicleIDs) == 1:
			w, err := s.dir.Warranty(ctx, o.VehicleIDs[0], now)
			if err != nil {
				return "", nil, err
			}
			o.Warranty = &w
		}
		if c.Action == Complete && o.Type == Install && o.Times.CompletedAt == nil {
			// The first completion of an install plans its callbacks (回访);
			// completing rework does not plan them again.
			if err := s.callbacks.Schedule(ctx, o.ID, o.CustomerID, o.VehicleIDs, now); err != nil {
				return "", nil, err
			}
		}
		prevTech := o.TechnicianID
		data, err := apply(o, c, now)
		if err != nil {
			return "", nil, err
		}
		if o.TechnicianID != uuid.Nil && o.TechnicianID != prevTech {
			if err := s.repo.AddAssignment(ctx, o.ID, o.TechnicianID, now); err != nil {
				return "", nil, err
			}
		}
		if err := s.tell(ctx, *o, c, tech); err != nil {
			return "", nil, err
		}
		return "work_order." + string(c.Action), data, nil
	})
}

func (s *Service) checkTechnician(ctx context.Context, id uuid.UUID) (Technician, error) {
	if id == uuid.Nil {
		return Technician{}, domain.Invalid("technician_id", "is required")
	}
	t, err := s.dir.Technician(ctx, id)
	if err != nil || !t.Enabled {
		if err == nil || domain.KindOf(err) == domain.KindNotFound {
			return Technician{}, domain.Invalid("technician_id", "not an enabled technician")
		}
		return Technician{}, err
	}
	return t, nil
}

// refused says, per action, what a work order can't be.
var refused = map[string]string{
	"edit": "be edited", string(Approve): "be approved", string(Assign): "be assigned", string(Accept): "be accepted",
	string(Decline): "be declined", string(Depart): "be departed for", string(Arrive): "be checked in at",
	string(Complete): "be completed", string(Close): "be closed", string(Cancel): "be cancelled",
	string(Hold): "be put on hold", string(Resume): "be resumed", string(Reopen): "be reopened",
}

// stateConflict is the 409 naming the action, the current state and what
// the caller may do now.
func stateConflict(o Order, action string, allowedNow []Action) error {
	what, ok := refused[action]
	if !ok {
		what = "take the action " + action
	}
	allowed := []string{}
	for _, a := range allowedNow {
		allowed = append(allowed, string(a))
	}
	return &domain.Error{Kind: domain.KindConflict,
		Detail: fmt.Sprintf("%s: a work order in state %s can't %s", action, o.Status, what),
		Extra:  map[string]any{"current_state": string(o.Status), "allowed_actions": allowed}}
}

// change loads an order and applies fn, saving the order with fn's event,
// all in one transaction; fn gets the context that carries it. Checks run in
// the order of RFC 9110 §13.2.1: the request must be one that would succeed
// (visible 404, role 403, state 409) before its precondition is judged
// (If-Match 428, 412). fn returning no event type changes nothing.
func (s *Service) change(ctx context.Context, id uuid.UUID, version *int, allowed func(ctx context.Context, actor domain.Actor, o Order) error,
	fn func(ctx context.Context, actor domain.Actor, o *Order, now time.Time) (string, map[string]any, error)) (Order, error) {
	return s.update(ctx, id, func(ctx context.Context, actor domain.Actor, o Order) error {
		if err := allowed(ctx, actor, o); err != nil {
			return err
		}
		return domain.MatchVersion("order", o.Version, version)
	}, fn)
}

// update is change without If-Match, for the one write that takes none: the
// customer's feedback, which can be given only once anyway. allowed runs
// after the visibility check, then fn.
func (s *Service) update(ctx context.Context, id uuid.UUID, allowed func(ctx context.Context, actor domain.Actor, o Order) error,
	fn func(ctx context.Context, actor domain.Actor, o *Order, now time.Time) (string, map[string]any, error)) (Order, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return Order{}, err
	}
	var out Order
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		o, err := s.repo.ByID(ctx, id)
		if err != nil {
			return err
		}
		ok, err := s.canSee(ctx, actor, o)
		if err != nil {
			return err
		}
		if !ok {
			return domain.NotFound("work order")
		}
		if err := allowed(ctx, actor, o); err != nil {
			return err
		}
		now := s.clock.Now()
		prev := o.Version
		typ, data, err := fn(ctx, actor, &o, now)
		if err != nil || typ == "" {
			out = o
			return err
		}
		o.Version++
		o.UpdatedAt = now
		if o.ChangeSeq, err = s.repo.NextChangeSeq(ctx); err != nil {
			return err
		}
		if err := s.repo.Update(ctx, o, prev); err != nil {
			return err
		}
		out = o
		return s.events.Append(ctx, domain.NewEvent("work_order", o.ID, typ, actor.UserID, now, data))
	})
	if err != nil {
		return Order{}, fmt.Errorf("work order %s: %w", id, err)
	}
	return out, nil
}

// changeView is change, the order shown as the actor sees it after.
func (s *Service) changeView(ctx context.Context, id uuid.UUID, version *int, allowed func(ctx context.Context, actor domain.Actor, o Order) error,
	fn func(ctx context.Context, actor domain.Actor, o *Order, now time.Time) (string, map[string]any, error)) (View, error) {
	return s.changeViewOf(ctx, id, version, &changeWork{}, allowed, fn)
}

// changeViewOf is changeView showing the order from the unit work that
// allowed read through work.
func (s *Service) changeViewOf(ctx context.Context, id uuid.UUID, version *int, work *changeWork,
	allowed func(ctx context.Context, actor domain.Actor, o Order) error,
	fn func(ctx context.Context, actor domain.Actor, o *Order, now time.Time) (string, map[string]any, error)) (View, error) {
	o, err := s.change(ctx, id, version, allowed, fn)
	if err != nil {
		return View{}, err
	}
	return work.view(ctx, s, o)
}

// GiveFeedback records the customer's rating of completed work, once. Only a
// customer user of the order's customer may give it.
func (s *Service) GiveFeedback(ctx context.Context, id uuid.UUID, rating int, comment *string) (Order, error) {
	allowed := func(_ context.Context, actor domain.Actor, o Order) error {
		if actor.Role != domain.RoleCustomer {
			return domain.Forbidden("only the order's customer rates the work")
		}
		if o.Status != Completed && o.Status != Closed {
			return domain.Conflict("the work can be rated once it is completed; the order is %s", o.Status)
		}
		if o.Feedback != nil {
			return domain.Conflict("the work was rated already")
		}
		return nil
	}
	o, err := s.update(ctx, id, allowed, func(ctx context.Context, actor domain.Actor, o *Order, now time.Time) (string, map[string]any, error) {
		var fe domain.FieldErrors
		if rating < 1 || rating > 5 {
			fe.Add("rating", "must be 1 to 5")
		}
		c := domain.OptionalText(&fe, "comment", comment, 2000)
		if err := fe.Err(); err != nil {
			return "", nil, err
		}
		o.Feedback = &Feedback{Rating: rating, Comment: c, By: actor.UserID, At: now}
		return "work_order.feedback", map[string]any{"rating": rating, "comment": c}, nil
	})
	if err != nil {
		return Order{}, fmt.Errorf("feedback on %w", err)
	}
	return o, nil
}

// notified are the actions the customer hears of, by topic.
var notified = map[Action]string{Approve: "work_order.approved", Assign: "work_order.assigned", Depart: "work_order.departed",
	Arrive: "work_order.arrived", Complete: "work_order.completed"}

// tell queues the customer's notification of an action, in its
// transaction. tech is the technician the action checked, if any.
func (s *Service) tell(ctx context.Context, o Order, c Command, tech *Technician) error {
	topic, ok := notified[c.Action]
	if !ok {
		return nil
	}
	data := map[string]any{"number": o.Number, "status": string(o.Status)}
	switch c.Action {
	case Assign:
		if o.Contractor != nil {
			data["technician_name"], data["technician_phone"] = o.Contractor.Name, o.Contractor.Phone
		} else {
			if tech == nil || tech.ID != o.TechnicianID {
				t, err := s.dir.Technician(ctx, o.TechnicianID)
				if err != nil {
					return err
				}
				tech = &t
			}
			data["technician_name"], data["technician_phone"] = tech.DisplayName, tech.Phone
		}
	case Depart:
		if c.ETA != nil {
			data["eta"] = c.ETA.UTC().Format(time.RFC3339)
		}
	case Complete:
		total, err := s.dir.BillTotal(ctx, o.ID, o.Type == Install, o.Warranty != nil && o.Warranty.InWarranty)
		if err != nil {
			return err
		}
		data["bill_total"] = total
	}
	return s.notifier.Notify(ctx, topic, o.ID, o.CustomerID, data)
}
