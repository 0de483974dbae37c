package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fieldwork/fieldwork/domain"
)

// DirConfig configures a Dir.
type DirConfig struct {
	// Root is the directory that holds the objects; it is created if missing.
	Root string
	// BaseURL is the public origin of the service, e.g. http://localhost:8080;
	// presigned URLs point at BaseURL + "/blobs/<key>".
	BaseURL string
	// Secret is the HMAC key for presigned URLs, at least 32 bytes; every
	// instance serving the same Root needs the same one.
	Secret []byte
	// MaxSize is the largest object accepted, in bytes; zero means no limit.
	MaxSize int64
	// Logger records failures the handler hides behind a 500; nil means slog.Default().
	Logger *slog.Logger
}

// Dir is a Store in a local directory that serves its own presigned URLs
// through Handler.
//
// Layout under Root: the object "a/b/c" is the file a/b/c, its content type
// is in the sidecar a/b/.c.meta, and uploads in progress live in .tmp. Keys
// never have a segment starting with ".", so neither can be mistaken for an
// object.
type Dir struct {
	root    string
	baseURL string
	secret  []byte
	maxSize int64
	log     *slog.Logger
}

var _ Store = (*Dir)(nil)

const (
	tmpDir     = ".tmp"
	metaSuffix = ".meta"
	// staleTemp is how old a temp file must be before NewDir removes it; a
	// younger one may belong to another process still writing.
	staleTemp = time.Hour
	dirPerm   = 0o750
	filePerm  = 0o640
)

// dirMeta is the sidecar stored next to each object.
type dirMeta struct {
	ContentType string `json:"contentType"`
}

// NewDir opens (creating if needed) a directory store.
func NewDir(cfg DirConfig) (*Dir, error) {
	if cfg.Root == "" {
		return nil, errors.New("blob dir: root is required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("blob dir: secret must be at least 32 bytes")
	}
	if cfg.MaxSize < 0 {
		return nil, errors.New("blob dir: max size must not be negative")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" ||
		base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("blob dir: base URL %q must look like http(s)://host[:port]", cfg.BaseURL)
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("blob dir: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(root, tmpDir), dirPerm); err != nil {
		return nil, fmt.Errorf("blob dir: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	d := &Dir{
		root:    root,
		baseURL: strings.TrimSuffix(base.String(), "/"),
		// Copied so that a caller reusing its slice cannot change the key.
		secret:  append([]byte(nil), cfg.Secret...),
		maxSize: cfg.MaxSize,
		log:     log,
	}
	d.sweepTemp()
	return d, nil
}

// Put implements Store.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	if err := d.write(ctx, key, r, size, ct); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get implements Store.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	f, info, err := d.open(key)
	if err != nil {
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	return f, info, nil
}

// Stat implements Store.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey(key); err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, err)
	}
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, err)
	}
	defer root.Close()
	fi, err := root.Stat(filepath.FromSlash(key))
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, missing(err))
	}
	info, err := d.info(root, key, fi)
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return info, nil
}

// Delete implements Store.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	defer root.Close()
	name := filepath.FromSlash(key)
	// Remove would also take an empty directory that merely shares the name.
	if fi, err := root.Lstat(name); err != nil || fi.IsDir() {
		if err != nil && !isNotExist(err) {
			return fmt.Errorf("delete %s: %w", key, err)
		}
		return nil
	}
	// The data file goes first: it is what makes the object exist.
	for _, n := range []string{name, metaName(key)} {
		if err := root.Remove(n); err != nil && !isNotExist(err) {
			return fmt.Errorf("delete %s: %w", key, err)
		}
	}
	return nil
}

// PresignPut implements Store; Handler serves the URL.
func (d *Dir) PresignPut(ctx context.Context, key, ct string, size int64, ttl time.Duration) (Presigned, error) {
	if err := checkKey(key); err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	ct, err := contentType(ct)
	if err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	if size < 0 || (d.maxSize > 0 && size > d.maxSize) {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, domain.Invalid("size", "out of range"))
	}
	if err := checkTTL(ttl); err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	g := grant{method: http.MethodPut, key: key, expires: expiry(time.Now(), ttl), contentType: ct, size: size}
	return Presigned{
		Method: g.method,
		URL:    d.url(g),
		Headers: map[string]string{
			"Content-Type":   ct,
			"Content-Length": strconv.FormatInt(size, 10),
		},
		ExpiresAt: time.Unix(g.expires, 0),
	}, nil
}

