package blob

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDirHandler_403_WhenExpired signs grants that expired an hour ago, which
// only the package itself can do, so no test has to sleep for it.
func TestDirHandler_403_WhenExpired(t *testing.T) {
	srv := httptest.NewServer(nil)
	defer srv.Close()
	d, err := NewDir(DirConfig{Root: t.TempDir(), BaseURL: srv.URL, Secret: []byte(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = d.Handler()
	key := "photos/2026/11/expired"
	if err := d.Put(t.Context(), key, strings.NewReader("x"), 1, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour).Unix()
	for _, g := range []grant{
		{method: http.MethodGet, key: key, expires: past, size: -1},
		{method: http.MethodPut, key: key, expires: past, contentType: "image/jpeg", size: 1},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), g.method, d.url(g), strings.NewReader("y"))
		req.Header.Set("Content-Type", "image/jpeg")
		if g.method == http.MethodGet {
			req.Body, req.ContentLength = nil, 0
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p problem
		err = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: decode problem: %v", g.method, err)
		}
		if resp.StatusCode != http.StatusForbidden || p.Detail != "URL has expired" {
			t.Errorf("%s with an expired URL: %d %+v, want 403 URL has expired", g.method, resp.StatusCode, p)
		}
	}
}
