package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/idempotency"
)

// Idempotency-Key handling (draft-ietf-httpapi-idempotency-key-header).
const (
	headerIdempotencyKey = "Idempotency-Key"
	// idempotencyTTL is how long a key is remembered.
	idempotencyTTL = 24 * time.Hour
	// idempotencyWait is how long a retry waits for the first request.
	idempotencyWait = 10 * time.Second
	// idempotencyStale is when an unfinished first request is presumed dead.
	idempotencyStale = time.Minute
)

// replayedHeaders are the response headers a replay repeats; the rest
// (request id, rate limits) belong to the retry itself.
var replayedHeaders = []string{echo.HeaderContentType, "ETag", "Location"}

// idempotent makes an authenticated POST with an Idempotency-Key run once.
// The key is claimed in the transaction that does the work and records its
// response, so a request costs one commit, and the response is sent only
// after it. A concurrent retry, on any instance, inserts the same key and
// waits on the database until the first commits (and then replays it) or
// rolls back (and then runs itself). A failed request leaves no key behind,
// so a retry runs again, and neither does a process that dies mid-request.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		key := req.Header.Get(headerIdempotencyKey)
		actor, ok := domain.ActorFrom(req.Context())
		if req.Method != http.MethodPost || key == "" || !ok || s.cfg.Idempotency == nil {
			return next(c)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return requestProblem(err)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.Sum256(append([]byte(req.Method+" "+req.URL.Path+"\n"), body...))
		now := s.cfg.Now().UTC()
		rec := idempotency.Record{UserID: actor.UserID, Key: key, Method: req.Method, Path: req.URL.Path,
			RequestHash: hex.EncodeToString(sum[:]), CreatedAt: now, ExpiresAt: now.Add(idempotencyTTL)}

		err = s.runOnce(c, next, rec, true)
		var h heldKey
		if !errors.As(err, &h) {
			return err
		}
		held := h.rec
		if held.RequestHash != rec.RequestHash {
			return domain.Invalid("Idempotency-Key", "was used for another request; use a new key")
		}
		// A key committed in progress was claimed on its own, by an
		// instance of an earlier release: wait for it, or take it over.
		if held, err = s.awaitFirst(req.Context(), held, now); err != nil {
			return err
		}
		if held.State == idempotency.Done {
			return replay(c, held)
		}
		return s.runOnce(c, next, rec, false)
	}
}

// heldKey is the answer of a claim that found the key held.
type heldKey struct{ rec idempotency.Record }

func (heldKey) Error() string { return "idempotency key held" }

// awaitFirst waits for the first request with the key to finish. A first
// request that has been running too long is presumed dead, and this one
// takes over (its state stays in progress).
func (s *Server) awaitFirst(ctx context.Context, held idempotency.Record, now time.Time) (idempotency.Record, error) {
	deadline := time.Now().Add(idempotencyWait)
	for held.State != idempotency.Done {
		took, err := s.cfg.Idempotency.TakeOver(ctx, held.UserID, held.Key, now.Add(-idempotencyStale), now)
		if err != nil || took {
			return held, err
		}
		if time.Now().After(deadline) {
			return held, domain.Conflict("a request with this Idempotency-Key is still being processed; retry later")
		}
		select {
		case <-ctx.Done():
			return held, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if held, err = s.cfg.Idempotency.Get(ctx, held.UserID, held.Key); err != nil {
			if errors.Is(err, domain.ErrNotFound) { // the first failed and released it
				return held, domain.Conflict("the first request with this Idempotency-Key failed; retry")
			}
			return held, err
		}
	}
	return held, nil
}

// runOnce runs the handler in a transaction that also records its
// response, and claims the key first in that transaction when claim is
// set; otherwise the key was taken over, and a failure releases it.
func (s *Server) runOnce(c echo.Context, next echo.HandlerFunc, rec idempotency.Record, claim bool) error {
	res := c.Response()
	real := res.Writer
	buf := &bufferedWriter{header: real.Header()}
	res.Writer = buf
	ctx := c.Request().Context()
	err := s.cfg.Tx.InTx(ctx, func(txctx context.Context) error {
		if claim {
			held, claimed, err := s.cfg.Idempotency.Claim(txctx, rec)
			if err != nil {
				return err
			}
			if !claimed {
				return heldKey{held}
			}
		}
		c.SetRequest(c.Request().WithContext(txctx))
		defer c.SetRequest(c.Request().WithContext(ctx))
		if err := next(c); err != nil {
			return err
		}
		if res.Status >= 400 {
			return errNotRecorded
		}
		rec.State, rec.Status, rec.Body = idempotency.Done, res.Status, buf.body.Bytes()
		rec.Header = map[string]string{}
		for _, h := range replayedHeaders {
			if v := real.Header().Get(h); v != "" {
				rec.Header[h] = v
			}
		}
		return s.cfg.Idempotency.Complete(txctx, rec)
	})
	res.Writer = real
	if err != nil {
		if !claim {
			if rerr := s.cfg.Idempotency.Release(context.WithoutCancel(ctx), rec.UserID, rec.Key); rerr != nil {
				loggerFrom(ctx).Error("release idempotency key", "error", rerr.Error())
			}
		}
		if errors.Is(err, errNotRecorded) {
			return buf.flush(real, res.Status)
		}
		res.Committed = false
		return err
	}
	return buf.flush(real, res.Status)
}

var errNotRecorded = errors.New("error responses are not recorded")

func replay(c echo.Context, rec idempotency.Record) error {
	h := c.Response().Header()
	for k, v := range rec.Header {
		h.Set(k, v)
	}
	h.Set("Idempotent-Replayed", "true")
	c.Response().WriteHeader(rec.Status)
	_, err := c.Response().Write(rec.Body)
	return err
}

// bufferedWriter holds a response until its transaction commits.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

func (b *bufferedWriter) flush(w http.ResponseWriter, status int) error {
	w.WriteHeader(status)
	_, err := w.Write(b.body.Bytes())
	return err
}
