package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

// etag is the strong ETag of a version.
func etag(version int) *string {
	s := `"` + strconv.Itoa(version) + `"`
	return &s
}

// ifMatchVersion reads If-Match; nil when absent. The spec's pattern has
// already admitted only digits, optionally quoted and weak-prefixed. A tag
// that is no version at all (0, or past any int) is 0, which the services
// answer with 412 saying just that.
func ifMatchVersion(h *string) *int {
	if h == nil {
		return nil
	}
	v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(*h, "W/"), `"`))
	if err != nil || v < 1 {
		v = 0
	}
	return &v
}

func siteDTO(s workorder.Site) gen.Site {
	return gen.Site{Address: s.Address, Lat: nullableOf(s.Lat), Lng: nullableOf(s.Lng)}
}

func siteIn(s gen.Site) workorder.Site {
	out := workorder.Site{Address: s.Address}
	if v, err := s.Lat.Get(); err == nil {
		out.Lat = &v
	}
	if v, err := s.Lng.Get(); err == nil {
		out.Lng = &v
	}
	return out
}

func minutesOf(m *int) nullable.Nullable[gen.Minutes] {
	if m == nil {
		return nullableOf[int32](nil)
	}
	v := int32(*m)
	return nullableOf(&v)
}

func (s *Server) workOrderDTO(v workorder.View) gen.WorkOrder {
	o := v.Order
	now := s.cfg.Now()
	sla := o.SLAAt(now)
	d := o.Durations()
	out := gen.WorkOrder{
		Id: o.ID, Number: o.Number, Type: gen.WorkOrderType(o.Type), Status: gen.WorkOrderStatus(o.Status), Version: int32(o.Version),
		CustomerId: o.CustomerID, VehicleIds: o.VehicleIDs, Site: siteDTO(o.Site), Description: o.Description,
		FaultSymptoms: nullableOf(o.FaultSymptoms), Priority: gen.Priority(o.Priority),
		ContactName: nullableOf(o.ContactName), ContactPhone: nullableOf(o.ContactPhone), ProductModel: nullableOf(o.ProductModel),
		RequiredSkills: o.RequiredSkills, Resolution: nullableOf(o.Resolution),
		Sla: gen.Sla{RespondBy: sla.RespondBy, ResolveBy: sla.ResolveBy, ResponseBreached: sla.ResponseBreached,
			ResolutionBreached: sla.ResolutionBreached, PausedMinutes: int32(sla.Paused / time.Minute)},
		ResponseMinutes: minutesOf(d.Response), WaitMinutes: minutesOf(d.Wait), TravelMinutes: minutesOf(d.Travel),
		RepairMinutes: minutesOf(d.Repair),
		CreatedBy:     o.CreatedBy, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		ApprovedAt: nullableOf(o.Times.ApprovedAt), DepartedAt: nullableOf(o.Times.DepartedAt),
		ArrivedAt: nullableOf(o.Times.ArrivedAt), CompletedAt: nullableOf(o.Times.CompletedAt),
		ClosedAt: nullableOf(o.Times.ClosedAt), CancelledAt: nullableOf(o.Times.CancelledAt),
		AllowedActions: []gen.WorkOrderAction{},
	}
	for _, a := range v.Allowed {
		out.AllowedActions = append(out.AllowedActions, gen.WorkOrderAction(a))
	}
	if o.PurchaseDate != nil {
		out.PurchaseDate = nullableOf(&openapi_types.Date{Time: *o.PurchaseDate})
	} else {
		out.PurchaseDate = nullableOf[openapi_types.Date](nil)
	}
	out.TechnicianId = nullableID(o.TechnicianID)
	out.Contractor = nullableOf[gen.Contractor](nil)
	if c := o.Contractor; c != nil {
		out.Contractor = nullableOf(&gen.Contractor{Name: c.Name, Phone: c.Phone, Reason: c.Reason})
	}
	out.CheckIn = nullableOf[gen.CheckIn](nil)
	if ci := o.CheckIn; ci != nil {
		out.CheckIn = nullableOf(&gen.CheckIn{Lat: ci.Lat, Lng: ci.Lng, AccuracyM: nullableOf(ci.AccuracyM),
			DistanceM: nullableOf(ci.DistanceM), FarFromSite: ci.Far, At: ci.At})
		out.FarFromSite = ci.Far
	}
	out.Installations, out.Swaps = []gen.Installation{}, []gen.Swap{}
	for _, w := range v.Work {
		if w.Install {
			out.Installations = append(out.Installations, gen.Installation{Id: w.ID, WorkOrderId: w.WorkOrderID, VehicleId: w.VehicleID,
				TerminalId: w.TerminalID, SimId: w.SimID, PhotoIds: photoIDs(w.PhotoIDs), TechnicianId: w.TechnicianID, At: w.At})
		} else {
			out.Swaps = append(out.Swaps, gen.Swap{Id: w.ID, WorkOrderId: w.WorkOrderID, VehicleId: w.VehicleID, Kind: gen.UnitKind(w.Kind),
				OldId: w.OldID, NewId: w.NewID, Reason: w.Reason, PhotoIds: photoIDs(w.PhotoIDs), TechnicianId: w.TechnicianID, At: w.At})
		}
	}
	out.Feedback = nullableOf[gen.Feedback](nil)
	if fb := o.Feedback; fb != nil {
		out.Feedback = nullableOf(&gen.Feedback{Rating: int32(fb.Rating), Comment: nullableOf(fb.Comment), GivenBy: fb.By, GivenAt: fb.At})
	}
	out.WarrantyAtApproval = nullableOf[gen.WarrantySnapshot](nil)
	if w := o.Warranty; w != nil {
		out.WarrantyAtApproval = nullableOf(&gen.WarrantySnapshot{TerminalId: nullableID(w.TerminalID), InWarranty: w.InWarranty,
			EndsOn: nullableDate(w.EndsOn)})
	}
	out.ContractId = nullableID(o.ContractID)
	out.Hold = nullableOf[gen.Hold](nil)
	if o.Status == workorder.OnHold && o.HoldReason != nil && o.Times.HoldStartedAt != nil {
		out.Hold = nullableOf(&gen.Hold{Reason: *o.HoldReason, ResumesTo: gen.WorkOrderStatus(o.HeldFrom), Since: *o.Times.HoldStartedAt})
	}
	return out
}

