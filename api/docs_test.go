package api_test

import (
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// TestDocs_TryItOutCallsThisInstance: the spec served to /docs lists this
// instance first, as a relative URL, so "Try it out" calls the server that
// served the page; the example production host stays listed after it. A
// router built from the served spec, servers and all, still finds routes on
// whatever host the instance answers at.
func TestDocs_TryItOutCallsThisInstance(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		r := e.do(t, req{method: "GET", path: "/openapi.yaml"})
		doc, err := openapi3.NewLoader().LoadFromData(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Servers) < 2 || doc.Servers[0].URL != "/" || doc.Servers[1].URL != "https://fieldwork.example.com" {
			var urls []string
			for _, s := range doc.Servers {
				urls = append(urls, s.URL)
			}
			t.Fatalf("servers %q: want this instance (/) first, then the example host", urls)
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatal(err)
		}
		hr, _ := http.NewRequest("GET", e.srv.URL+"/v1/me", nil)
		route, _, err := router.FindRoute(hr)
		if err != nil || route.Operation.OperationID == "" {
			t.Fatalf("GET %s/v1/me: no route with the served servers: %v", e.srv.URL, err)
		}
	})
}
