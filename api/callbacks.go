package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/callback"
)

// callbackDTO shows c with the outcomes the caller may record on it now.
func (s *Server) callbackDTO(ctx context.Context, c callback.Callback) gen.Callback {
	out := gen.Callback{Id: c.ID, CustomerId: c.CustomerID, VehicleId: c.VehicleID, WorkOrderId: c.WorkOrderID, Seq: int32(c.Seq),
		DueAt: c.DueAt, Status: gen.CallbackStatus(c.Status), Version: int32(c.Version), Attempts: int32(c.Attempts), Notes: nullableOf(c.Notes),
		FollowUpWorkOrderId: nullableID(c.FollowUpOrderID), CompletedAt: nullableOf(c.CompletedAt), AllowedActions: []gen.CallbackAction{}}
	out.Outcome = nullableOf[gen.CallbackOutcome](nil)
	if c.Outcome != nil {
		o := gen.CallbackOutcome(*c.Outcome)
		out.Outcome = nullableOf(&o)
	}
	out.Satisfaction = nullableOf[int32](nil)
	if c.Satisfaction != nil {
		v := int32(*c.Satisfaction)
		out.Satisfaction = nullableOf(&v)
	}
	for _, a := range s.cfg.Callbacks.AllowedActions(ctx, c) {
		out.AllowedActions = append(out.AllowedActions, gen.CallbackAction(a))
	}
	return out
}

// ListCallbacks pages through callbacks, soonest due first.
func (s *Server) ListCallbacks(ctx context.Context, req gen.ListCallbacksRequestObject) (gen.ListCallbacksResponseObject, error) {
	p := req.Params
	f := callback.Filter{DueBefore: p.DueBefore, CustomerID: deref(p.CustomerId)}
	if p.Status != nil {
		f.Status = callback.Status(*p.Status)
	}
	page, err := s.cfg.Callbacks.List(ctx, f, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	items := mapItems(page.Items, func(c callback.Callback) gen.Callback { return s.callbackDTO(ctx, c) })
	return gen.ListCallbacks200JSONResponse{Items: items, NextCursor: nextCursor(page.Next)}, nil
}

// GetCallback returns one callback with its ETag.
func (s *Server) GetCallback(ctx context.Context, req gen.GetCallbackRequestObject) (gen.GetCallbackResponseObject, error) {
	c, err := s.cfg.Callbacks.Get(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetCallback200JSONResponse{Body: s.callbackDTO(ctx, c), Headers: gen.GetCallback200ResponseHeaders{ETag: etag(c.Version)}}, nil
}

// CompleteCallback records how a call went; a follow-up opens a repair
// request for the vehicle at the customer's address.
func (s *Server) CompleteCallback(ctx context.Context, req gen.CompleteCallbackRequestObject) (gen.CompleteCallbackResponseObject, error) {
	b := req.Body
	r := callback.Result{Outcome: callback.Outcome(b.Outcome), Notes: b.Notes, FollowUp: deref(b.FollowUp)}
	if b.Satisfaction != nil {
		v := int(*b.Satisfaction)
		r.Satisfaction = &v
	}
	c, err := s.cfg.Callbacks.Complete(ctx, req.Id, ifMatchVersion(req.Params.IfMatch), r)
	if err != nil {
		return nil, err
	}
	return gen.CompleteCallback200JSONResponse{Body: s.callbackDTO(ctx, c), Headers: gen.CompleteCallback200ResponseHeaders{ETag: etag(c.Version)}}, nil
}
