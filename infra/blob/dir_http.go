package blob

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fieldwork/fieldwork/domain"
)

// handlerPrefix is the path Handler answers under; the app mounts it there.
const handlerPrefix = "/blobs/"

// signVersion starts every signed string so that a future format cannot be
// confused with this one.
const signVersion = "fieldwork-blob-v1"

// grant is what a presigned URL allows: one method on one key until
// expires (unix seconds), and for PUT exactly size bytes of contentType.
type grant struct {
	method      string
	key         string
	expires     int64
	contentType string
	size        int64
}

// mac is the HMAC-SHA256 of the grant's fields, one per line. No field can
// contain a newline (keys and media types are checked), so the string is
// unambiguous; GET leaves type and size empty.
func (d *Dir) mac(g grant) []byte {
	size := ""
	if g.method == http.MethodPut {
		size = strconv.FormatInt(g.size, 10)
	}
	mac := hmac.New(sha256.New, d.secret)
	io.WriteString(mac, strings.Join([]string{
		signVersion, g.method, g.key, strconv.FormatInt(g.expires, 10), g.contentType, size,
	}, "\n"))
	return mac.Sum(nil)
}

// Handler serves the URLs from PresignGet and PresignPut at /blobs/<key>.
// It trusts nothing but the signature: the key, method, expiry and, for
// PUT, the content type and size all come from the signed grant.
func (d *Dir) Handler() http.Handler {
	return http.HandlerFunc(d.serveHTTP)
}

func (d *Dir) serveHTTP(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, handlerPrefix)
	if !ok || checkKey(key) != nil {
		writeProblem(w, http.StatusNotFound, "no such blob URL")
		return
	}
	switch r.Method {
	case http.MethodGet:
		d.serveGet(w, r, key)
	case http.MethodPut:
		d.servePut(w, r, key)
	default:
		w.Header().Set("Allow", "GET, PUT")
		writeProblem(w, http.StatusMethodNotAllowed, "presigned blob URLs accept GET or PUT")
	}
}

// authorize rebuilds the grant from the query string and checks its
// signature before its expiry, so nothing is revealed about a forged URL.
func (d *Dir) authorize(r *http.Request, key string) (grant, error) {
	q := r.URL.Query()
	g := grant{method: r.Method, key: key, size: -1}
	forged := errors.New("signature does not match")
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil {
		return grant{}, forged
	}
	g.expires = exp
	if g.method == http.MethodPut {
		if g.size, err = strconv.ParseInt(q.Get("size"), 10, 64); err != nil || g.size < 0 {
			return grant{}, forged
		}
		if g.contentType, err = contentType(q.Get("type")); err != nil || g.contentType != q.Get("type") {
			return grant{}, forged
		}
	}
	sig, err := hex.DecodeString(q.Get("sig"))
	if err != nil || !hmac.Equal(sig, d.mac(g)) {
		return grant{}, forged
	}
	if time.Now().Unix() >= g.expires {
		return grant{}, errors.New("URL has expired")
	}
	return g, nil
}

func (d *Dir) serveGet(w http.ResponseWriter, r *http.Request, key string) {
	if _, err := d.authorize(r, key); err != nil {
		writeProblem(w, http.StatusForbidden, err.Error())
		return
	}
	f, info, err := d.open(key)
	if err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			writeProblem(w, http.StatusNotFound, "object not found")
			return
		}
		d.fail(w, r, key, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", info.ContentType)
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	h.Set("Last-Modified", info.ModTime.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "private")
	// Uploaders choose the content type and this is the service's own
	// origin: never let a browser sniff or run what it serves.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// The status is sent by now, so a failure (usually the client leaving)
	// can only cut the body short, which Content-Length exposes.
	_, _ = io.Copy(w, f)
}

func (d *Dir) servePut(w http.ResponseWriter, r *http.Request, key string) {
	g, err := d.authorize(r, key)
	if err != nil {
		writeProblem(w, http.StatusForbidden, err.Error())
		return
	}
	if ct, err := contentType(r.Header.Get("Content-Type")); err != nil || ct != g.contentType {
		writeProblem(w, http.StatusBadRequest,
			fmt.Sprintf("Content-Type %q does not match the signed %q", r.Header.Get("Content-Type"), g.contentType))
		return
	}
	if d.maxSize > 0 && g.size > d.maxSize {
		writeProblem(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("%d bytes exceeds the limit of %d", g.size, d.maxSize))
		return
	}
	// A declared length is checked before reading; a chunked body is
	// checked as it streams, in write.
	if r.ContentLength >= 0 && r.ContentLength != g.size {
		writeProblem(w, http.StatusBadRequest,
			fmt.Sprintf("Content-Length %d does not match the signed size %d", r.ContentLength, g.size))
		return
	}
	if err := d.write(r.Context(), key, r.Body, g.size, g.contentType); err != nil {
		if k := domain.KindOf(err); k == domain.KindBadRequest || k == domain.KindInvalid {
			writeProblem(w, http.StatusBadRequest, err.Error())
			return
		}
		d.fail(w, r, key, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// fail logs what the client must not see and answers 500.
func (d *Dir) fail(w http.ResponseWriter, r *http.Request, key string, err error) {
	d.log.ErrorContext(r.Context(), "blob handler", "method", r.Method, "key", key, "err", err)
	writeProblem(w, http.StatusInternalServerError, "the blob could not be served")
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	})
}