// PresignGet implements Store; Handler serves the URL.
func (d *Dir) PresignGet(ctx context.Context, key string, ttl time.Duration) (Presigned, error) {
	if err := checkKey(key); err != nil {
		return Presigned{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	if err := checkTTL(ttl); err != nil {
		return Presigned{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	g := grant{method: http.MethodGet, key: key, expires: expiry(time.Now(), ttl), size: -1}
	return Presigned{
		Method:    g.method,
		URL:       d.url(g),
		Headers:   map[string]string{},
		ExpiresAt: time.Unix(g.expires, 0),
	}, nil
}

// Ping implements Store; it writes a probe because a full or read-only
// disk still answers stat.
func (d *Dir) Ping(ctx context.Context) error {
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return fmt.Errorf("ping blob dir: %w", err)
	}
	defer root.Close()
	f, name, err := createTemp(root)
	if err != nil {
		return fmt.Errorf("ping blob dir: %w", err)
	}
	f.Close()
	if err := root.Remove(name); err != nil {
		return fmt.Errorf("ping blob dir: %w", err)
	}
	return nil
}

// write stores an object atomically: the bytes and the sidecar are written
// and synced in .tmp, then renamed into place, data last, so a reader sees
// either the old object or the complete new one and a crash leaves at most
// an orphan temp file. Two concurrent writers of one key may pair one's
// bytes with the other's type; keys are meant to be fresh uuids. Errors the
// uploader caused are domain bad requests.
func (d *Dir) write(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ct, err := contentType(ct)
	if err != nil {
		return err
	}
	if size < -1 {
		return domain.Invalid("size", "must be -1 (unknown) or more")
	}
	if d.maxSize > 0 && size > d.maxSize {
		return domain.BadRequest("body", fmt.Sprintf("%d bytes exceeds the limit of %d", size, d.maxSize))
	}
	meta, err := json.Marshal(dirMeta{ContentType: ct})
	if err != nil {
		return err
	}

	root, err := os.OpenRoot(d.root)
	if err != nil {
		return err
	}
	defer root.Close()

	var temps []string
	// Whatever did not get renamed into place is an aborted upload; after a
	// successful rename the name is gone and Remove is a no-op.
	defer func() {
		for _, n := range temps {
			_ = root.Remove(n)
		}
	}()

	data, dataName, err := createTemp(root)
	if err != nil {
		return err
	}
	temps = append(temps, dataName)
	n, err := copyBody(ctx, data, r, d.limit(size))
	if err == nil {
		err = checkLength(n, size, d.maxSize)
	}
	if err == nil {
		err = data.Sync()
	}
	if cerr := data.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	mf, metaTmp, err := createTemp(root)
	if err != nil {
		return err
	}
	temps = append(temps, metaTmp)
	_, err = mf.Write(meta)
	if err == nil {
		err = mf.Sync()
	}
	if cerr := mf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	parent := filepath.FromSlash(path.Dir(key))
	if err := root.MkdirAll(parent, dirPerm); err != nil {
		return err
	}
	if err := root.Rename(metaTmp, metaName(key)); err != nil {
		return err
	}
	if err := root.Rename(dataName, filepath.FromSlash(key)); err != nil {
		return err
	}
	// Without syncing the directory the renames themselves may not survive
	// a power cut.
	return syncDir(root, parent)
}

// limit is how many bytes write reads: one past what is allowed, so that an
// oversized body is detected without reading all of it.
func (d *Dir) limit(size int64) int64 {
	switch {
	case size >= 0:
		return size + 1
	case d.maxSize > 0:
		return d.maxSize + 1
	default:
		return -1
	}
}

func checkLength(n, size, maxSize int64) error {
	switch {
	case size >= 0 && n != size:
		return domain.BadRequest("body", fmt.Sprintf("got %s bytes, want %d", atLeast(n, size), size))
	case maxSize > 0 && n > maxSize:
		return domain.BadRequest("body", fmt.Sprintf("more than the limit of %d bytes", maxSize))
	}
	return nil
}

// atLeast words a count that stopped one past the limit honestly.
func atLeast(n, size int64) string {
	if n > size {
		return "more than " + strconv.FormatInt(size, 10)
	}
	return strconv.FormatInt(n, 10)
}

// copyBody copies at most limit bytes (all when limit < 0) from r to w.
// Failures reading r are the uploader's, so they become bad requests; the
// context is checked between reads because a plain io.Reader ignores it.
func copyBody(ctx context.Context, w io.Writer, r io.Reader, limit int64) (int64, error) {
	src := &ctxReader{ctx: ctx, r: r}
	var lr io.Reader = src
	if limit >= 0 {
		lr = io.LimitReader(src, limit)
	}
	n, err := io.Copy(w, lr)
	if src.err != nil {
		return n, fmt.Errorf("read body: %w: %w", src.err, domain.BadRequest("body", "could not be read"))
	}
	return n, err
}

// ctxReader remembers why reading failed so copyBody can tell a broken
// upload from a broken disk.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// open opens the object for reading along with its description.
func (d *Dir) open(key string) (*os.File, Info, error) {
	if err := checkKey(key); err != nil {
		return nil, Info{}, err
	}
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return nil, Info{}, err
	}
	// Files opened through a Root stay usable after it is closed.
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(key))
	if err != nil {
		return nil, Info{}, missing(err)
	}
	fi, err := f.Stat()
	if err == nil {
		var info Info
		if info, err = d.info(root, key, fi); err == nil {
			return f, info, nil
		}
	}
	f.Close()
	return nil, Info{}, err
}

// info describes the object whose data file is fi.
func (d *Dir) info(root *os.Root, key string, fi fs.FileInfo) (Info, error) {
	if !fi.Mode().IsRegular() {
		// A directory here is only a prefix of other keys.
		return Info{}, domain.NotFound("object")
	}
	ct := defaultContentType
	b, err := root.ReadFile(metaName(key))
	switch {
	case err == nil:
		var m dirMeta
		if err := json.Unmarshal(b, &m); err != nil {
			return Info{}, fmt.Errorf("read metadata: %w", err)
		}
		if m.ContentType != "" {
			ct = m.ContentType
		}
	case !isNotExist(err):
		// A missing sidecar is tolerated so that files copied in by hand
		// still serve; any other failure is real.
		return Info{}, fmt.Errorf("read metadata: %w", err)
	}
	return Info{Key: key, Size: fi.Size(), ContentType: ct, ModTime: fi.ModTime()}, nil
}

// sweepTemp removes temp files left by crashed writes.
func (d *Dir) sweepTemp() {
	entries, err := os.ReadDir(filepath.Join(d.root, tmpDir))
	if err != nil {
		d.log.Warn("blob dir: list temp files", "err", err)
		return
	}
	cutoff := time.Now().Add(-staleTemp)
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(d.root, tmpDir, e.Name())); err != nil && !isNotExist(err) {
			d.log.Warn("blob dir: remove stale temp file", "name", e.Name(), "err", err)
		}
	}
}