// oneWorkOrder converts one order and its ETag.
func (s *Server) oneWorkOrder(v workorder.View) (gen.WorkOrder, *string) {
	return s.workOrderDTO(v), etag(v.Version)
}

// newOrder reads a work order's creation body.
func newOrder(b gen.WorkOrderCreate) (workorder.NewOrder, error) {
	priority, err := workorder.ParsePriority(string(b.Priority))
	if err != nil {
		return workorder.NewOrder{}, malformed("priority", err)
	}
	in := workorder.NewOrder{Type: workorder.Type(b.Type), CustomerID: b.CustomerId, Site: siteIn(b.Site), Description: b.Description,
		FaultSymptoms: b.FaultSymptoms, Priority: priority, ContactName: b.ContactName, ContactPhone: b.ContactPhone,
		ProductModel: b.ProductModel, RequiredSkills: deref(b.RequiredSkills), VehicleID: b.VehicleId}
	if b.VehicleIds != nil {
		in.VehicleIDs = *b.VehicleIds
	}
	if b.PurchaseDate != nil {
		in.PurchaseDate = &b.PurchaseDate.Time
	}
	return in, nil
}

// CreateWorkOrder records an install or repair request.
func (s *Server) CreateWorkOrder(ctx context.Context, req gen.CreateWorkOrderRequestObject) (gen.CreateWorkOrderResponseObject, error) {
	in, err := newOrder(*req.Body)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.WorkOrders.Create(ctx, in)
	if err != nil {
		return nil, err
	}
	dto, tag := s.oneWorkOrder(o)
	loc := "/v1/work-orders/" + o.ID.String()
	return gen.CreateWorkOrder201JSONResponse{Body: dto, Headers: gen.CreateWorkOrder201ResponseHeaders{ETag: tag, Location: &loc}}, nil
}

