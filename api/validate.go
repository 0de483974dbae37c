package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
)

// LoadSpec parses the embedded openapi.yaml, ready for routing: the servers
// list is dropped so that any host matches.
func LoadSpec() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(gen.Spec)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.yaml is invalid: %w", err)
	}
	doc.Servers = nil
	return doc, nil
}

// NewRouter finds operations of doc for requests; tests use it to check responses.
func NewRouter(doc *openapi3.T) (routers.Router, error) {
	return gorillamux.NewRouter(doc)
}

// operationRoutes maps "METHOD /echo/:path" to the spec's operation. Echo
// has already matched the request, so validation looks its operation up
// instead of matching the URL against every path's regular expression again.
func operationRoutes(doc *openapi3.T) map[string]*routers.Route {
	out := map[string]*routers.Route{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+echoPath(path)] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return out
}

// publicOperations are the "METHOD /echo/:path" keys whose security is `[{}]`.
func publicOperations(doc *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security == nil {
				continue
			}
			for _, req := range *op.Security {
				if len(req) == 0 {
					out[method+" "+echoPath(path)] = true
				}
			}
		}
	}
	return out
}

// echoPath turns /users/{id} into /users/:id.
func echoPath(p string) string {
	var b strings.Builder
	for len(p) > 0 {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			b.WriteString(p)
			break
		}
		j := strings.IndexByte(p[i:], '}')
		b.WriteString(p[:i] + ":" + p[i+1:i+j])
		p = p[i+j+1:]
	}
	return b.String()
}

// validateRequest checks parameters and bodies against the spec before any
// handler runs, so that bad input is a 400 with every offending field named.
func (s *Server) validateRequest(next echo.HandlerFunc) echo.HandlerFunc {
	opts := &openapi3filter.Options{
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		MultiError:              true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidator("uuid", uuidFormat{})},
	}
	return func(c echo.Context) error {
		req := c.Request()
		route, ok := s.routes[req.Method+" "+c.Path()]
		if !ok {
			return next(c) // not an API operation
		}
		names, values := c.ParamNames(), c.ParamValues()
		params := make(map[string]string, len(names))
		for i, n := range names {
			params[n] = values[i]
		}
		if route.Operation.RequestBody != nil {
			if err := singleJSONValue(req); err != nil {
				return err
			}
		} else if req.ContentLength > 0 || req.ContentLength < 0 && req.Body != nil && req.Body != http.NoBody {
			if err := noBody(req); err != nil {
				return err
			}
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			return requestProblem(err)
		}
		return next(c)
	}
}

// singleJSONValue refuses a JSON body that is more than one JSON value.
// kin-openapi and echo's binder both decode only the first value and ignore
// the rest, so `{...} garbage` or `{...}{...}` would otherwise be accepted.
// It leaves the body readable again for them.
func singleJSONValue(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	data, err := io.ReadAll(req.Body)
	if err != nil {
		return requestProblem(err)
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	if len(bytes.TrimSpace(data)) > 0 && !json.Valid(data) {
		return domain.BadRequest("body", "must be one well-formed JSON value")
	}
	return nil
}

// noBody refuses a body on an operation that takes none, rather than
// silently ignoring what the client meant to send.
func noBody(req *http.Request) error {
	n, err := io.Copy(io.Discard, req.Body)
	if err != nil {
		return requestProblem(err)
	}
	if n > 0 {
		return domain.BadRequest("body", "this operation takes no request body")
	}
	return nil
}

// requestProblem turns kin-openapi's validation errors into field errors.
func requestProblem(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	var fields domain.FieldErrors
	var collect func(error)
	collect = func(err error) {
		// MultiError's own As looks only inside it, so assert its type.
		if me, ok := err.(openapi3.MultiError); ok {
			for _, e := range me {
				collect(e)
			}
			return
		}
		var re *openapi3filter.RequestError
		if errors.As(err, &re) {
			field := "body"
			if re.Parameter != nil {
				field = re.Parameter.In + "." + re.Parameter.Name
			}
			var se *openapi3.SchemaError
			inner, isMulti := re.Err.(openapi3.MultiError)
			switch {
			case isMulti:
				for _, e := range inner {
					fields.Add(schemaField(field, e), schemaMessage(e, re))
				}
			case errors.As(re.Err, &se):
				fields.Add(schemaField(field, se), schemaMessage(se, re))
			default:
				fields.Add(field, schemaMessage(re.Err, re))
			}
			return
		}
		fields.Add("request", "does not match the API description")
	}
	collect(err)
	if len(fields) == 0 {
		fields.Add("request", "does not match the API description")
	}
	return &domain.Error{Kind: domain.KindBadRequest, Detail: "the request does not match the API description", Fields: fields}
}

func schemaField(base string, err error) string {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return base
	}
	ptr := se.JSONPointer()
	if len(ptr) == 0 {
		return base
	}
	if base == "body" {
		return strings.Join(ptr, ".")
	}
	return base + "." + strings.Join(ptr, ".")
}

func schemaMessage(err error, re *openapi3filter.RequestError) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return se.Reason
	}
	if err == nil {
		return re.Reason
	}
	msg := err.Error()
	if re.Reason != "" {
		msg = re.Reason
	}
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return msg
}

// uuidFormat checks format: uuid. kin-openapi leaves it unchecked by default,
// and its RFC 4122 pattern refuses version 7. The nil UUID is never an id here.
type uuidFormat struct{}

func (uuidFormat) Validate(s string) error {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 {
		return errors.New("is not a UUID")
	}
	if id == uuid.Nil {
		return errors.New("is the nil UUID, which names nothing")
	}
	return nil
}
