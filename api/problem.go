package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/fieldwork/fieldwork/domain"
)

// ProblemBase prefixes every problem type URI; README lists the types.
const ProblemBase = "https://fieldwork.example.com/problems/"

// problem is an RFC 9457 body. Extension members (e.g. a work order's
// current state) sit beside the standard ones.
type problem struct {
	Type       string
	Title      string
	Status     int
	Detail     string
	Errors     []domain.FieldError
	Extra      map[string]any
	RetryAfter int
}

func (p problem) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 6+len(p.Extra))
	for k, v := range p.Extra {
		m[k] = v
	}
	m["type"], m["title"], m["status"], m["detail"] = p.Type, p.Title, p.Status, p.Detail
	if len(p.Errors) > 0 {
		fe := make([]map[string]string, len(p.Errors))
		for i, e := range p.Errors {
			fe[i] = map[string]string{"field": e.Field, "message": e.Message}
		}
		m["errors"] = fe
	}
	return json.Marshal(m)
}

var kindProblems = map[domain.Kind]struct {
	status int
	slug   string
}{
	domain.KindInvalid:              {http.StatusUnprocessableEntity, "validation"},
	domain.KindBadRequest:           {http.StatusBadRequest, "bad-request"},
	domain.KindNotFound:             {http.StatusNotFound, "not-found"},
	domain.KindConflict:             {http.StatusConflict, "conflict"},
	domain.KindForbidden:            {http.StatusForbidden, "forbidden"},
	domain.KindUnauthenticated:      {http.StatusUnauthorized, "unauthorized"},
	domain.KindPreconditionFailed:   {http.StatusPreconditionFailed, "precondition-failed"},
	domain.KindPreconditionRequired: {http.StatusPreconditionRequired, "precondition-required"},
	domain.KindRateLimited:          {http.StatusTooManyRequests, "rate-limited"},
}

var statusSlugs = map[int]string{
	http.StatusBadRequest:            "bad-request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusMethodNotAllowed:      "method-not-allowed",
	http.StatusRequestEntityTooLarge: "too-large",
	http.StatusUnsupportedMediaType:  "unsupported-media-type",
	http.StatusTooManyRequests:       "rate-limited",
	http.StatusServiceUnavailable:    "unavailable",
}

// problemFor maps any error to the problem the caller sees. Only domain
// errors and echo's own HTTP errors say more than "internal error".
func problemFor(err error) problem {
	var de *domain.Error
	if errors.As(err, &de) {
		if kp, ok := kindProblems[de.Kind]; ok {
			p := problem{Type: ProblemBase + kp.slug, Title: http.StatusText(kp.status), Status: kp.status, Detail: de.Error(),
				Errors: de.Fields, Extra: de.Extra, RetryAfter: int(de.RetryAfter.Seconds() + 0.999)}
			if de.Kind == domain.KindInvalid && p.Detail != "" && len(p.Errors) > 0 {
				p.Detail = "the request breaks a rule: " + p.Detail
			}
			return p
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code < 500 {
		slug := statusSlugs[he.Code]
		if slug == "" {
			slug = "client-error"
		}
		detail := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			detail = "the request body is over the limit"
		case http.StatusNotFound:
			detail = "no such resource"
		case http.StatusMethodNotAllowed:
			detail = "this resource does not support the method"
		case http.StatusBadRequest:
			detail = "the request is malformed"
		case http.StatusUnsupportedMediaType:
			detail = "send the body as application/json in UTF-8"
			if m, ok := he.Message.(string); ok && m != http.StatusText(he.Code) {
				detail = m
			}
		}
		return problem{Type: ProblemBase + slug, Title: http.StatusText(he.Code), Status: he.Code, Detail: detail}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return problem{Type: ProblemBase + "too-large", Title: http.StatusText(413), Status: 413, Detail: "the request body is over the limit"}
	}
	return problem{Type: ProblemBase + "internal", Title: http.StatusText(500), Status: 500,
		Detail: "an unexpected error occurred; quote the request id to support"}
}

// writeProblem sends p; a 401 also names the auth scheme and a 429 says when to retry.
func writeProblem(c echo.Context, p problem) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/problem+json")
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="fieldwork"`)
	}
	if p.Status == http.StatusTooManyRequests {
		h.Set("Retry-After", strconv.Itoa(max(p.RetryAfter, 1)))
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	c.Response().WriteHeader(p.Status)
	_, err = c.Response().Write(body)
	return err
}

// errorHandler is echo's HTTPErrorHandler: the one place errors become
// problems, and where unexpected ones are logged, once, with the request id.
func errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := problemFor(err)
	if p.Status >= 500 {
		loggerFrom(c.Request().Context()).Error("request failed", "error", err.Error())
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	_ = writeProblem(c, p)
}

// requestInfo is what the outermost middleware learns of a request.
type requestInfo struct {
	id, addr string
	logger   *slog.Logger
}

type requestInfoKey struct{}

// loggerFrom is the request's logger, which carries its request id. It is
// built when something is logged, not for every request.
func loggerFrom(ctx context.Context) *slog.Logger {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri.logger.With("request_id", ri.id)
	}
	return slog.Default()
}

// clientAddr is the caller's address as the request's IP extractor sees it.
func clientAddr(ctx context.Context) string {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri.addr
	}
	return ""
}