// url is where Handler answers for g.
func (d *Dir) url(g grant) string {
	segs := strings.Split(g.key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	q := url.Values{}
	q.Set("expires", strconv.FormatInt(g.expires, 10))
	if g.method == http.MethodPut {
		q.Set("type", g.contentType)
		q.Set("size", strconv.FormatInt(g.size, 10))
	}
	q.Set("sig", hex.EncodeToString(d.mac(g)))
	return d.baseURL + handlerPrefix + strings.Join(segs, "/") + "?" + q.Encode()
}

// expiry is now+ttl in unix seconds, rounded up so that a URL lives at least ttl.
func expiry(now time.Time, ttl time.Duration) int64 {
	t := now.Add(ttl)
	exp := t.Unix()
	if t.Nanosecond() > 0 {
		exp++
	}
	return exp
}

func createTemp(root *os.Root) (*os.File, string, error) {
	name := filepath.Join(tmpDir, rand.Text())
	f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, "", err
	}
	return f, name, nil
}

func syncDir(root *os.Root, name string) error {
	f, err := root.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// metaName is the sidecar of key: its base name with a leading dot, which
// no key segment may have.
func metaName(key string) string {
	dir, base := path.Split(key)
	return filepath.FromSlash(dir + "." + base + metaSuffix)
}

// isNotExist also counts a path through a file ("a/b" when "a" is an
// object) as missing, since to a key-value store it simply is.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// missing turns a filesystem "no such file" into the domain's not-found.
func missing(err error) error {
	if isNotExist(err) {
		return domain.NotFound("object")
	}
	return err
}
