package workorder

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldwork/fieldwork/domain"
)

// SLATerms are the on-site deadlines per priority; resolution is due
// ResolveFactor times as late, unless Resolve gives it for the priority.
type SLATerms struct {
	Respond       map[Priority]time.Duration
	ResolveFactor int
	// Resolve, where set, is a priority's resolution time (a contract's).
	Resolve map[Priority]time.Duration
}

// For is a priority's response and resolution times.
func (t SLATerms) For(p Priority) (respond, resolve time.Duration) {
	respond = t.Respond[p]
	if r, ok := t.Resolve[p]; ok {
		return respond, r
	}
	return respond, respond * time.Duration(t.ResolveFactor)
}

// Term is one priority's limits under a contract.
type Term struct {
	Respond, Resolve time.Duration
}

// Under is t with a contract's terms in place of its own for the
// priorities the contract names, every priority's resolution spelled out,
// so the result no longer depends on t.
func (t SLATerms) Under(contract map[Priority]Term) SLATerms {
	out := SLATerms{Respond: map[Priority]time.Duration{}, Resolve: map[Priority]time.Duration{}} // no factor: Resolve has every priority
	for _, p := range Priorities {
		out.Respond[p], out.Resolve[p] = t.For(p)
		if c, ok := contract[p]; ok {
			out.Respond[p], out.Resolve[p] = c.Respond, c.Resolve
		}
	}
	return out
}

// DefaultSLA is on site within urgent 4 h, high 8 h, normal 24 h, low 72 h,
// completed within twice that.
func DefaultSLA() SLATerms {
	return SLATerms{Respond: map[Priority]time.Duration{
		Urgent: 4 * time.Hour, High: 8 * time.Hour, Normal: 24 * time.Hour, Low: 72 * time.Hour,
	}, ResolveFactor: 2}
}

// ParseSLA reads terms like "urgent=4h,high=8h,normal=24h,low=72h"; missing
// priorities keep their defaults.
func ParseSLA(s string) (SLATerms, error) {
	t := DefaultSLA()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		d, err := time.ParseDuration(strings.TrimSpace(v))
		p := Priority(strings.TrimSpace(k))
		if _, known := t.Respond[p]; !ok || !known || err != nil || d <= 0 {
			return SLATerms{}, fmt.Errorf("SLA term %q: want priority=duration, e.g. urgent=4h", part)
		}
		t.Respond[p] = d
	}
	return t, nil
}

// deadlines sets the order's respond_by and resolve_by from its creation.
func (t SLATerms) deadlines(o *Order) {
	respond, resolve := t.For(o.Priority)
	o.Times.RespondBy = o.CreatedAt.Add(respond)
	o.Times.ResolveBy = o.CreatedAt.Add(resolve)
}

// AtRiskWindow is how close to a deadline an order counts as at risk.
const AtRiskWindow = time.Hour

// SLA is the order's service-level state at a moment.
type SLA struct {
	RespondBy          time.Time
	ResolveBy          time.Time
	ResponseBreached   bool
	ResolutionBreached bool
	// Paused is the time on hold so far, which moves the resolution deadline.
	Paused time.Duration
}

// SLAAt computes the SLA view at now. Response runs from creation to the
// first arrival; resolution from creation to completion, less time on hold.
func (o Order) SLAAt(now time.Time) SLA {
	paused := o.Times.Paused
	if o.Times.HoldStartedAt != nil {
		paused += now.Sub(*o.Times.HoldStartedAt)
	}
	s := SLA{RespondBy: o.Times.RespondBy, ResolveBy: o.Times.ResolveBy, Paused: paused}
	end := now
	if o.Times.CancelledAt != nil {
		end = *o.Times.CancelledAt
	}
	// A finished order's SLA no longer moves with the clock; one finished
	// without an arrival (a contractor's) was on site by its completion.
	if o.Status == Completed || o.Status == Closed {
		end = *o.Times.CompletedAt
	}
	if o.Times.ArrivedAt != nil {
		s.ResponseBreached = o.Times.ArrivedAt.After(o.Times.RespondBy)
	} else {
		s.ResponseBreached = end.After(o.Times.RespondBy)
	}
	// A running hold extends the deadline as it goes, so time on hold never
	// counts against resolution.
	s.ResolutionBreached = end.After(o.Times.ResolveBy.Add(paused))
	return s
}

