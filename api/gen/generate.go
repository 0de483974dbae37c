// Package gen holds the code generated from openapi.yaml; do not edit by hand.
package gen

//go:generate cp ../../openapi.yaml openapi.yaml
//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