// ListWorkOrders pages through orders.
func (s *Server) ListWorkOrders(ctx context.Context, req gen.ListWorkOrdersRequestObject) (gen.ListWorkOrdersResponseObject, error) {
	p := req.Params
	f := workorder.Filter{CustomerID: deref(p.CustomerId), TechnicianID: deref(p.TechnicianId), CreatedFrom: p.CreatedFrom, CreatedTo: p.CreatedTo}
	if p.Status != nil {
		for _, st := range *p.Status {
			f.Statuses = append(f.Statuses, workorder.Status(st))
		}
	}
	if p.Type != nil {
		f.Type = workorder.Type(*p.Type)
	}
	if p.Priority != nil {
		priority, err := workorder.ParsePriority(string(*p.Priority))
		if err != nil {
			return nil, malformed("query.priority", err)
		}
		f.Priority = priority
	}
	if p.Sla != nil {
		f.SLA = string(*p.Sla)
	}
	if p.Sort != nil {
		f.Sort = string(*p.Sort)
	}
	page, err := s.cfg.WorkOrders.List(ctx, f, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListWorkOrders200JSONResponse{Items: mapItems(page.Items, s.workOrderDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetWorkOrder returns one order with its ETag.
func (s *Server) GetWorkOrder(ctx context.Context, req gen.GetWorkOrderRequestObject) (gen.GetWorkOrderResponseObject, error) {
	o, err := s.cfg.WorkOrders.Read(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	dto, tag := s.oneWorkOrder(o)
	return gen.GetWorkOrder200JSONResponse{Body: dto, Headers: gen.GetWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// UpdateWorkOrder edits an order's details.
func (s *Server) UpdateWorkOrder(ctx context.Context, req gen.UpdateWorkOrderRequestObject) (gen.UpdateWorkOrderResponseObject, error) {
	b := req.Body
	in := workorder.Edit{Description: b.Description, ContactName: patchOf(b.ContactName), ContactPhone: patchOf(b.ContactPhone)}
	if b.Site != nil {
		site := siteIn(*b.Site)
		in.Site = &site
	}
	if b.Priority != nil {
		p, err := workorder.ParsePriority(string(*b.Priority))
		if err != nil {
			return nil, malformed("priority", err)
		}
		in.Priority = &p
	}
	o, err := s.cfg.WorkOrders.Edit(ctx, req.Id, ifMatchVersion(req.Params.IfMatch), in)
	if err != nil {
		return nil, err
	}
	dto, tag := s.oneWorkOrder(o)
	return gen.UpdateWorkOrder200JSONResponse{Body: dto, Headers: gen.UpdateWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// transition runs one lifecycle action and returns the order and its ETag.
func (s *Server) transition(ctx context.Context, id uuid.UUID, ifMatch *string, c workorder.Command) (gen.WorkOrder, *string, error) {
	o, err := s.cfg.WorkOrders.Transition(ctx, id, ifMatchVersion(ifMatch), c)
	if err != nil {
		return gen.WorkOrder{}, nil, err
	}
	dto, tag := s.oneWorkOrder(o)
	return dto, tag, nil
}

// ApproveWorkOrder is the manager's approval.
func (s *Server) ApproveWorkOrder(ctx context.Context, req gen.ApproveWorkOrderRequestObject) (gen.ApproveWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Approve})
	if err != nil {
		return nil, err
	}
	return gen.ApproveWorkOrder200JSONResponse{Body: o, Headers: gen.ApproveWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// AssignWorkOrder gives the order to a technician or a contractor.
func (s *Server) AssignWorkOrder(ctx context.Context, req gen.AssignWorkOrderRequestObject) (gen.AssignWorkOrderResponseObject, error) {
	c := workorder.Command{Action: workorder.Assign, TechnicianID: deref(req.Body.TechnicianId)}
	if ct := req.Body.Contractor; ct != nil {
		c.Contractor = &workorder.Contractor{Name: ct.Name, Phone: ct.Phone, Reason: ct.Reason}
	}
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, c)
	if err != nil {
		return nil, err
	}
	return gen.AssignWorkOrder200JSONResponse{Body: o, Headers: gen.AssignWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// AcceptWorkOrder is the technician taking the job.
func (s *Server) AcceptWorkOrder(ctx context.Context, req gen.AcceptWorkOrderRequestObject) (gen.AcceptWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Accept})
	if err != nil {
		return nil, err
	}
	return gen.AcceptWorkOrder200JSONResponse{Body: o, Headers: gen.AcceptWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// DeclineWorkOrder is the technician handing the job back.
func (s *Server) DeclineWorkOrder(ctx context.Context, req gen.DeclineWorkOrderRequestObject) (gen.DeclineWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Decline, Reason: req.Body.Reason})
	if err != nil {
		return nil, err
	}
	return gen.DeclineWorkOrder200JSONResponse{Body: o, Headers: gen.DeclineWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// DepartWorkOrder starts the journey after the pre-departure check.
func (s *Server) DepartWorkOrder(ctx context.Context, req gen.DepartWorkOrderRequestObject) (gen.DepartWorkOrderResponseObject, error) {
	cl := req.Body.Checklist
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Depart,
		Checklist: workorder.Checklist{DetailsVerified: cl.DetailsVerified, ToolsReady: cl.ToolsReady, PartsReady: cl.PartsReady},
		ETA:       req.Body.Eta})
	if err != nil {
		return nil, err
	}
	return gen.DepartWorkOrder200JSONResponse{Body: o, Headers: gen.DepartWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// ArriveWorkOrder checks the technician in on site.
func (s *Server) ArriveWorkOrder(ctx context.Context, req gen.ArriveWorkOrderRequestObject) (gen.ArriveWorkOrderResponseObject, error) {
	b := req.Body
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Arrive,
		Position: workorder.Position{Lat: b.Lat, Lng: b.Lng, AccuracyM: b.AccuracyM}})
	if err != nil {
		return nil, err
	}
	return gen.ArriveWorkOrder200JSONResponse{Body: o, Headers: gen.ArriveWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// CompleteWorkOrder records the work as done.
func (s *Server) CompleteWorkOrder(ctx context.Context, req gen.CompleteWorkOrderRequestObject) (gen.CompleteWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Complete, Resolution: req.Body.Resolution})
	if err != nil {
		return nil, err
	}
	return gen.CompleteWorkOrder200JSONResponse{Body: o, Headers: gen.CompleteWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// CloseWorkOrder closes a completed order.
func (s *Server) CloseWorkOrder(ctx context.Context, req gen.CloseWorkOrderRequestObject) (gen.CloseWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Close})
	if err != nil {
		return nil, err
	}
	return gen.CloseWorkOrder200JSONResponse{Body: o, Headers: gen.CloseWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// CancelWorkOrder cancels an unfinished order.
func (s *Server) CancelWorkOrder(ctx context.Context, req gen.CancelWorkOrderRequestObject) (gen.CancelWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Cancel, Reason: req.Body.Reason})
	if err != nil {
		return nil, err
	}
	return gen.CancelWorkOrder200JSONResponse{Body: o, Headers: gen.CancelWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// HoldWorkOrder pauses an order.
func (s *Server) HoldWorkOrder(ctx context.Context, req gen.HoldWorkOrderRequestObject) (gen.HoldWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Hold, Reason: req.Body.Reason})
	if err != nil {
		return nil, err
	}
	return gen.HoldWorkOrder200JSONResponse{Body: o, Headers: gen.HoldWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// ResumeWorkOrder ends a hold.
func (s *Server) ResumeWorkOrder(ctx context.Context, req gen.ResumeWorkOrderRequestObject) (gen.ResumeWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Resume})
	if err != nil {
		return nil, err
	}
	return gen.ResumeWorkOrder200JSONResponse{Body: o, Headers: gen.ResumeWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// ReopenWorkOrder sends finished work back for rework.
func (s *Server) ReopenWorkOrder(ctx context.Context, req gen.ReopenWorkOrderRequestObject) (gen.ReopenWorkOrderResponseObject, error) {
	o, tag, err := s.transition(ctx, req.Id, req.Params.IfMatch, workorder.Command{Action: workorder.Reopen, Reason: req.Body.Reason,
		TechnicianID: deref(req.Body.TechnicianId)})
	if err != nil {
		return nil, err
	}
	return gen.ReopenWorkOrder200JSONResponse{Body: o, Headers: gen.ReopenWorkOrder200ResponseHeaders{ETag: tag}}, nil
}

// ListWorkOrderEvents returns the order's timeline.
func (s *Server) ListWorkOrderEvents(ctx context.Context, req gen.ListWorkOrderEventsRequestObject) (gen.ListWorkOrderEventsResponseObject, error) {
	evs, err := s.cfg.WorkOrders.Events(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.ListWorkOrderEvents200JSONResponse{Items: mapItems(evs, eventDTO)}, nil
}

func eventDTO(e domain.Event) gen.WorkOrderEvent {
	out := gen.WorkOrderEvent{Id: e.ID, Type: e.Type, At: e.At, Data: map[string]any{}}
	out.ActorId = nullableID(e.ActorID)
	state := func(k string) nullable.Nullable[gen.WorkOrderStatus] {
		if v, ok := e.Data[k].(string); ok {
			st := gen.WorkOrderStatus(v)
			return nullableOf(&st)
		}
		return nullableOf[gen.WorkOrderStatus](nil)
	}
	out.From, out.To = state("from"), state("to")
	for k, v := range e.Data {
		if k != "from" && k != "to" {
			out.Data[k] = v
		}
	}
	return out
}

// GiveFeedback records the customer's rating of the work.
func (s *Server) GiveFeedback(ctx context.Context, req gen.GiveFeedbackRequestObject) (gen.GiveFeedbackResponseObject, error) {
	o, err := s.cfg.WorkOrders.GiveFeedback(ctx, req.Id, int(req.Body.Rating), req.Body.Comment)
	if err != nil {
		return nil, err
	}
	fb := o.Feedback
	return gen.GiveFeedback201JSONResponse{Rating: int32(fb.Rating), Comment: nullableOf(fb.Comment), GivenBy: fb.By, GivenAt: fb.At}, nil
}