// Durations are the measured intervals, in whole minutes; nil until both
// ends have happened.
type Durations struct {
	Response, Wait, Travel, Repair *int
}

// Durations measures created→arrived, approved→departed, departed→arrived
// and arrived→completed.
func (o Order) Durations() Durations {
	created := o.CreatedAt
	return Durations{
		Response: minutes(&created, o.Times.ArrivedAt),
		Wait:     minutes(o.Times.ApprovedAt, o.Times.DepartedAt),
		Travel:   minutes(o.Times.DepartedAt, o.Times.ArrivedAt),
		Repair:   minutes(o.Times.ArrivedAt, o.Times.CompletedAt),
	}
}

func minutes(from, to *time.Time) *int {
	if from == nil || to == nil {
		return nil
	}
	m := int(to.Sub(*from) / time.Minute)
	return &m
}

// Breached reports whether either deadline is missed at now.
func (o Order) Breached(now time.Time) bool {
	s := o.SLAAt(now)
	return s.ResponseBreached || s.ResolutionBreached
}

// AtRisk reports whether an open order, not yet breached, has a deadline
// within AtRiskWindow: not yet on site near respond_by, or not yet complete
// near its (hold-adjusted) resolution deadline.
func (o Order) AtRisk(now time.Time) bool {
	if !o.Status.Open() || o.Breached(now) {
		return false
	}
	soon := now.Add(AtRiskWindow)
	if o.Times.ArrivedAt == nil && !o.Times.RespondBy.After(soon) {
		return true
	}
	return o.Status != OnHold && !o.Times.ResolveBy.Add(o.Times.Paused).After(soon)
}

// Replay recomputes an order's milestones from its timeline, so that a test
// can hold the stored numbers to the events that explain them. respond_by
// and resolve_by come from the terms and the priority the timeline last set.
func Replay(events []domain.Event, terms SLATerms) (Times, error) {
	var t Times
	var created time.Time
	var priority Priority
	for _, e := range events {
		at := e.At
		switch strings.TrimPrefix(e.Type, "work_order.") {
		case "created":
			created = at
			p, _ := e.Data["priority"].(string)
			priority = Priority(p)
		case "edited":
			if ch, ok := e.Data["priority"].(map[string]any); ok {
				p, _ := ch["to"].(string)
				priority = Priority(p)
			}
		case string(Approve):
			setOnce(&t.ApprovedAt, at)
		case string(Depart):
			setOnce(&t.DepartedAt, at)
		case string(Arrive):
			setOnce(&t.ArrivedAt, at)
		case string(Complete):
			t.CompletedAt = &at
		case string(Close):
			t.ClosedAt = &at
		case string(Reopen):
			t.ClosedAt = nil
		case string(Hold):
			t.HoldStartedAt = &at
		case string(Resume), string(Cancel):
			if t.HoldStartedAt != nil {
				t.Paused += at.Sub(*t.HoldStartedAt)
				t.HoldStartedAt = nil
			}
			if e.Type == "work_order.cancel" {
				t.CancelledAt = &at
			}
		}
	}
	if _, ok := terms.Respond[priority]; created.IsZero() || !ok {
		return Times{}, fmt.Errorf("replay: the timeline has no creation with a known priority")
	}
	respond, resolve := terms.For(priority)
	t.RespondBy = created.Add(respond)
	t.ResolveBy = created.Add(resolve)
	return t, nil
}
