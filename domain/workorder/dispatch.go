package workorder

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Candidate is a technician ranked for an order.
type Candidate struct {
	Technician
	HasSkills  bool
	DistanceKM *float64
	OpenOrders int
}

// Candidates ranks every enabled technician for the order: on duty first,
// then those with the required skills, then by distance from their latest
// position to the site, then by open workload. Nobody is left out: those off
// duty or with no known position come last.
func (s *Service) Candidates(ctx context.Context, id uuid.UUID) ([]Candidate, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.Is(domain.RoleAdmin, domain.RoleManager, domain.RoleDispatcher) {
		return nil, domain.Forbidden("only managers and dispatchers see candidates")
	}
	techs, err := s.dir.Technicians(ctx)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	counts, err := s.dir.OpenOrderCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	out := make([]Candidate, 0, len(techs))
	for _, t := range techs {
		if !t.Enabled {
			continue
		}
		c := Candidate{Technician: t, OpenOrders: counts[t.ID], HasSkills: hasAll(t.Skills, o.RequiredSkills)}
		if t.Lat != nil && t.Lng != nil && o.Site.Lat != nil && o.Site.Lng != nil {
			d := math.Round(DistanceM(*o.Site.Lat, *o.Site.Lng, *t.Lat, *t.Lng)/10) / 100
			c.DistanceKM = &d
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, compareCandidates)
	return out, nil
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func compareCandidates(a, b Candidate) int {
	rank := func(c Candidate) [3]int {
		return [3]int{boolRank(c.OnDuty), boolRank(c.HasSkills), boolRank(c.DistanceKM != nil)}
	}
	ra, rb := rank(a), rank(b)
	for i := range ra {
		if ra[i] != rb[i] {
			return ra[i] - rb[i]
		}
	}
	if a.DistanceKM != nil && b.DistanceKM != nil && *a.DistanceKM != *b.DistanceKM {
		if *a.DistanceKM < *b.DistanceKM {
			return -1
		}
		return 1
	}
	if a.OpenOrders != b.OpenOrders {
		return a.OpenOrders - b.OpenOrders
	}
	return bytes.Compare(a.ID[:], b.ID[:])
}

func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}

// RecordLocation keeps the calling technician's latest position.
func (s *Service) RecordLocation(ctx context.Context, p Position, recordedAt time.Time) error {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return err
	}
	if actor.Role != domain.RoleTechnician {
		return domain.Forbidden("only technicians report their location")
	}
	var fe domain.FieldErrors
	checkPosition(&fe, "", p.Lat, p.Lng)
	if recordedAt.After(s.clock.Now().Add(5 * time.Minute)) {
		fe.Add("recorded_at", "is in the future")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.repo.SaveLocation(ctx, actor.UserID, p, recordedAt.UTC())
}

// SyncResult is one answer to the technician app's sync.
type SyncResult struct {
	Items   []View
	Removed []uuid.UUID
	Cursor  int64
	HasMore bool
}

// SyncLimit bounds one sync answer; the app calls again while HasMore.
const SyncLimit = 200

// Sync returns the technician's orders that changed after the cursor (full
// objects) and the ids of those no longer theirs. Without a cursor it
// returns every open order of theirs. Change sequences are handed out in
// commit order, so a repeated call with the same cursor gives the same answer
// until something changes.
func (s *Service) Sync(ctx context.Context, cursor *int64) (SyncResult, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	if actor.Role != domain.RoleTechnician {
		return SyncResult{}, domain.Forbidden("sync is for technicians")
	}
	if cursor == nil {
		// The first sync is a snapshot of the open orders, in change order,
		// a page at a time: when there are more, the cursor is the last one's
		// sequence and the next call's changes hold the rest.
		var res SyncResult
		err := s.tx.InTx(ctx, func(ctx context.Context) error {
			max, err := s.repo.MaxChangeSeq(ctx)
			if err != nil {
				return err
			}
			items, err := s.repo.OpenAssigned(ctx, actor.UserID, SyncLimit+1)
			if err != nil {
				return err
			}
			res = SyncResult{Removed: []uuid.UUID{}, Cursor: max}
			if len(items) > SyncLimit {
				items, res.HasMore, res.Cursor = items[:SyncLimit], true, items[SyncLimit-1].ChangeSeq
			}
			res.Items, err = s.views(ctx, items)
			return err
		})
		return res, err
	}
	changed, err := s.repo.Changes(ctx, actor.UserID, *cursor, SyncLimit+1)
	if err != nil {
		return SyncResult{}, err
	}
	res := SyncResult{Removed: []uuid.UUID{}, Cursor: *cursor}
	if len(changed) > SyncLimit {
		changed, res.HasMore = changed[:SyncLimit], true
	}
	mine := []Order{}
	for _, o := range changed {
		if o.TechnicianID == actor.UserID {
			mine = append(mine, o)
		} else {
			res.Removed = append(res.Removed, o.ID)
		}
		res.Cursor = o.ChangeSeq
	}
	if res.Items, err = s.views(ctx, mine); err != nil {
		return SyncResult{}, err
	}
	return res, nil
}
