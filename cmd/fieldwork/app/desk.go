package app

import (
	"github.com/fieldwork/fieldwork/domain/callback"
	"github.com/fieldwork/fieldwork/domain/inquiry"
	"github.com/fieldwork/fieldwork/domain/workorder"
)

// The work-order service reaches the desk's services through interfaces of
// its own: it plans callbacks when an install completes, and opens the
// order an inquiry becomes.
var (
	_ workorder.Callbacks = (*callback.Service)(nil)
	_ workorder.Inquiries = (*inquiry.Service)(nil)
)
