// Package blob stores work-order photos and other objects: in a local
// directory (the embedded default) or in an S3-compatible bucket via
// minio-go. Both implement Store and pass the same contract suite.
package blob

import (
	"context"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/fieldwork/fieldwork/domain"
)

// Store keeps objects by slash-separated key, e.g. "photos/2026/11/<uuid>".
type Store interface {
	// Put writes exactly size bytes from r under key, replacing any object
	// there; a size of -1 means unknown.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Get opens the object; the caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat describes the object without reading it.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// PresignPut returns a URL through which a client uploads exactly size
	// bytes of contentType until ttl passes, without credentials of its own.
	PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (Presigned, error)
	// PresignGet returns a URL through which a client downloads the object
	// until ttl passes.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (Presigned, error)
	// Ping reports whether the store can serve requests, for /readyz.
	Ping(ctx context.Context) error
}

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	ModTime     time.Time
}

// Presigned is a request a client may make without credentials of its own.
type Presigned struct {
	Method string
	URL    string
	// Headers must be sent with the request exactly as given.
	Headers   map[string]string
	ExpiresAt time.Time
}

// MaxPresignTTL is the longest a presigned URL may live; S3 refuses more.
const MaxPresignTTL = 7 * 24 * time.Hour

const defaultContentType = "application/octet-stream"

// checkKey rejects keys that could name something outside a Dir's root or
// that a filesystem and S3 would treat differently. Segments may not start
// with "." so that no key can collide with a Dir's sidecar and temp files.
func checkKey(key string) error {
	bad := func(why string) error {
		return fmt.Errorf("blob key %q: %w", key, domain.Invalid("key", why))
	}
	switch {
	case key == "":
		return bad("must not be empty")
	case len(key) > 1024:
		return bad("must be at most 1024 bytes")
	case strings.HasPrefix(key, "/"):
		return bad("must not start with /")
	case strings.Contains(key, `\`):
		return bad(`must not contain \`)
	case strings.Contains(key, ".."):
		return bad("must not contain ..")
	}
	for _, c := range key {
		// Control characters would break the newline-separated signing
		// string and make file names hard to handle.
		if c < 0x20 || c == 0x7f {
			return bad("must not contain control characters")
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" {
			return bad("must not contain empty segments")
		}
		if strings.HasPrefix(seg, ".") {
			return bad("segments must not start with .")
		}
	}
	return nil
}

// contentType parses ct into its canonical form so that what is signed is
// what a client can send back; empty means application/octet-stream.
func contentType(ct string) (string, error) {
	if ct == "" {
		return defaultContentType, nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil {
		if canon := mime.FormatMediaType(mt, params); canon != "" {
			return canon, nil
		}
	}
	return "", fmt.Errorf("content type %q: %w", ct, domain.Invalid("contentType", "not a media type"))
}

func checkTTL(ttl time.Duration) error {
	if ttl < time.Second || ttl > MaxPresignTTL {
		return fmt.Errorf("presign ttl %s: %w", ttl, domain.Invalid("ttl", "must be between 1s and 7 days"))
	}
	return nil
}
