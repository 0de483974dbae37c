package gen

import _ "embed"

// Spec is openapi.yaml as the service serves it and validates against.
//
//go:embed openapi.yaml
var Spec []byte
