package api

import (
	"context"
	"strconv"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

// ListWorkOrderCandidates ranks technicians for an order.
func (s *Server) ListWorkOrderCandidates(ctx context.Context, req gen.ListWorkOrderCandidatesRequestObject) (gen.ListWorkOrderCandidatesResponseObject, error) {
	cs, err := s.cfg.WorkOrders.Candidates(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.ListWorkOrderCandidates200JSONResponse{Items: mapItems(cs, func(c workorder.Candidate) gen.Candidate {
		return gen.Candidate{TechnicianId: c.ID, DisplayName: c.DisplayName, OnDuty: c.OnDuty, HasSkills: c.HasSkills,
			DistanceKm: nullableOf(c.DistanceKM), OpenOrders: int32(c.OpenOrders), LastSeenAt: nullableOf(c.LastSeenAt)}
	})}, nil
}

// ReportLocation keeps the technician's latest position.
func (s *Server) ReportLocation(ctx context.Context, req gen.ReportLocationRequestObject) (gen.ReportLocationResponseObject, error) {
	b := req.Body
	err := s.cfg.WorkOrders.RecordLocation(ctx, workorder.Position{Lat: b.Lat, Lng: b.Lng, AccuracyM: b.AccuracyM}, b.RecordedAt)
	if err != nil {
		return nil, err
	}
	return gen.ReportLocation204Response{}, nil
}

// Sync answers the technician app.
func (s *Server) Sync(ctx context.Context, req gen.SyncRequestObject) (gen.SyncResponseObject, error) {
	var cursor *int64
	if req.Params.Cursor != nil {
		c, err := strconv.ParseInt(*req.Params.Cursor, 10, 64)
		if err != nil {
			return nil, domain.BadRequest("query.cursor", "is not a sync cursor")
		}
		cursor = &c
	}
	res, err := s.cfg.WorkOrders.Sync(ctx, cursor)
	if err != nil {
		return nil, err
	}
	return gen.Sync200JSONResponse{Items: mapItems(res.Items, s.workOrderDTO), Removed: res.Removed,
		Cursor: strconv.FormatInt(res.Cursor, 10), HasMore: res.HasMore}, nil
}
