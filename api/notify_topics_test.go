package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/fieldwork/fieldwork/api"
	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/notify"
	"github.com/fieldwork/fieldwork/infra/jobs"
)

// Every topic has a case here that makes it happen and then finds, through
// the API and a webhook receiver, its notification rows and their
// deliveries: a text to whoever the topic tells, and a signed POST to a
// subscribed webhook. A topic added to notify.Topics without a case fails.

// topicCase makes its topic happen for the fleet and returns the query
// (work_order_id= or complaint_id=) that lists its notifications.
type topicCase func(t *testing.T, e *env, f *fleet, run func(task string)) string

func topicCases() map[notify.Topic]topicCase {
	orderTo := func(steps int) topicCase {
		return func(t *testing.T, e *env, f *fleet, _ func(string)) string {
			o := e.createOrder(t, f.manager.Token, repairBody(*f, "high"))
			for i, s := range []struct {
				token  string
				action string
				body   any
			}{
				{f.manager.Token, "approve", nil},
				{f.dispatcher.Token, "assign", map[string]any{"technician_id": f.tech.ID}},
				{f.tech.Token, "accept", nil},
				{f.tech.Token, "depart", checklistOK},
				{f.tech.Token, "arrive", map[string]any{"lat": 22.5431, "lng": 114.0579}},
				{f.tech.Token, "complete", map[string]any{"resolution": "fixed"}},
			} {
				if i == steps {
					break
				}
				o = e.step(t, s.token, o, s.action, s.body)
			}
			return "work_order_id=" + o.ID.String()
		}
	}
	complaintTo := func(severity string, steps ...string) topicCase {
		return func(t *testing.T, e *env, f *fleet, _ func(string)) string {
			var c complaintOut
			e.do(t, req{method: "POST", path: "/v1/complaints", token: f.custUser.Token, body: complaintBody(f.customer, severity)}).
				expect(t, 201).decode(t, &c)
			for _, s := range steps {
				var body any
				if s == "resolve" {
					body = map[string]any{"resolution": "apologised; route fixed", "customer_informed": true}
				}
				e.complaintStep(t, f.dispatcher.Token, c, s, body).expect(t, 200).decode(t, &c)
			}
			return "complaint_id=" + c.ID.String()
		}
	}
	return map[notify.Topic]topicCase{
		notify.OrderApproved:     orderTo(1),
		notify.OrderAssigned:     orderTo(2),
		notify.OrderDeparted:     orderTo(4),
		notify.OrderArrived:      orderTo(5),
		notify.OrderCompleted:    orderTo(6),
		notify.ComplaintAcked:    complaintTo("minor", "acknowledge"),
		notify.ComplaintResolved: complaintTo("minor", "acknowledge", "resolve"),
		notify.ComplaintEscalated: func(t *testing.T, e *env, f *fleet, run func(string)) string {
			query := complaintTo("critical")(t, e, f, run)
			e.advance(t, f, 2*time.Hour) // past the hour a critical complaint has to be acknowledged
			run("escalate_complaints")
			return query
		},
		notify.OrderFeeNotice: func(t *testing.T, e *env, f *fleet, _ func(string)) string {
			o := e.outOfWarrantyRepair(t, f)
			e.addPart(t, f.tech.Token, o.ID, 1, 2500)
			e.issueNotice(t, f.tech.Token, o.ID, nil)
			return "work_order_id=" + o.ID.String()
		},
		notify.HandoverFlagged: func(t *testing.T, e *env, f *fleet, _ func(string)) string {
			o := e.outOfWarrantyRepair(t, f)
			e.addPart(t, f.tech.Token, o.ID, 1, 2500)
			e.agreeOnSite(t, f, o.ID)
			h := e.handOver(t, f.tech.Token, e.pay(t, f.tech.Token, o.ID, 2500, "cash").ID)
			finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
			e.do(t, req{method: "POST", path: "/v1/handovers/" + h.ID.String() + "/confirm", token: finance.Token,
				body: map[string]any{"counted_amount": 2400}}).expect(t, 200)
			return "work_order_id=" + o.ID.String()
		},
		notify.CallbackDue: func(t *testing.T, e *env, f *fleet, run func(string)) string {
			f.vehicles = f.vehicles[:1]
			o := e.completedInstall(t, f)
			e.advance(t, f, 31*24*time.Hour) // past the first callback's due date
			run("announce_callbacks_due")
			return "work_order_id=" + o.ID.String()
		},
	}
}

