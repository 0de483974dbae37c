package api

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/inquiry"
)

func (s *Server) inquiryDTO(q inquiry.Inquiry, evs []domain.Event) gen.Inquiry {
	out := gen.Inquiry{Id: q.ID, CustomerId: nullableID(q.CustomerID), CallerName: q.CallerName, CallerPhone: q.CallerPhone,
		Channel: gen.Channel(q.Channel), Question: q.Question, Answer: nullableOf(q.Answer), ReplyDueAt: nullableOf(q.ReplyDueAt),
		Status: gen.InquiryStatus(q.Status), Overdue: q.Overdue(s.cfg.Now()), OwnerId: nullableID(q.OwnerID), TakenBy: nullableID(q.TakenBy),
		WorkOrderId: nullableID(q.WorkOrderID), CreatedAt: q.CreatedAt, UpdatedAt: q.UpdatedAt, AnsweredAt: nullableOf(q.AnsweredAt),
		Events: []gen.InquiryEvent{}}
	for _, e := range evs {
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		out.Events = append(out.Events, gen.InquiryEvent{Type: gen.InquiryEventType(strings.TrimPrefix(e.Type, "inquiry.")), At: e.At,
			ActorId: nullableID(e.ActorID), Data: data})
	}
	return out
}

// CreateInquiry records an inquiry.
func (s *Server) CreateInquiry(ctx context.Context, req gen.CreateInquiryRequestObject) (gen.CreateInquiryResponseObject, error) {
	b := req.Body
	q, err := s.cfg.Inquiries.Create(ctx, inquiry.NewInquiry{CustomerID: deref(b.CustomerId), CallerName: b.CallerName, CallerPhone: b.CallerPhone,
		Channel: inquiry.Channel(b.Channel), Question: b.Question, Answer: b.Answer, ReplyDueAt: b.ReplyDueAt})
	if err != nil {
		return nil, err
	}
	dto, err := s.inquiryWithTimeline(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	loc := "/v1/inquiries/" + q.ID.String()
	return gen.CreateInquiry201JSONResponse{Body: dto, Headers: gen.CreateInquiry201ResponseHeaders{Location: &loc}}, nil
}

// inquiryWithTimeline reads an inquiry back with its timeline.
func (s *Server) inquiryWithTimeline(ctx context.Context, id uuid.UUID) (gen.Inquiry, error) {
	q, evs, err := s.cfg.Inquiries.Get(ctx, id)
	if err != nil {
		return gen.Inquiry{}, err
	}
	return s.inquiryDTO(q, evs), nil
}

// GetInquiry returns one inquiry with its timeline.
func (s *Server) GetInquiry(ctx context.Context, req gen.GetInquiryRequestObject) (gen.GetInquiryResponseObject, error) {
	dto, err := s.inquiryWithTimeline(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetInquiry200JSONResponse(dto), nil
}

// ListInquiries pages through the ledger.
func (s *Server) ListInquiries(ctx context.Context, req gen.ListInquiriesRequestObject) (gen.ListInquiriesResponseObject, error) {
	p := req.Params
	f := inquiry.Filter{Overdue: deref(p.Overdue)}
	switch owner := deref(p.OwnerId); owner {
	case "":
	case "none":
		f.Unowned = true
	default:
		id, err := uuid.Parse(owner)
		if err != nil {
			return nil, domain.BadRequest("owner_id", "must be a user id or none")
		}
		f.OwnerID = id
	}
	if p.Status != nil {
		f.Status = inquiry.Status(*p.Status)
	}
	page, err := s.cfg.Inquiries.List(ctx, f, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	items := make([]gen.Inquiry, len(page.Items))
	for i, q := range page.Items {
		items[i] = s.inquiryDTO(q, nil) // lists leave the timeline to GET
	}
	return gen.ListInquiries200JSONResponse{Items: items, NextCursor: nextCursor(page.Next)}, nil
}

// TakeInquiry gives an inquiry nobody owns to the staff member who takes it.
func (s *Server) TakeInquiry(ctx context.Context, req gen.TakeInquiryRequestObject) (gen.TakeInquiryResponseObject, error) {
	var replyDueAt *time.Time
	if req.Body != nil {
		replyDueAt = req.Body.ReplyDueAt
	}
	if _, err := s.cfg.Inquiries.Take(ctx, req.Id, replyDueAt); err != nil {
		return nil, err
	}
	dto, err := s.inquiryWithTimeline(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.TakeInquiry200JSONResponse(dto), nil
}

// HandOverInquiry passes an inquiry to another desk member.
func (s *Server) HandOverInquiry(ctx context.Context, req gen.HandOverInquiryRequestObject) (gen.HandOverInquiryResponseObject, error) {
	if _, err := s.cfg.Inquiries.HandOver(ctx, req.Id, req.Body.ToUserId, req.Body.Note); err != nil {
		return nil, err
	}
	dto, err := s.inquiryWithTimeline(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.HandOverInquiry200JSONResponse(dto), nil
}

// AnswerInquiry records the reply.
func (s *Server) AnswerInquiry(ctx context.Context, req gen.AnswerInquiryRequestObject) (gen.AnswerInquiryResponseObject, error) {
	if _, err := s.cfg.Inquiries.Answer(ctx, req.Id, req.Body.Answer); err != nil {
		return nil, err
	}
	dto, err := s.inquiryWithTimeline(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.AnswerInquiry200JSONResponse(dto), nil
}

// InquiryToWorkOrder turns an inquiry into a work order.
func (s *Server) InquiryToWorkOrder(ctx context.Context, req gen.InquiryToWorkOrderRequestObject) (gen.InquiryToWorkOrderResponseObject, error) {
	in, err := newOrder(*req.Body)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.WorkOrders.CreateFromInquiry(ctx, req.Id, in)
	if err != nil {
		return nil, err
	}
	dto, tag := s.oneWorkOrder(o)
	loc := "/v1/work-orders/" + o.ID.String()
	return gen.InquiryToWorkOrder201JSONResponse{Body: dto, Headers: gen.InquiryToWorkOrder201ResponseHeaders{ETag: tag, Location: &loc}}, nil
}
