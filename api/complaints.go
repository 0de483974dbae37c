package api

import (
	"context"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/complaint"
)

func (s *Server) complaintDTO(v complaint.View) gen.Complaint {
	c := v.Complaint
	out := gen.Complaint{Id: c.ID, CustomerId: c.CustomerID, WorkOrderId: nullableID(c.WorkOrderID), Channel: gen.Channel(c.Channel),
		Category: gen.ComplaintCategory(c.Category), Severity: gen.Severity(c.Severity), Description: c.Description,
		Status: gen.ComplaintStatus(c.Status), Version: int32(c.Version), OwnerId: c.OwnerID, AcknowledgeBy: c.AcknowledgeBy,
		ResolveBy: c.ResolveBy, Overdue: c.Overdue(s.cfg.Now()), Escalated: c.Escalated, Resolution: nullableOf(c.Resolution),
		CustomerInformed: c.CustomerInformed, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, AcknowledgedAt: nullableOf(c.AcknowledgedAt),
		ResolvedAt: nullableOf(c.ResolvedAt), ClosedAt: nullableOf(c.ClosedAt), Events: []gen.ComplaintEvent{},
		AllowedActions: mapItems(v.Allowed, func(a complaint.Action) gen.ComplaintAction { return gen.ComplaintAction(a) })}
	for _, e := range v.Events {
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		out.Events = append(out.Events, gen.ComplaintEvent{Type: gen.ComplaintEventType(e.Type), At: e.At, ActorId: nullableID(e.ActorID), Data: data})
	}
	return out
}

// complaintWithTimeline reads a complaint back with its timeline and ETag.
func (s *Server) complaintWithTimeline(ctx context.Context, id uuid.UUID) (gen.Complaint, *string, error) {
	v, err := s.cfg.Complaints.Get(ctx, id)
	if err != nil {
		return gen.Complaint{}, nil, err
	}
	return s.complaintDTO(v), etag(v.Version), nil
}

// CreateComplaint files a complaint.
func (s *Server) CreateComplaint(ctx context.Context, req gen.CreateComplaintRequestObject) (gen.CreateComplaintResponseObject, error) {
	b := req.Body
	c, err := s.cfg.Complaints.Create(ctx, complaint.NewComplaint{CustomerID: b.CustomerId, WorkOrderID: deref(b.WorkOrderId),
		Channel: string(b.Channel), Category: string(b.Category), Severity: complaint.Severity(b.Severity), Description: b.Description})
	if err != nil {
		return nil, err
	}
	dto, tag, err := s.complaintWithTimeline(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	loc := "/v1/complaints/" + c.ID.String()
	return gen.CreateComplaint201JSONResponse{Body: dto, Headers: gen.CreateComplaint201ResponseHeaders{ETag: tag, Location: &loc}}, nil
}

// ListComplaints pages through complaints.
func (s *Server) ListComplaints(ctx context.Context, req gen.ListComplaintsRequestObject) (gen.ListComplaintsResponseObject, error) {
	p := req.Params
	f := complaint.Filter{Overdue: deref(p.Overdue)}
	if p.Status != nil {
		f.Status = complaint.Status(*p.Status)
	}
	if p.Severity != nil {
		f.Severity = complaint.Severity(*p.Severity)
	}
	page, err := s.cfg.Complaints.List(ctx, f, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	// Lists leave the timeline to GET.
	return gen.ListComplaints200JSONResponse{Items: mapItems(page.Items, s.complaintDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetComplaint returns one complaint with its timeline.
func (s *Server) GetComplaint(ctx context.Context, req gen.GetComplaintRequestObject) (gen.GetComplaintResponseObject, error) {
	dto, tag, err := s.complaintWithTimeline(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetComplaint200JSONResponse{Body: dto, Headers: gen.GetComplaint200ResponseHeaders{ETag: tag}}, nil
}

// actOnComplaint runs a step and reads the complaint back.
func (s *Server) actOnComplaint(ctx context.Context, id uuid.UUID, ifMatch *string, st complaint.Step) (gen.Complaint, *string, error) {
	if _, err := s.cfg.Complaints.Act(ctx, id, ifMatchVersion(ifMatch), st); err != nil {
		return gen.Complaint{}, nil, err
	}
	return s.complaintWithTimeline(ctx, id)
}

// AcknowledgeComplaint acknowledges a complaint.
func (s *Server) AcknowledgeComplaint(ctx context.Context, req gen.AcknowledgeComplaintRequestObject) (gen.AcknowledgeComplaintResponseObject, error) {
	dto, tag, err := s.actOnComplaint(ctx, req.Id, req.Params.IfMatch, complaint.Step{Action: complaint.Acknowledge})
	if err != nil {
		return nil, err
	}
	return gen.AcknowledgeComplaint200JSONResponse{Body: dto, Headers: gen.AcknowledgeComplaint200ResponseHeaders{ETag: tag}}, nil
}

// ResolveComplaint resolves a complaint, the customer informed.
func (s *Server) ResolveComplaint(ctx context.Context, req gen.ResolveComplaintRequestObject) (gen.ResolveComplaintResponseObject, error) {
	dto, tag, err := s.actOnComplaint(ctx, req.Id, req.Params.IfMatch, complaint.Step{Action: complaint.Resolve,
		Resolution: req.Body.Resolution, CustomerInformed: req.Body.CustomerInformed})
	if err != nil {
		return nil, err
	}
	return gen.ResolveComplaint200JSONResponse{Body: dto, Headers: gen.ResolveComplaint200ResponseHeaders{ETag: tag}}, nil
}

// CloseComplaint closes a resolved complaint.
func (s *Server) CloseComplaint(ctx context.Context, req gen.CloseComplaintRequestObject) (gen.CloseComplaintResponseObject, error) {
	dto, tag, err := s.actOnComplaint(ctx, req.Id, req.Params.IfMatch, complaint.Step{Action: complaint.Close})
	if err != nil {
		return nil, err
	}
	return gen.CloseComplaint200JSONResponse{Body: dto, Headers: gen.CloseComplaint200ResponseHeaders{ETag: tag}}, nil
}

// ReopenComplaint reopens a resolved or closed complaint.
func (s *Server) ReopenComplaint(ctx context.Context, req gen.ReopenComplaintRequestObject) (gen.ReopenComplaintResponseObject, error) {
	dto, tag, err := s.actOnComplaint(ctx, req.Id, req.Params.IfMatch, complaint.Step{Action: complaint.Reopen, Reason: req.Body.Reason})
	if err != nil {
		return nil, err
	}
	return gen.ReopenComplaint200JSONResponse{Body: dto, Headers: gen.ReopenComplaint200ResponseHeaders{ETag: tag}}, nil
}
