package api_test

import (
	"testing"
)

func TestHealthz_200(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		e.do(t, req{method: "GET", path: "/healthz"}).expect(t, 200)
		e.do(t, req{method: "GET", path: "/readyz"}).expect(t, 200)
	})
}

func TestReadyz_503_WhenDatabaseIsDown(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		if err := e.app.DB.Close(); err != nil {
			t.Fatal(err)
		}
		p := e.do(t, req{method: "GET", path: "/readyz"}).expect(t, 503).problem(t)
		if p.Detail != "unreachable: database" {
			t.Fatalf("detail %q", p.Detail)
		}
	})
}

func TestUnknownRoute_404Problem(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		e.do(t, req{method: "GET", path: "/v1/nothing-here", token: e.admin}).expect(t, 404)
		e.do(t, req{method: "DELETE", path: "/v1/customers", token: e.admin}).expect(t, 405)
	})
}

func TestRequestID_EchoedOrGenerated(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		r := e.do(t, req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": "abc-123"}})
		if got := r.Header.Get("X-Request-Id"); got != "abc-123" {
			t.Fatalf("request id %q", got)
		}
		r = e.do(t, req{method: "GET", path: "/healthz", header: map[string]string{"X-Request-Id": "bad id with spaces"}})
		if got := r.Header.Get("X-Request-Id"); got == "" || got == "bad id with spaces" {
			t.Fatalf("request id %q", got)
		}
	})
}

func TestDocsAndSpecAreServed(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		r := e.do(t, req{method: "GET", path: "/openapi.yaml"})
		if r.Status != 200 || len(r.Body) < 1000 {
			t.Fatalf("openapi.yaml: %d", r.Status)
		}
		r = e.do(t, req{method: "GET", path: "/docs/"})
		if r.Status != 200 || !contains(r.Body, "/openapi.yaml") {
			t.Fatalf("docs: %d %s", r.Status, r.Body)
		}
		r = e.do(t, req{method: "GET", path: "/metrics"})
		if r.Status != 200 || !contains(r.Body, "fieldwork_http_request_duration_seconds_bucket") {
			t.Fatalf("metrics: %d", r.Status)
		}
	})
}

func contains(b []byte, s string) bool { return len(b) > 0 && stringContains(string(b), s) }
