package blob_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/fieldwork/fieldwork/infra/blob/blobtest"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/infra/blob"
)

// runContract checks what every Store must do; client makes the requests a
// holder of a presigned URL would.
func runContract(t *testing.T, s blob.Store, client *http.Client) {
	t.Run("Ping", func(t *testing.T) {
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})

	t.Run("PutGetRoundTrip", func(t *testing.T) {
		key, data := newKey(), []byte("\xff\xd8 not really a jpeg \x00\x01")
		mustPut(t, s, key, data, "image/jpeg")
		got, info := mustGet(t, s, key)
		if !bytes.Equal(got, data) {
			t.Errorf("Get bytes = %q, want %q", got, data)
		}
		if info.ContentType != "image/jpeg" || info.Size != int64(len(data)) || info.Key != key {
			t.Errorf("Get info = %+v, want key %s, size %d, image/jpeg", info, key, len(data))
		}
	})

	t.Run("Stat", func(t *testing.T) {
		key, data := newKey(), bytes.Repeat([]byte("x"), 1000)
		before := time.Now().Add(-time.Minute)
		mustPut(t, s, key, data, "image/png")
		info, err := s.Stat(t.Context(), key)
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		if info.Size != 1000 || info.ContentType != "image/png" || info.Key != key {
			t.Errorf("Stat = %+v, want key %s, size 1000, image/png", info, key)
		}
		if info.ModTime.Before(before) {
			t.Errorf("Stat ModTime = %v, want after %v", info.ModTime, before)
		}
	})

	t.Run("EmptyObject", func(t *testing.T) {
		key := newKey()
		mustPut(t, s, key, nil, "")
		got, info := mustGet(t, s, key)
		if len(got) != 0 || info.Size != 0 || info.ContentType != "application/octet-stream" {
			t.Errorf("Get = %q, %+v; want empty application/octet-stream", got, info)
		}
	})

	t.Run("MissingIsNotFound", func(t *testing.T) {
		key := newKey()
		if _, err := s.Stat(t.Context(), key); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Stat missing: err = %v, want ErrNotFound", err)
		}
		rc, _, err := s.Get(t.Context(), key)
		if !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Get missing: err = %v, want ErrNotFound", err)
		}
		if rc != nil {
			rc.Close()
			t.Error("Get missing returned a reader")
		}
	})

	t.Run("DeleteThenStat", func(t *testing.T) {
		key := newKey()
		mustPut(t, s, key, []byte("bye"), "text/plain")
		if err := s.Delete(t.Context(), key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Stat(t.Context(), key); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("Stat after Delete: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("DeleteMissing", func(t *testing.T) {
		if err := s.Delete(t.Context(), newKey()); err != nil {
			t.Errorf("Delete missing: %v, want nil", err)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		key := newKey()
		mustPut(t, s, key, []byte("first version, longer"), "image/jpeg")
		mustPut(t, s, key, []byte("second"), "image/png")
		got, info := mustGet(t, s, key)
		if string(got) != "second" || info.ContentType != "image/png" || info.Size != 6 {
			t.Errorf("Get after overwrite = %q, %+v; want second, image/png, 6", got, info)
		}
	})

	t.Run("PresignedPut", func(t *testing.T) {
		key, data := newKey(), []byte("uploaded by the phone")
		p, err := s.PresignPut(t.Context(), key, "image/jpeg", int64(len(data)), time.Minute)
		if err != nil {
			t.Fatalf("PresignPut: %v", err)
		}
		if p.Method != http.MethodPut || p.Headers["Content-Type"] != "image/jpeg" {
			t.Errorf("PresignPut = %+v, want PUT with Content-Type image/jpeg", p)
		}
		if d := time.Until(p.ExpiresAt); d < 50*time.Second || d > 2*time.Minute {
			t.Errorf("ExpiresAt is %v away, want about a minute", d)
		}
		if code, body := send(t, client, p, data); code/100 != 2 {
			t.Fatalf("presigned PUT: status %d: %s", code, body)
		}
		info, err := s.Stat(t.Context(), key)
		if err != nil {
			t.Fatalf("Stat after presigned PUT: %v", err)
		}
		if info.Size != int64(len(data)) || info.ContentType != "image/jpeg" {
			t.Errorf("Stat after presigned PUT = %+v", info)
		}
		if got, _ := mustGet(t, s, key); !bytes.Equal(got, data) {
			t.Errorf("Get after presigned PUT = %q, want %q", got, data)
		}
	})

	t.Run("PresignedGet", func(t *testing.T) {
		key, data := newKey(), []byte("for the customer portal")
		mustPut(t, s, key, data, "image/webp")
		p, err := s.PresignGet(t.Context(), key, time.Minute)
		if err != nil {
			t.Fatalf("PresignGet: %v", err)
		}
		resp := do(t, client, p, nil)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("presigned GET: status %d: %s", resp.StatusCode, body)
		}
		if !bytes.Equal(body, data) {
			t.Errorf("presigned GET body = %q, want %q", body, data)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/webp" {
			t.Errorf("presigned GET Content-Type = %q, want image/webp", ct)
		}
		if resp.ContentLength != int64(len(data)) {
			t.Errorf("presigned GET Content-Length = %d, want %d", resp.ContentLength, len(data))
		}
	})

	t.Run("PresignedPutOtherContentTypeRejected", func(t *testing.T) {
		key, data := newKey(), []byte("<script>alert(1)</script>")
		p, err := s.PresignPut(t.Context(), key, "image/jpeg", int64(len(data)), time.Minute)
		if err != nil {
			t.Fatalf("PresignPut: %v", err)
		}
		p.Headers["Content-Type"] = "text/html"
		if code, body := send(t, client, p, data); code/100 != 4 {
			t.Errorf("PUT with another Content-Type: status %d, want 4xx: %s", code, body)
		}
		assertMissing(t, s, key)
	})

	t.Run("PresignedPutOtherSizeRejected", func(t *testing.T) {
		for _, n := range []int{9, 11} {
			key := newKey()
			p, err := s.PresignPut(t.Context(), key, "image/jpeg", 10, time.Minute)
			if err != nil {
				t.Fatalf("PresignPut: %v", err)
			}
			if code, body := send(t, client, p, bytes.Repeat([]byte("z"), n)); code/100 != 4 {
				t.Errorf("PUT of %d bytes signed for 10: status %d, want 4xx: %s", n, code, body)
			}
			assertMissing(t, s, key)
		}
	})

	t.Run("PresignedPutReplayedOnOtherKeyRejected", func(t *testing.T) {
		key, other, data := newKey(), newKey(), []byte("replay")
		p, err := s.PresignPut(t.Context(), key, "image/jpeg", int64(len(data)), time.Minute)
		if err != nil {
			t.Fatalf("PresignPut: %v", err)
		}
		p.URL = swapKey(t, p.URL, key, other)
		if code, body := send(t, client, p, data); code != http.StatusForbidden {
			t.Errorf("PUT replayed on another key: status %d, want 403: %s", code, body)
		}
		assertMissing(t, s, other)
		assertMissing(t, s, key)
	})

	t.Run("PresignedGetReplayedAsPutRejected", func(t *testing.T) {
		key, data := newKey(), []byte("original")
		mustPut(t, s, key, data, "image/jpeg")
		p, err := s.PresignGet(t.Context(), key, time.Minute)
		if err != nil {
			t.Fatalf("PresignGet: %v", err)
		}
		p.Method = http.MethodPut
		p.Headers = map[string]string{"Content-Type": "image/jpeg"}
		if code, body := send(t, client, p, []byte("tampered")); code != http.StatusForbidden {
			t.Errorf("GET URL used for PUT: status %d, want 403: %s", code, body)
		}
		if got, _ := mustGet(t, s, key); !bytes.Equal(got, data) {
			t.Errorf("object changed to %q", got)
		}
	})

	t.Run("ExpiredRejected", func(t *testing.T) {
		key, data := newKey(), []byte("short-lived")
		mustPut(t, s, key, data, "image/jpeg")
		get, err := s.PresignGet(t.Context(), key, time.Second)
		if err != nil {
			t.Fatalf("PresignGet: %v", err)
		}
		putKey := newKey()
		put, err := s.PresignPut(t.Context(), putKey, "image/jpeg", int64(len(data)), time.Second)
		if err != nil {
			t.Fatalf("PresignPut: %v", err)
		}
		// Both stores count in whole seconds; a second past ExpiresAt is
		// past the real expiry whichever way they round.
		last := get.ExpiresAt
		if put.ExpiresAt.After(last) {
			last = put.ExpiresAt
		}
		time.Sleep(time.Until(last) + 1100*time.Millisecond)
		if code, body := send(t, client, get, nil); code != http.StatusForbidden {
			t.Errorf("expired GET: status %d, want 403: %s", code, body)
		}
		if code, body := send(t, client, put, data); code != http.StatusForbidden {
			t.Errorf("expired PUT: status %d, want 403: %s", code, body)
		}
		assertMissing(t, s, putKey)
	})

	t.Run("BadKeysRejected", func(t *testing.T) {
		bad := []string{
			"", "/photos/x", "photos/../x", "..", "photos/..", "photos//x", "photos/x/",
			`photos\x`, "photos/./x", "photos/.x", "photos/x\ny",
		}
		ctx := t.Context()
		for _, key := range bad {
			errs := map[string]error{}
			errs["Put"] = s.Put(ctx, key, strings.NewReader("x"), 1, "text/plain")
			rc, _, err := s.Get(ctx, key)
			if rc != nil {
				rc.Close()
			}
			errs["Get"] = err
			_, errs["Stat"] = s.Stat(ctx, key)
			errs["Delete"] = s.Delete(ctx, key)
			_, errs["PresignPut"] = s.PresignPut(ctx, key, "text/plain", 1, time.Minute)
			_, errs["PresignGet"] = s.PresignGet(ctx, key, time.Minute)
			for op, err := range errs {
				if !errors.Is(err, domain.ErrInvalid) {
					t.Errorf("%s(%q): err = %v, want ErrInvalid", op, key, err)
				}
			}
		}
	})
}

func TestDir(t *testing.T) {
	d, srv, _ := newDir(t, 0)
	runContract(t, d, srv.Client())
}

func TestS3(t *testing.T) {
	cfg, ok := blobtest.MinIO(t)
	if !ok {
		t.Skip("no MinIO: run the tests with `make test`")
	}
	s, err := blob.NewS3(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	t.Cleanup(func() { removeBucket(t, cfg) })

	// A second instance starting against the same bucket must not fail.
	if _, err := blob.NewS3(t.Context(), cfg); err != nil {
		t.Fatalf("NewS3 on an existing bucket: %v", err)
	}
	runContract(t, s, &http.Client{Timeout: 30 * time.Second})
}

// removeBucket empties and drops the test's bucket. It runs after
// t.Context is cancelled, hence its own context.
func removeBucket(t *testing.T, cfg blob.S3Config) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
	})
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	for obj := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Errorf("cleanup: list %s: %v", cfg.Bucket, obj.Err)
			return
		}
		if err := c.RemoveObject(ctx, cfg.Bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("cleanup: remove %s: %v", obj.Key, err)
		}
	}
	if err := c.RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Errorf("cleanup: remove bucket %s: %v", cfg.Bucket, err)
	}
}

