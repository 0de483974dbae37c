package api_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/fieldwork/fieldwork/api"
)

// The harness checks responses against a strict copy of openapi.yaml: an
// object schema that declares its properties and says nothing of others is
// closed, so a handler that sends a field the spec does not declare (a
// password hash, an internal note) fails the test that called it. The
// served spec stays as written; only the tests' copy is closed.

// strictSpec loads openapi.yaml and closes its object schemas.
func strictSpec() (*openapi3.T, error) {
	doc, err := api.LoadSpec()
	if err != nil {
		return nil, err
	}
	closeSchemas(doc)
	return doc, nil
}

// closeSchemas sets additionalProperties: false on every object schema of
// doc that declares properties and has no additionalProperties of its own.
//
// allOf needs care: each member of a composition validates the whole
// object, so a closed member would reject the other members' properties.
// A composition that brings properties from more than one place is
// therefore closed at its own level, over the union of all their names,
// and its members are replaced by open copies of themselves. A single
// member that brings every property (the `allOf: [$ref]` idiom for a
// nullable or described reference) stays as it is, closed itself.
func closeSchemas(doc *openapi3.T) {
	c := closer{seen: map[*openapi3.Schema]bool{}, closed: map[*openapi3.Schema]bool{}}
	if doc.Components != nil {
		for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
			c.ref(doc.Components.Schemas[name])
		}
		for _, r := range doc.Components.Responses {
			if r.Value != nil {
				c.content(r.Value.Content)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Responses == nil {
				continue
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil {
					c.content(r.Value.Content)
				}
			}
		}
	}
}

type closer struct {
	seen   map[*openapi3.Schema]bool
	closed map[*openapi3.Schema]bool // closed here, not by the spec
}

func (c closer) content(ct openapi3.Content) {
	for _, mt := range ct {
		if mt != nil {
			c.ref(mt.Schema)
		}
	}
}

func (c closer) ref(r *openapi3.SchemaRef) {
	if r != nil {
		c.schema(r.Value)
	}
}

func (c closer) schema(s *openapi3.Schema) {
	if s == nil || c.seen[s] {
		return
	}
	c.seen[s] = true
	for _, p := range s.Properties {
		c.ref(p)
	}
	c.ref(s.Items)
	c.ref(s.AdditionalProperties.Schema)
	c.ref(s.Not)
	for _, m := range s.OneOf {
		c.ref(m)
	}
	for _, m := range s.AnyOf {
		c.ref(m)
	}
	for _, m := range s.AllOf {
		c.ref(m)
	}
	open := s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil
	if len(s.AllOf) > 1 || len(s.AllOf) == 1 && len(s.Properties) > 0 {
		names := map[string]bool{}
		for n := range s.Properties {
			names[n] = true
		}
		members := make(openapi3.SchemaRefs, len(s.AllOf))
		for i, m := range s.AllOf {
			propertyNames(m.Value, names)
			members[i] = &openapi3.SchemaRef{Value: c.opened(m.Value)}
		}
		s.AllOf = members
		if open && len(names) > 0 {
			props := maps.Clone(s.Properties)
			if props == nil {
				props = openapi3.Schemas{}
			}
			for n := range names {
				if props[n] == nil {
					props[n] = &openapi3.SchemaRef{Value: &openapi3.Schema{}} // typed by its member
				}
			}
			s.Properties = props
			c.shut(s)
		}
		return
	}
	if open && len(s.Properties) > 0 {
		c.shut(s)
	}
}

func (c closer) shut(s *openapi3.Schema) {
	no := false
	s.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	c.closed[s] = true
}

// opened is a shallow copy of a composition member, open again if it was
// closed here, with its own allOf members opened too.
func (c closer) opened(s *openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return nil
	}
	cp := *s
	if c.closed[s] {
		cp.AdditionalProperties = openapi3.AdditionalProperties{}
	}
	if len(s.AllOf) > 0 {
		cp.AllOf = make(openapi3.SchemaRefs, len(s.AllOf))
		for i, m := range s.AllOf {
			cp.AllOf[i] = &openapi3.SchemaRef{Value: c.opened(m.Value)}
		}
	}
	return &cp
}

// propertyNames adds the names s declares, through allOf, to names.
func propertyNames(s *openapi3.Schema, names map[string]bool) {
	if s == nil {
		return
	}
	for n := range s.Properties {
		names[n] = true
	}
	for _, m := range s.AllOf {
		propertyNames(m.Value, names)
	}
}

// The strict copy rejects what the spec as written lets through: a
// response field the spec does not declare.
func TestStrictSpec_RejectsUndeclaredResponseFields(t *testing.T) {
	strict, err := strictSpec()
	if err != nil {
		t.Fatal(err)
	}
	leaky := map[string]any{"password_hash": "$argon2id$v=19$..."}
	for _, name := range []string{"User", "Problem"} {
		err := strict.Components.Schemas[name].Value.VisitJSON(leaky, openapi3.VisitAsResponse(), openapi3.MultiErrors())
		if err == nil || !strings.Contains(err.Error(), `"password_hash" is unsupported`) {
			t.Errorf("%s in the strict copy lets an undeclared field through: %v", name, err)
		}
	}
}

// Compositions are closed over the union of their members' properties.
func TestStrictSpec_ClosesAllOfOverEveryMember(t *testing.T) {
	const spec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string}
    Named:
      type: object
      properties:
        name: {type: string}
    Both:
      allOf:
        - $ref: '#/components/schemas/Base'
        - $ref: '#/components/schemas/Named'
        - type: object
          properties:
            extra: {type: integer}
    Wrapped:
      type: object
      properties:
        base:
          nullable: true
          allOf: [{$ref: '#/components/schemas/Base'}]
    Choice:
      oneOf:
        - $ref: '#/components/schemas/Base'
        - $ref: '#/components/schemas/Named'
`
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	closeSchemas(doc)
	visit := func(name string, v any) error {
		return doc.Components.Schemas[name].Value.VisitJSON(v, openapi3.VisitAsResponse())
	}
	for _, c := range []struct {
		schema string
		value  map[string]any
		ok     bool
	}{
		{"Base", map[string]any{"id": "a"}, true},
		{"Base", map[string]any{"id": "a", "name": "n"}, false},
		{"Both", map[string]any{"id": "a", "name": "n", "extra": 1}, true},
		{"Both", map[string]any{"id": "a", "name": "n", "extra": "not a number"}, false},
		{"Both", map[string]any{"id": "a", "secret": "s"}, false},
		{"Wrapped", map[string]any{"base": map[string]any{"id": "a"}}, true},
		{"Wrapped", map[string]any{"base": nil}, true},
		{"Wrapped", map[string]any{"base": map[string]any{"id": "a", "secret": "s"}}, false},
		{"Choice", map[string]any{"id": "a"}, true},
		{"Choice", map[string]any{"id": "a", "secret": "s"}, false},
	} {
		if err := visit(c.schema, c.value); (err == nil) != c.ok {
			t.Errorf("%s %v: error %v, want ok=%v", c.schema, c.value, err, c.ok)
		}
	}
}
