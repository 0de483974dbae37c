package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	infranotify "github.com/fieldwork/fieldwork/infra/notify"
)

// receiver is a webhook endpoint that records deliveries and can fail some.
type receiver struct {
	mu       sync.Mutex
	got      []delivery
	failNext int
	srv      *httptest.Server
}

type delivery struct {
	eventID, timestamp, signature string
	body                          []byte
	failed                        bool
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		d := delivery{eventID: req.Header.Get("X-Fieldwork-Event-Id"), timestamp: req.Header.Get("X-Fieldwork-Timestamp"),
			signature: req.Header.Get("X-Fieldwork-Signature"), body: body}
		if r.failNext > 0 {
			r.failNext--
			d.failed = true
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		r.got = append(r.got, d)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// waitFor waits until cond holds of the deliveries, 20 s at most.
func (r *receiver) waitFor(t *testing.T, what string, cond func([]delivery) bool) []delivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r.mu.Lock()
		got := append([]delivery(nil), r.got...)
		r.mu.Unlock()
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d deliveries after 20 s", what, len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNotifications_TheCustomerAndWebhooksHearOfEveryStepSignedAndRetried(t *testing.T) {
	withJobs := func(c *app.Config) { c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond }
	eachFooting(t, func(t *testing.T, e *env) {
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		f := e.newFleet(t)
		rcv := newReceiver(t)
		rcv.failNext = 1 // the first delivery fails and is retried
		const secret = "a-webhook-secret-of-length"
		e.do(t, req{method: "POST", path: "/v1/webhooks", token: f.dispatcher.Token,
			body: map[string]any{"url": rcv.srv.URL, "events": []string{"work_order.approved"}, "secret": secret}}).expect(t, 403)
		e.do(t, req{method: "POST", path: "/v1/webhooks", token: e.admin,
			body: map[string]any{"url": rcv.srv.URL, "events": []string{"work_order.approved", "work_order.assigned", "work_order.departed",
				"work_order.arrived", "work_order.completed"}, "secret": secret}}).expect(t, 201)

		o := e.onSiteOrder(t, &f, repairBody(f, "high"))
		e.step(t, f.tech.Token, o, "complete", map[string]any{"resolution": "fixed"})
		got := rcv.waitFor(t, "five events, the first twice", func(d []delivery) bool {
			ok := map[string]bool{}
			for _, x := range d {
				if !x.failed {
					ok[x.eventID] = true
				}
			}
			return len(ok) == 5
		})
		if !got[0].failed || got[1].eventID != got[0].eventID && !containsEvent(got[1:], got[0].eventID) {
			t.Fatalf("the failed first delivery was not retried with its event id: %+v", got[:2])
		}
		for _, d := range got {
			if d.signature != infranotify.Signature(secret, d.timestamp, d.body) {
				t.Fatalf("bad signature on %s", d.body)
			}
		}

		var page struct {
			Items []struct {
				ID       uuid.UUID `json:"id"`
				Topic    string    `json:"topic"`
				Channel  string    `json:"channel"`
				Status   string    `json:"status"`
				Attempts []struct {
					OK bool `json:"ok"`
				} `json:"attempts"`
			} `json:"items"`
		}
		e.do(t, req{method: "GET", path: "/v1/notifications?work_order_id=" + o.ID.String() + "&limit=200", token: f.manager.Token}).expect(t, 200).decode(t, &page)
		sms, hooks := 0, 0
		for _, n := range page.Items {
			switch n.Channel {
			case "sms":
				sms++
			case "webhook":
				hooks++
			}
		}
		if sms != 5 || hooks != 5 {
			t.Fatalf("%d SMS and %d webhook notifications, want 5 and 5", sms, hooks)
		}
		e.do(t, req{method: "GET", path: "/v1/notifications?work_order_id=" + o.ID.String(), token: f.custUser.Token}).expect(t, 403)

		// Opting out of SMS (退订) stops the customer's texts, not the webhooks.
		e.do(t, req{method: "PATCH", path: "/v1/customers/" + f.customer.String(), token: f.dispatcher.Token, body: map[string]any{"sms_opt_out": true}}).expect(t, 200)
		o2 := e.createOrder(t, f.manager.Token, repairBody(f, "low"))
		e.step(t, f.manager.Token, o2, "approve", nil)
		e.do(t, req{method: "GET", path: "/v1/notifications?work_order_id=" + o2.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].Channel != "webhook" {
			t.Fatalf("after opting out: %+v", page.Items)
		}
	}, withJobs)
}

func containsEvent(ds []delivery, id string) bool {
	for _, d := range ds {
		if d.eventID == id && !d.failed {
			return true
		}
	}
	return false
}

func TestNotifications_DepartureCarriesTheETAWhenTheAppKnowsIt(t *testing.T) {
	withJobs := func(c *app.Config) { c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond }
	eachFooting(t, func(t *testing.T, e *env) {
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		f := e.newFleet(t)
		rcv := newReceiver(t)
		e.do(t, req{method: "POST", path: "/v1/webhooks", token: e.admin,
			body: map[string]any{"url": rcv.srv.URL, "events": []string{"work_order.departed"}, "secret": "a-webhook-secret-of-length"}}).expect(t, 201)
		o := e.createOrder(t, f.manager.Token, repairBody(f, "high"))
		o = e.step(t, f.manager.Token, o, "approve", nil)
		o = e.step(t, f.dispatcher.Token, o, "assign", map[string]any{"technician_id": f.tech.ID})
		o = e.step(t, f.tech.Token, o, "accept", nil)

		depart := func(eta time.Time) map[string]any {
			return map[string]any{"checklist": checklistOK["checklist"], "eta": eta.Format(time.RFC3339)}
		}
		now := e.clock.Now()
		before := e.woSnapshot(t, o.ID)
		for name, eta := range map[string]time.Time{"past": now.Add(-time.Minute), "now": now, "two days": now.Add(48 * time.Hour)} {
			r := e.act(t, f.tech.Token, o, "depart", depart(eta))
			if r.Status != 422 {
				t.Fatalf("eta %s: status %d, want 422; %s", name, r.Status, r.Body)
			}
		}
		e.woUnchanged(t, o.ID, before)

		eta := now.Add(40 * time.Minute).Truncate(time.Second)
		o = e.step(t, f.tech.Token, o, "depart", depart(eta))
		got := rcv.waitFor(t, "the departure", func(d []delivery) bool { return len(d) == 1 })
		var body struct {
			Topic string         `json:"topic"`
			Data  map[string]any `json:"data"`
		}
		if err := json.Unmarshal(got[0].body, &body); err != nil {
			t.Fatal(err)
		}
		if body.Topic != "work_order.departed" || body.Data["eta"] != eta.UTC().Format(time.RFC3339) {
			t.Fatalf("departure notice %s, want eta %s", got[0].body, eta.UTC().Format(time.RFC3339))
		}
		evs := e.woEvents(t, o.ID)
		if last := evs[len(evs)-1]; last.Data["eta"] != eta.UTC().Format(time.RFC3339) {
			t.Fatalf("departure event %+v lacks the eta", last)
		}
	}, withJobs)
}

// smsProvider is an HTTP SMS gateway as FIELDWORK_SMS_URL names one: it
// records what it is sent and can refuse some.
type smsProvider struct {
	mu       sync.Mutex
	texts    []map[string]string
	auth     []string
	failNext int
	srv      *httptest.Server
}

func newSMSProvider(t *testing.T) *smsProvider {
	p := &smsProvider{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var msg map[string]string
		_ = json.NewDecoder(req.Body).Decode(&msg)
		p.mu.Lock()
		defer p.mu.Unlock()
		p.auth = append(p.auth, req.Header.Get("Authorization"))
		if p.failNext > 0 {
			p.failNext--
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		p.texts = append(p.texts, msg)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestNotifications_SMSGoesThroughTheConfiguredProviderWithRetries(t *testing.T) {
	p := newSMSProvider(t)
	withProvider := func(c *app.Config) {
		c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond
		c.SMSURL, c.SMSKey = p.srv.URL, "provider-key"
	}
	eachFooting(t, func(t *testing.T, e *env) {
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		p.mu.Lock()
		p.texts, p.auth, p.failNext = nil, nil, 1 // the first send is refused and retried
		p.mu.Unlock()
		f := e.newFleet(t)
		o := e.createOrder(t, f.manager.Token, repairBody(f, "high"))
		o = e.step(t, f.manager.Token, o, "approve", nil)

		deadline := time.Now().Add(20 * time.Second)
		for {
			p.mu.Lock()
			texts, auth := append([]map[string]string(nil), p.texts...), append([]string(nil), p.auth...)
			p.mu.Unlock()
			if len(texts) == 1 {
				if texts[0]["to"] != "13800138000" || texts[0]["text"] != "Fieldwork: your order "+o.Number+" is approved." {
					t.Fatalf("provider got %+v", texts[0])
				}
				if len(auth) != 2 || auth[0] != "Bearer provider-key" || auth[1] != auth[0] {
					t.Fatalf("provider saw Authorization %q, want the key on the refused try and the retry", auth)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the provider got %d texts after 20 s", len(texts))
			}
			time.Sleep(20 * time.Millisecond)
		}
		var page struct {
			Items []struct {
				Channel  string `json:"channel"`
				Status   string `json:"status"`
				Attempts []struct {
					OK bool `json:"ok"`
				} `json:"attempts"`
			} `json:"items"`
		}
		// The provider answers before the attempt is recorded: wait for the record.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			e.do(t, req{method: "GET", path: "/v1/notifications?work_order_id=" + o.ID.String(), token: f.manager.Token}).expect(t, 200).decode(t, &page)
			if len(page.Items) != 1 || page.Items[0].Status == "delivered" || time.Now().After(deadline) {
				break
			}
		}
		if len(page.Items) != 1 || page.Items[0].Status != "delivered" || len(page.Items[0].Attempts) != 2 ||
			page.Items[0].Attempts[0].OK || !page.Items[0].Attempts[1].OK {
			t.Fatalf("the record of the SMS: %+v", page.Items)
		}
	}, withProvider)
}