func newKey() string { return "photos/2026/11/" + uuid.NewString() }

func mustPut(t *testing.T, s blob.Store, key string, data []byte, ct string) {
	t.Helper()
	if err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)), ct); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func mustGet(t *testing.T, s blob.Store, key string) ([]byte, blob.Info) {
	t.Helper()
	rc, info, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, info
}

func assertMissing(t *testing.T, s blob.Store, key string) {
	t.Helper()
	if info, err := s.Stat(t.Context(), key); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Stat %s = %+v, %v; want ErrNotFound", key, info, err)
	}
}

// do makes the presigned request with body (nil for none).
func do(t *testing.T, client *http.Client, p blob.Presigned, body []byte) *http.Response {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), p.Method, p.URL, r)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", p.Method, p.URL, err)
	}
	return resp
}

// send makes the presigned request and returns its status and body.
func send(t *testing.T, client *http.Client, p blob.Presigned, body []byte) (int, string) {
	t.Helper()
	resp := do(t, client, p, body)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// swapKey points a presigned URL at another key, keeping the signature.
func swapKey(t *testing.T, raw, from, to string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u.Path, "/"+from) {
		t.Fatalf("URL path %q does not end in the key %q", u.Path, from)
	}
	u.Path = strings.TrimSuffix(u.Path, from) + to
	u.RawPath = ""
	return u.String()
}
