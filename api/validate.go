package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
		if body := route.Operation.RequestBody; body != nil && body.Value != nil {
			if err := jsonBody(req, body.Value); err != nil {
				return err
			}
		} else if err := noBody(req); err != nil {
			return err
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
			return requestProblem(err)
		}
		return next(c)
	}
}

// jsonBody checks what kin-openapi and echo's binder leave unchecked, and
// leaves the body readable again for them:
//   - the media type, matched case-insensitively (RFC 9110 §8.3.1), with no
//     charset but UTF-8 (415); the header is rewritten to the declared type,
//     since echo's binder compares it case-sensitively;
//   - UTF-8: encoding/json would store invalid bytes as U+FFFD (400);
//   - one JSON value: both decode the first and ignore the rest (400);
//   - an empty body where one is required names the missing members (400).
func jsonBody(req *http.Request, spec *openapi3.RequestBody) error {
	var data []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if data, err = io.ReadAll(req.Body); err != nil {
			return requestProblem(err)
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	if len(bytes.TrimSpace(data)) == 0 {
		if !spec.Required {
			return nil
		}
		return missingBody(spec)
	}
	ct := req.Header.Get(echo.HeaderContentType)
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || spec.Content.Get(mt) == nil {
		return unsupportedMediaType(fmt.Sprintf("send the body as %s, not %q", strings.Join(slices.Sorted(maps.Keys(spec.Content)), " or "), ct))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return unsupportedMediaType(fmt.Sprintf("the body must be UTF-8, not charset %q", cs))
	}
	req.Header.Set(echo.HeaderContentType, mt)
	if !utf8.Valid(data) {
		return domain.BadRequest("body", fmt.Sprintf("is not valid UTF-8 (at byte %d)", invalidUTF8At(data)))
	}
	if !json.Valid(data) {
		return domain.BadRequest("body", "must be one well-formed JSON value")
	}
	return nil
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

func unsupportedMediaType(detail string) error {
	return &echo.HTTPError{Code: http.StatusUnsupportedMediaType, Message: detail}
}

// missingBody is the 400 for a required body that was not sent: it names
// each member the body must have, as the schema would for `{}`.
func missingBody(spec *openapi3.RequestBody) error {
	var fields domain.FieldErrors
	if mt := spec.Content.Get(echo.MIMEApplicationJSON); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
		schema := mt.Schema.Value
		if err := schema.VisitJSON(map[string]any{}, openapi3.MultiErrors()); err != nil {
			collectSchemaErrors(&fields, "body", err)
		}
		if len(fields) == 0 {
			fields.Add("body", "is required: "+expectation(schema))
		}
	} else {
		fields.Add("body", "is required")
	}
	return &domain.Error{Kind: domain.KindBadRequest, Detail: "this operation needs a JSON request body", Fields: fields}
}

// noBody refuses a body on an operation that takes none, rather than
// silently ignoring what the client meant to send. An empty body, and the
// empty JSON object many HTTP clients send on every POST, are no body.
func noBody(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength == 0 {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, 64))
	if err != nil {
		return requestProblem(err)
	}
	if n, err := io.Copy(io.Discard, req.Body); err != nil {
		return requestProblem(err)
	} else if n > 0 {
		return domain.BadRequest("body", "this operation takes no request body")
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if (mt == "" || mt == echo.MIMEApplicationJSON) && emptyObject(trimmed) {
		req.Body, req.ContentLength = http.NoBody, 0
		return nil
	}
	return domain.BadRequest("body", "this operation takes no request body (an empty JSON object is allowed)")
}

// emptyObject reports whether data is `{}`, with any whitespace inside.
func emptyObject(data []byte) bool {
	return len(data) >= 2 && data[0] == '{' && data[len(data)-1] == '}' && len(bytes.TrimSpace(data[1:len(data)-1])) == 0
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
			if re.Err == nil {
				fields.Add(field, re.Reason)
				return
			}
			var se *openapi3.SchemaError
			if _, isMulti := re.Err.(openapi3.MultiError); isMulti || errors.As(re.Err, &se) {
				collectSchemaErrors(&fields, field, re.Err)
				return
			}
			fields.Add(field, schemaMessage(re.Err, re))
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

// collectSchemaErrors adds a field error for each schema error in err,
// named by its JSON path under base and saying what the field expects.
func collectSchemaErrors(fields *domain.FieldErrors, base string, err error) {
	if me, ok := err.(openapi3.MultiError); ok {
		for _, e := range me {
			collectSchemaErrors(fields, base, e)
		}
		return
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		fields.Add(base, truncate(err.Error()))
		return
	}
	field, message := schemaFieldError(se)
	switch {
	case field == "":
		field = base
	case base != "body":
		field = base + "." + field
	}
	fields.Add(field, message)
}

var unsupportedProperty = regexp.MustCompile(`^property "(.*)" is unsupported$`)

// schemaFieldError is the JSON path (dotted, "" for the body itself) and
// the message of one schema error.
func schemaFieldError(se *openapi3.SchemaError) (string, string) {
	path := se.JSONPointer()
	field := strings.Join(path, ".")
	s := se.Schema
	if s == nil {
		return field, se.Reason
	}
	switch se.SchemaField {
	case "type":
		return field, expectation(s)
	case "nullable":
		return field, "must not be null; it " + expectation(s)
	case "required":
		name := path[len(path)-1]
		if p := s.Properties[name]; p != nil && p.Value != nil {
			return field, "is required; it " + expectation(p.Value)
		}
		return field, "is required"
	case "properties":
		if m := unsupportedProperty.FindStringSubmatch(se.Reason); m != nil {
			return strings.Join(append(path, m[1]), "."), "is not a member of this object, which takes " + members(s)
		}
	case "minProperties", "maxProperties", "oneOf", "anyOf":
		return field, expectation(s)
	case "enum":
		return field, "must be one of " + enumList(s.Enum)
	}
	return field, truncate(se.Reason)
}

// expectation says, in English, what a value of schema s must be.
func expectation(s *openapi3.Schema) string {
	if s.Type == nil && len(s.AllOf) == 1 && s.AllOf[0].Value != nil {
		return expectation(s.AllOf[0].Value)
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		branches := s.OneOf
		if len(branches) == 0 {
			branches = s.AnyOf
		}
		var alts []string
		for _, b := range branches {
			if b.Value != nil {
				alts = append(alts, strings.TrimPrefix(expectation(b.Value), "must be "))
			}
		}
		return "must be one of: " + strings.Join(alts, "; or ")
	}
	switch {
	case len(s.Enum) > 0:
		return "must be one of " + enumList(s.Enum)
	case s.Type.Is(openapi3.TypeObject):
		if s.MinProps == 1 && s.MaxProps != nil && *s.MaxProps == 1 {
			return "give exactly one of " + orList(propertyNames(s))
		}
		if s.MinProps == 1 && len(s.Required) == 0 {
			return "give at least one of " + orList(propertyNames(s))
		}
		return "must be an object with " + members(s)
	case s.Type.Is(openapi3.TypeArray):
		return "must be an array"
	case s.Type.Is(openapi3.TypeBoolean):
		return "must be true or false"
	case s.Type.Is(openapi3.TypeInteger):
		return "must be an integer" + numberRange(s)
	case s.Type.Is(openapi3.TypeNumber):
		return "must be a number" + numberRange(s)
	case s.Type.Is(openapi3.TypeString):
		switch s.Format {
		case "uuid":
			return "must be a UUID string"
		case "date":
			return "must be a date string, YYYY-MM-DD"
		case "date-time":
			return "must be an RFC 3339 date-time string"
		}
		return "must be a string"
	}
	return "has the wrong type"
}

// members lists an object's members: the required ones, then the others.
func members(s *openapi3.Schema) string {
	var optional []string
	for _, name := range propertyNames(s) {
		if !slices.Contains(s.Required, name) {
			optional = append(optional, name)
		}
	}
	switch {
	case len(s.Required) == 0 && len(optional) == 0:
		return "no members"
	case len(s.Required) == 0:
		return "any of " + strings.Join(optional, ", ")
	case len(optional) == 0:
		return strings.Join(s.Required, ", ")
	}
	return strings.Join(s.Required, ", ") + ", and optionally " + strings.Join(optional, ", ")
}

func propertyNames(s *openapi3.Schema) []string {
	names := slices.Collect(maps.Keys(s.Properties))
	slices.Sort(names)
	return names
}

func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func enumList(values []any) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = fmt.Sprint(v)
	}
	return strings.Join(out, ", ")
}

func numberRange(s *openapi3.Schema) string {
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch {
	case s.Min != nil && s.Max != nil:
		return " from " + num(*s.Min) + " to " + num(*s.Max)
	case s.Min != nil:
		return " of at least " + num(*s.Min)
	case s.Max != nil:
		return " of at most " + num(*s.Max)
	}
	return ""
}

func schemaMessage(err error, re *openapi3filter.RequestError) string {
	msg := err.Error()
	if re.Reason != "" {
		msg = re.Reason
	}
	return truncate(msg)
}

func truncate(msg string) string {
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
