package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/fieldwork/fieldwork/domain"
)

var (
	jpegHead = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1}
	pngHead  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13}
	webpHead = []byte("RIFF\x24\x00\x00\x00WEBPVP8 ")
	heicHead = []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00")
)

func TestContentType_MatchesMagicBytes(t *testing.T) {
	tests := []struct {
		name string
		ct   ContentType
		head []byte
		want bool
	}{
		{"JPEG", JPEG, jpegHead, true},
		{"JPEGShortestHead", JPEG, []byte{0xFF, 0xD8, 0xFF}, true},
		{"JPEGTruncated", JPEG, []byte{0xFF, 0xD8}, false},
		{"PNG", PNG, pngHead, true},
		{"PNGNotJPEG", JPEG, pngHead, false},
		{"PNGLineEndingsMangled", PNG, []byte{0x89, 'P', 'N', 'G', '\n', 0x1A, '\n', 0}, false},
		{"WebP", WebP, webpHead, true},
		{"RIFFButWAVE", WebP, []byte("RIFF\x24\x00\x00\x00WAVEfmt "), false},
		{"WebPTooShort", WebP, []byte("RIFF\x24\x00\x00\x00WEB"), false},
		{"HEIC", HEIC, heicHead, true},
		{"HEIFmif1", HEIC, []byte("\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00"), true},
		{"HEIFmsf1", HEIC, []byte("\x00\x00\x00\x1cftypmsf1"), true},
		{"HEICSequencehevc", HEIC, []byte("\x00\x00\x00\x1cftyphevc"), true},
		{"MP4NotHEIC", HEIC, []byte("\x00\x00\x00\x1cftypisom"), false},
		{"FtypAtWrongOffset", HEIC, []byte("ftypheic\x00\x00\x00\x00"), false},
		{"Empty", PNG, nil, false},
		{"UnknownType", ContentType("image/gif"), []byte("GIF89a\x00\x00\x00\x00\x00\x00"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ct.Matches(tt.head); got != tt.want {
				t.Errorf("%s.Matches(% x) = %v, want %v", tt.ct, tt.head, got, tt.want)
			}
		})
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fieldOf is the one field a mismatch names.
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindInvalid || len(de.Fields) != 1 {
		t.Fatalf("error %v is not one invalid field", err)
	}
	return de.Fields[0].Field
}

func TestChecker_PassesMatchingBytesThrough(t *testing.T) {
	body := append(append([]byte{}, pngHead...), bytes.Repeat([]byte("pixels"), 5000)...)
	p := Photo{ContentType: PNG, SizeBytes: int64(len(body)), SHA256: sum(body)}
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"WholeReads":   func(r io.Reader) io.Reader { return r },
		"OneByteReads": iotest.OneByteReader,
		"DataErrReads": iotest.DataErrReader,
	} {
		t.Run(name, func(t *testing.T) {
			c := newChecker(wrap(bytes.NewReader(body)), p)
			got, err := io.ReadAll(c)
			if err != nil || c.Mismatch() != nil {
				t.Fatalf("ReadAll: %v, mismatch %v", err, c.Mismatch())
			}
			if !bytes.Equal(got, body) {
				t.Fatal("the bytes passed through changed")
			}
		})
	}
}

func TestChecker_NamesTheMismatch(t *testing.T) {
	good := append(append([]byte{}, jpegHead...), []byte("the rest of a jpeg")...)
	tests := []struct {
		name  string
		body  []byte
		p     Photo
		field string
	}{
		{"WrongMagic", good, Photo{ContentType: PNG, SizeBytes: int64(len(good)), SHA256: sum(good)}, "content_type"},
		{"WrongDigest", good, Photo{ContentType: JPEG, SizeBytes: int64(len(good)), SHA256: sum([]byte("other"))}, "sha256"},
		{"Shorter", good, Photo{ContentType: JPEG, SizeBytes: int64(len(good)) + 1, SHA256: sum(good)}, "size_bytes"},
		{"ShorterThanTheHead", jpegHead[:3], Photo{ContentType: JPEG, SizeBytes: 12, SHA256: sum(jpegHead)}, "size_bytes"},
		{"Longer", good, Photo{ContentType: JPEG, SizeBytes: int64(len(good)) - 1, SHA256: sum(good[:len(good)-1])}, "size_bytes"},
		{"OneByte", []byte{0xFF}, Photo{ContentType: JPEG, SizeBytes: 1, SHA256: sum([]byte{0xFF})}, "content_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(iotest.HalfReader(bytes.NewReader(tt.body)), tt.p)
			_, err := io.ReadAll(c)
			if err == nil || c.Mismatch() == nil || !errors.Is(err, c.Mismatch()) {
				t.Fatalf("ReadAll err %v, mismatch %v; want the mismatch", err, c.Mismatch())
			}
			if got := fieldOf(t, c.Mismatch()); got != tt.field {
				t.Errorf("mismatch names %q (%v), want %q", got, c.Mismatch(), tt.field)
			}
		})
	}
}

// A writer that reads exactly the declared size, as an S3 client does,
// must still see the digest mismatch: the last bytes are withheld.
func TestChecker_WithholdsTheLastBytesOnADigestMismatch(t *testing.T) {
	body := append(append([]byte{}, jpegHead...), strings.Repeat("x", 100)...)
	p := Photo{ContentType: JPEG, SizeBytes: int64(len(body)), SHA256: sum([]byte("something else"))}
	buf := make([]byte, len(body))
	n, err := io.ReadFull(newChecker(bytes.NewReader(body), p), buf)
	if err == nil || n == len(body) {
		t.Fatalf("ReadFull of exactly the size: %d bytes, %v; want fewer and the mismatch", n, err)
	}
	if fieldOf(t, err) != "sha256" {
		t.Fatalf("err %v, want a sha256 mismatch", err)
	}
}

func TestChecker_PassesReadErrorsThrough(t *testing.T) {
	boom := errors.New("connection reset")
	p := Photo{ContentType: JPEG, SizeBytes: 100, SHA256: sum(nil)}
	r := io.MultiReader(bytes.NewReader(jpegHead), iotest.ErrReader(boom))
	c := newChecker(r, p)
	if _, err := io.ReadAll(c); !errors.Is(err, boom) || c.Mismatch() != nil {
		t.Fatalf("err %v, mismatch %v; want the read error and no mismatch", err, c.Mismatch())
	}
}

func TestNewPhoto_Check(t *testing.T) {
	ok := NewPhoto{Kind: Label, ContentType: HEIC, SizeBytes: MaxSize, SHA256: sum(nil)}
	if err := ok.check(); err != nil {
		t.Fatalf("valid input: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*NewPhoto)
		field string
	}{
		{"UnknownKind", func(n *NewPhoto) { n.Kind = "selfie" }, "kind"},
		{"UnknownType", func(n *NewPhoto) { n.ContentType = "image/gif" }, "content_type"},
		{"Empty", func(n *NewPhoto) { n.SizeBytes = 0 }, "size_bytes"},
		{"OverMax", func(n *NewPhoto) { n.SizeBytes = MaxSize + 1 }, "size_bytes"},
		{"UpperCaseDigest", func(n *NewPhoto) { n.SHA256 = strings.ToUpper(n.SHA256) }, "sha256"},
		{"ShortDigest", func(n *NewPhoto) { n.SHA256 = n.SHA256[:62] }, "sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.edit(&in)
			if got := fieldOf(t, in.check()); got != tt.field {
				t.Errorf("names %q, want %q", got, tt.field)
			}
		})
	}
}
