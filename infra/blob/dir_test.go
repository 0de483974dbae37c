package blob_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/infra/blob"
)

// newDir serves a Dir the way the app does: its handler mounted at /blobs/
// on the server its BaseURL names.
func newDir(t *testing.T, maxSize int64) (*blob.Dir, *httptest.Server, string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	root := t.TempDir()
	d, err := blob.NewDir(blob.DirConfig{
		Root:    root,
		BaseURL: srv.URL,
		Secret:  []byte("0123456789abcdef0123456789abcdef"),
		MaxSize: maxSize,
	})
	if err != nil {
		t.Fatalf("NewDir: %v", err)
	}
	mux.Handle("/blobs/", d.Handler())
	return d, srv, root
}

func TestDirPut_400_WhenBodyDiffersFromSignedUpload(t *testing.T) {
	d, srv, root := newDir(t, 0)
	cases := []struct {
		name    string
		ct      string
		body    string
		chunked bool // no Content-Length, so only streaming can catch it
	}{
		{"LongerDeclared", "image/jpeg", "0123456789A", false},
		{"ShorterDeclared", "image/jpeg", "012345678", false},
		{"LongerChunked", "image/jpeg", "0123456789A", true},
		{"ShorterChunked", "image/jpeg", "012345678", true},
		{"OtherContentType", "image/png", "0123456789", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := newKey()
			p, err := d.PresignPut(t.Context(), key, "image/jpeg", 10, time.Minute)
			if err != nil {
				t.Fatalf("PresignPut: %v", err)
			}
			req, err := http.NewRequestWithContext(t.Context(), p.Method, p.URL, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tc.ct)
			if tc.chunked {
				req.Body = io.NopCloser(strings.NewReader(tc.body))
				req.ContentLength = -1
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			assertProblem(t, resp, http.StatusBadRequest)
			assertMissing(t, d, key)
			assertNoFiles(t, root)
		})
	}
}

func TestDirPut_403_WhenURLTampered(t *testing.T) {
	d, srv, root := newDir(t, 0)
	key := newKey()
	p, err := d.PresignPut(t.Context(), key, "image/jpeg", 3, time.Minute)
	if err != nil {
		t.Fatalf("PresignPut: %v", err)
	}
	tamper := map[string]func(url.Values){
		"Signature":   func(q url.Values) { q.Set("sig", strings.Repeat("0", 64)) },
		"NoSignature": func(q url.Values) { q.Del("sig") },
		"Expiry":      func(q url.Values) { q.Set("expires", "9999999999") },
		"Size":        func(q url.Values) { q.Set("size", "4") },
		"Type":        func(q url.Values) { q.Set("type", "text/html") },
	}
	for name, f := range tamper {
		t.Run(name, func(t *testing.T) {
			u, _ := url.Parse(p.URL)
			q := u.Query()
			f(q)
			u.RawQuery = q.Encode()
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, u.String(), strings.NewReader("abc"))
			req.Header.Set("Content-Type", q.Get("type"))
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			assertProblem(t, resp, http.StatusForbidden)
			assertNoFiles(t, root)
		})
	}
}

func TestDirHandler_405_ForOtherMethods(t *testing.T) {
	d, srv, _ := newDir(t, 0)
	p, err := d.PresignGet(t.Context(), newKey(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, p.URL, nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if allow := resp.Header.Get("Allow"); allow != "GET, PUT" {
		t.Errorf("Allow = %q", allow)
	}
	assertProblem(t, resp, http.StatusMethodNotAllowed)
}

func TestDirGet_404_WhenSignedButMissing(t *testing.T) {
	d, srv, _ := newDir(t, 0)
	p, err := d.PresignGet(t.Context(), newKey(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Get(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	assertProblem(t, resp, http.StatusNotFound)
}

func TestDirPresignPut_RefusesMoreThanMaxSize(t *testing.T) {
	d, _, _ := newDir(t, 100)
	if _, err := d.PresignPut(t.Context(), newKey(), "image/jpeg", 101, time.Minute); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("PresignPut over MaxSize: err = %v, want ErrInvalid", err)
	}
	if err := d.Put(t.Context(), newKey(), strings.NewReader(strings.Repeat("x", 101)), -1, ""); err == nil {
		t.Error("Put of unknown size over MaxSize succeeded")
	}
}

func TestDir_StaysInsideRoot(t *testing.T) {
	d, _, root := newDir(t, 0)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A symlink planted under root must not lead reads or writes out of it.
	if err := os.Symlink(outside, filepath.Join(root, "photos")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat(t.Context(), "photos/secret"); err == nil {
		t.Error("Stat followed a symlink out of the root")
	}
	if rc, _, err := d.Get(t.Context(), "photos/secret"); err == nil {
		rc.Close()
		t.Error("Get followed a symlink out of the root")
	}
	if err := d.Put(t.Context(), "photos/planted", strings.NewReader("x"), 1, ""); err == nil {
		t.Error("Put followed a symlink out of the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("file written outside the root: %v", err)
	}
}

// TestDirPut_StreamsLargeBody sends 15 MiB through the handler and checks
// that neither side held the body in memory: TotalAlloc counts every byte
// allocated during the upload, so buffering it would add at least 15 MiB.
func TestDirPut_StreamsLargeBody(t *testing.T) {
	const size = 15 << 20
	d, srv, _ := newDir(t, 0)
	key := newKey()
	p, err := d.PresignPut(t.Context(), key, "image/jpeg", size, time.Minute)
	if err != nil {
		t.Fatalf("PresignPut: %v", err)
	}
	req, err := http.NewRequestWithContext(t.Context(), p.Method, p.URL, &pattern{left: size})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", p.Headers["Content-Type"])

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: status %d: %s", resp.StatusCode, body)
	}

	t.Logf("15 MiB upload: heap grew %d bytes, %d bytes allocated in all (docs/performance.md)",
		int64(after.HeapAlloc)-int64(before.HeapAlloc), after.TotalAlloc-before.TotalAlloc)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Errorf("heap grew by %d bytes over a %d byte upload", grew, size)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 4<<20 {
		t.Errorf("allocated %d bytes during a %d byte upload; the body is being buffered", allocated, size)
	}

	rc, info, err := d.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	if info.Size != size {
		t.Errorf("stored %d bytes, want %d", info.Size, size)
	}
	got, want := sha256.New(), sha256.New()
	if _, err := io.Copy(got, rc); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(want, &pattern{left: size}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Error("stored bytes differ from the upload")
	}
}

// pattern yields left deterministic bytes without allocating them.
type pattern struct {
	left int64
	off  int64
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	for i := range b {
		b[i] = byte((p.off + int64(i)) % 251)
	}
	p.off += int64(len(b))
	p.left -= int64(len(b))
	return len(b), nil
}

func assertProblem(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatalf("decode problem: %v", err)
	}
	if p.Type != "about:blank" || p.Status != status || p.Title != http.StatusText(status) || p.Detail == "" {
		t.Errorf("problem = %+v", p)
	}
}

// assertNoFiles checks that a rejected upload left nothing behind, not
// even in the temp directory.
func assertNoFiles(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