// Every topic the service knows is a topic of the spec, and has a case.
func TestNotifications_EveryTopicHasACase(t *testing.T) {
	doc, err := api.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	var spec []notify.Topic
	for _, v := range doc.Components.Schemas["Topic"].Value.Enum {
		spec = append(spec, notify.Topic(fmt.Sprint(v)))
	}
	if !slices.Equal(spec, notify.Topics) {
		t.Errorf("openapi.yaml's Topic is %v, notify.Topics is %v", spec, notify.Topics)
	}
	cases := topicCases()
	for _, topic := range notify.Topics {
		if cases[topic] == nil {
			t.Errorf("topic %s has no case in topicCases", topic)
		}
	}
	for topic := range cases {
		if !slices.Contains(notify.Topics, topic) {
			t.Errorf("topicCases has %s, which is not a topic", topic)
		}
	}
}

func TestNotifications_EveryTopicIsWrittenAndDelivered(t *testing.T) {
	withJobs := func(c *app.Config) { c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond }
	cases := topicCases()
	eachFooting(t, func(t *testing.T, e *env) {
		events, cancel := e.app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		run := func(task string) {
			t.Helper()
			job, err := e.app.Jobs.Insert(t.Context(), jobs.CleanupArgs{Task: task}, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitForJob(t, events, job.ID)
		}
		rcv := newReceiver(t)
		const secret = "a-webhook-secret-of-length"
		e.do(t, req{method: "POST", path: "/v1/webhooks", token: e.admin,
			body: map[string]any{"url": rcv.srv.URL, "events": notify.Topics, "secret": secret}}).expect(t, 201)

		for _, topic := range notify.Topics {
			t.Run(string(topic), func(t *testing.T) {
				f := e.newFleet(t)
				// The staff topics text the managers and dispatchers that have a phone.
				for _, u := range []user{f.manager, f.dispatcher} {
					e.do(t, req{method: "PATCH", path: "/v1/users/" + u.ID.String(), token: e.admin,
						body: map[string]any{"phone": "1390000" + randomDigits(4, len(topic))}}).expect(t, 200)
				}
				query := cases[topic](t, e, &f, run)

				type row struct {
					ID       uuid.UUID `json:"id"`
					Topic    string    `json:"topic"`
					Channel  string    `json:"channel"`
					Status   string    `json:"status"`
					Attempts []struct {
						OK bool `json:"ok"`
					} `json:"attempts"`
				}
				var rows []row
				delivered := func() bool {
					rows = rows[:0]
					for _, n := range listAll(t, e, f.manager.Token, "/v1/notifications?"+query, 50, func(n row) uuid.UUID { return n.ID }) {
						if n.Topic == string(topic) {
							rows = append(rows, n)
						}
					}
					sms, hooks := 0, 0
					for _, n := range rows {
						if n.Status != "delivered" || len(n.Attempts) == 0 || !n.Attempts[len(n.Attempts)-1].OK {
							return false
						}
						if n.Channel == "sms" {
							sms++
						} else {
							hooks++
						}
					}
					return sms > 0 && hooks == 1
				}
				for deadline := time.Now().Add(20 * time.Second); !delivered(); time.Sleep(50 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("%s: after 20 s, notifications %+v; want texts and one webhook, all delivered", topic, rows)
					}
				}
				var hook row
				for _, n := range rows {
					if n.Channel == "webhook" {
						hook = n
					}
				}
				got := rcv.waitFor(t, string(topic), func(ds []delivery) bool { return containsEvent(ds, hook.ID.String()) })
				for _, d := range got {
					if d.eventID != hook.ID.String() || d.failed {
						continue
					}
					var body struct {
						ID    uuid.UUID `json:"id"`
						Topic string    `json:"topic"`
					}
					if err := json.Unmarshal(d.body, &body); err != nil {
						t.Fatal(err)
					}
					if body.ID != hook.ID || body.Topic != string(topic) {
						t.Fatalf("the webhook got %s for notification %s of %s", d.body, hook.ID, topic)
					}
				}
			})
		}
	}, withJobs)
}
