package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/infra/jobs"
)

type complaintOut struct {
	ID            uuid.UUID `json:"id"`
	Status        string    `json:"status"`
	Version       int       `json:"version"`
	Overdue       bool      `json:"overdue"`
	Escalated     bool      `json:"escalated"`
	AcknowledgeBy time.Time `json:"acknowledge_by"`
	ResolveBy     time.Time `json:"resolve_by"`
	Events        []struct {
		Type string `json:"type"`
	} `json:"events"`
}

func complaintBody(customer uuid.UUID, severity string) map[string]any {
	return map[string]any{"customer_id": customer, "channel": "phone", "category": "response_time", "severity": severity,
		"description": "The technician came a day late."}
}

func (e *env) complaintStep(t *testing.T, token string, c complaintOut, action string, body any) response {
	t.Helper()
	return e.do(t, req{method: "POST", path: "/v1/complaints/" + c.ID.String() + "/" + action, token: token, body: body,
		header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, c.Version)}})
}

func TestComplaint_HandledByItsSeverityToTheEnd(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		var c complaintOut
		e.do(t, req{method: "POST", path: "/v1/complaints", token: f.custUser.Token, body: complaintBody(f.customer, "critical")}).expect(t, 201).decode(t, &c)
		now := e.clock.Now()
		if c.Status != "open" || c.AcknowledgeBy.Sub(now) != time.Hour || c.ResolveBy.Sub(now) != 24*time.Hour {
			t.Fatalf("filed %+v", c)
		}
		e.do(t, req{method: "POST", path: "/v1/complaints/" + c.ID.String() + "/acknowledge", token: f.dispatcher.Token}).expect(t, 428)
		e.complaintStep(t, f.custUser.Token, c, "acknowledge", nil).expect(t, 403)
		e.complaintStep(t, f.dispatcher.Token, c, "resolve", map[string]any{"resolution": "x", "customer_informed": true}).expect(t, 409)
		e.complaintStep(t, f.dispatcher.Token, c, "acknowledge", nil).expect(t, 200).decode(t, &c)
		e.complaintStep(t, f.dispatcher.Token, c, "resolve", map[string]any{"resolution": "apologised", "customer_informed": false}).expect(t, 422)
		e.complaintStep(t, f.dispatcher.Token, c, "resolve", map[string]any{"resolution": "apologised; route fixed", "customer_informed": true}).expect(t, 200).decode(t, &c)
		e.complaintStep(t, f.dispatcher.Token, c, "close", nil).expect(t, 403)
		e.complaintStep(t, f.manager.Token, c, "close", nil).expect(t, 200).decode(t, &c)
		e.complaintStep(t, f.custUser.Token, c, "reopen", map[string]any{"reason": "it happened again"}).expect(t, 200).decode(t, &c)
		var full complaintOut
		e.do(t, req{method: "GET", path: "/v1/complaints/" + c.ID.String(), token: f.custUser.Token}).expect(t, 200).decode(t, &full)
		var types []string
		for _, ev := range full.Events {
			types = append(types, ev.Type)
		}
		if full.Status != "open" || fmt.Sprint(types) != "[created acknowledge resolve close reopen]" {
			t.Fatalf("after reopen: %s %v", full.Status, types)
		}
		other := e.newFleet(t)
		e.do(t, req{method: "GET", path: "/v1/complaints/" + c.ID.String(), token: other.custUser.Token}).expect(t, 404)
		e.do(t, req{method: "POST", path: "/v1/complaints", token: other.custUser.Token, body: complaintBody(f.customer, "minor")}).expect(t, 422)
		e.do(t, req{method: "POST", path: "/v1/complaints", token: f.tech.Token, body: complaintBody(f.customer, "minor")}).expect(t, 403)
		var page struct{ Items []complaintOut }
		e.do(t, req{method: "GET", path: "/v1/complaints", token: other.custUser.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 0 {
			t.Fatalf("another customer lists %+v", page.Items)
		}
	})
}

func TestComplaint_OverdueOnesAreListedAndEscalatedByTheJob(t *testing.T) {
	withJobs := func(c *app.Config) { c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond }
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		var critical, minor complaintOut
		e.do(t, req{method: "POST", path: "/v1/complaints", token: f.dispatcher.Token, body: complaintBody(f.customer, "critical")}).expect(t, 201).decode(t, &critical)
		e.do(t, req{method: "POST", path: "/v1/complaints", token: f.dispatcher.Token, body: complaintBody(f.customer, "minor")}).expect(t, 201).decode(t, &minor)

		events, cancel := e.app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		escalate := func() {
			t.Helper()
			job, err := e.app.Jobs.Insert(t.Context(), jobs.CleanupArgs{Task: "escalate_complaints"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitForJob(t, events, job.ID)
		}
		e.advance(t, &f, 2*time.Hour) // past the critical one's hour to acknowledge
		var page struct{ Items []complaintOut }
		e.do(t, req{method: "GET", path: "/v1/complaints?overdue=true", token: f.manager.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != critical.ID || !page.Items[0].Overdue {
			t.Fatalf("overdue: %+v", page.Items)
		}
		escalate()
		var got complaintOut
		e.do(t, req{method: "GET", path: "/v1/complaints/" + critical.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &got)
		if !got.Escalated || got.Events[len(got.Events)-1].Type != "escalated" {
			t.Fatalf("after the job: %+v", got)
		}
		e.do(t, req{method: "GET", path: "/v1/complaints/" + minor.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &got)
		if got.Escalated {
			t.Fatal("a complaint within its deadlines was escalated")
		}
		escalate() // once is enough: nothing new
		e.do(t, req{method: "GET", path: "/v1/complaints/" + critical.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &got)
		if n := len(got.Events); got.Events[n-2].Type == "escalated" {
			t.Fatalf("escalated twice: %+v", got.Events)
		}
	}, withJobs)
}
