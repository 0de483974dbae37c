// Package migrations embeds the numbered SQL migrations of both footings.
// Each number exists in both folders and yields the same tables and columns.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
