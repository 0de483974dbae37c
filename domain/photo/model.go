// Package photo is the evidence a technician takes on a work order: bytes in
// object storage, uploaded straight there through a presigned URL, and
// trusted only once the service has checked that they are what was declared.
package photo

import (
	"bytes"
	"encoding/hex"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain"
)

// Kind says what a photo shows.
type Kind string

// The kinds of photo.
const (
	Before       Kind = "before"
	After        Kind = "after"
	Label        Kind = "label"
	Installation Kind = "installation"
	Signature    Kind = "signature"
	Other        Kind = "other"
)

// Kinds lists every kind, in the order the API documents them.
var Kinds = []Kind{Before, After, Label, Installation, Signature, Other}

// ContentType is the image format of a photo.
type ContentType string

// The accepted image formats.
const (
	JPEG ContentType = "image/jpeg"
	PNG  ContentType = "image/png"
	WebP ContentType = "image/webp"
	HEIC ContentType = "image/heic"
)

// ContentTypes lists every accepted format.
var ContentTypes = []ContentType{JPEG, PNG, WebP, HEIC}

// Status is where a photo is in its upload.
type Status string

// A photo is pending until Complete has checked its bytes.
const (
	Pending Status = "pending"
	Ready   Status = "ready"
)

// MaxSize is the largest photo accepted: 15 MiB.
const MaxSize = 15 << 20

// Photo is one image attached to a work order.
type Photo struct {
	ID          uuid.UUID
	WorkOrderID uuid.UUID
	Kind        Kind
	ContentType ContentType
	SizeBytes   int64
	// SHA256 is the lower-case hex digest the uploader declared.
	SHA256 string
	Status Status
	// ObjectKey is where the checked bytes live once the photo is ready.
	ObjectKey  string
	UploadedBy uuid.UUID
	CreatedAt  time.Time
}

// objectKey is where a photo's checked bytes are kept.
func objectKey(workOrderID, id uuid.UUID) string {
	return "photos/" + workOrderID.String() + "/" + id.String()
}

// UploadKey is where the uploader's URL writes. Complete copies the bytes
// from here to ObjectKey while checking them, so that what is served is
// exactly what was checked even if the upload URL is used again before it
// expires; and one prefix holds every unchecked upload.
func (p Photo) UploadKey() string {
	return "uploads/" + p.WorkOrderID.String() + "/" + p.ID.String()
}

// headLen is how many leading bytes identify every accepted format.
const headLen = 12

// heicBrands are the ISO BMFF major brands of HEIF/HEIC stills and sequences.
var heicBrands = []string{"heic", "heix", "hevc", "hevx", "mif1", "msf1"}

// Matches reports whether head, the first bytes of a file, starts like an
// image of this type.
func (ct ContentType) Matches(head []byte) bool {
	switch ct {
	case JPEG:
		return bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF})
	case PNG:
		return bytes.HasPrefix(head, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
	case WebP:
		return len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP"
	case HEIC:
		return len(head) >= 12 && string(head[4:8]) == "ftyp" && slices.Contains(heicBrands, string(head[8:12]))
	}
	return false
}

// NewPhoto is the input of Create: what the uploader declares.
type NewPhoto struct {
	Kind        Kind
	ContentType ContentType
	SizeBytes   int64
	SHA256      string
}

func (in NewPhoto) check() error {
	var fe domain.FieldErrors
	if !slices.Contains(Kinds, in.Kind) {
		fe.Add("kind", "must be before, after, label, installation, signature or other")
	}
	if !slices.Contains(ContentTypes, in.ContentType) {
		fe.Add("content_type", "must be image/jpeg, image/png, image/webp or image/heic")
	}
	if in.SizeBytes < 1 || in.SizeBytes > MaxSize {
		fe.Add("size_bytes", "must be 1 byte to 15 MiB")
	}
	if b, err := hex.DecodeString(in.SHA256); err != nil || len(b) != 32 || hex.EncodeToString(b) != in.SHA256 {
		fe.Add("sha256", "must be 64 lower-case hex digits")
	}
	return fe.Err()
}
