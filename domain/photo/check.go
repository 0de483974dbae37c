package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/fieldwork/fieldwork/domain"
)

// checker passes an upload's bytes through while holding them to what the
// uploader declared: the image type of the first bytes, the size and the
// SHA-256. Nothing is buffered beyond the first few bytes.
//
// A mismatch is returned from Read in place of the bytes that reveal it, so
// a writer copying from the checker fails rather than stores them: the
// object's last bytes are never passed on unless the digest matches. That
// holds even for a writer that reads exactly the declared size and never
// looks for EOF.
type checker struct {
	src      io.Reader
	p        Photo
	sum      hash.Hash
	n        int64
	sniffed  bool
	mismatch error
}

func newChecker(r io.Reader, p Photo) *checker {
	return &checker{src: r, p: p, sum: sha256.New()}
}

// Mismatch is the domain error naming what did not match, or nil.
func (c *checker) Mismatch() error { return c.mismatch }

func (c *checker) fail(field, format string, args ...any) (int, error) {
	c.mismatch = domain.Invalid(field, fmt.Sprintf(format, args...))
	return 0, c.mismatch
}

func (c *checker) Read(b []byte) (int, error) {
	if c.mismatch != nil {
		return 0, c.mismatch
	}
	if !c.sniffed {
		head := make([]byte, min(headLen, c.p.SizeBytes))
		n, err := io.ReadFull(c.src, head)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return c.fail("size_bytes", "the upload is %d bytes, not the declared %d", n, c.p.SizeBytes)
		case err != nil:
			return 0, err
		}
		if !c.p.ContentType.Matches(head) {
			return c.fail("content_type", "the upload is not a %s image", c.p.ContentType)
		}
		c.sniffed = true
		c.src = io.MultiReader(bytes.NewReader(head), c.src)
	}
	n, err := c.src.Read(b)
	c.sum.Write(b[:n])
	c.n += int64(n)
	switch {
	case c.n > c.p.SizeBytes:
		return c.fail("size_bytes", "the upload is more than the declared %d bytes", c.p.SizeBytes)
	case c.n == c.p.SizeBytes:
		if got := hex.EncodeToString(c.sum.Sum(nil)); got != c.p.SHA256 {
			return c.fail("sha256", "the upload's SHA-256 is %s, not the declared one", got)
		}
	case errors.Is(err, io.EOF):
		return c.fail("size_bytes", "the upload is %d bytes, not the declared %d", c.n, c.p.SizeBytes)
	}
	return n, err
}
