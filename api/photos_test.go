package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/photo"
	"github.com/fieldwork/fieldwork/infra/jobs"
)

// Photos go through real HTTP on both footings: the API, then the upload
// URL (MinIO's presigned URL on PostgreSQL, the app's own /blobs/ URL on
// SQLite), then the download URL the API redirects to.

// photoOut is a photo as the API returns it.
type photoOut struct {
	ID          uuid.UUID `json:"id"`
	WorkOrderID uuid.UUID `json:"work_order_id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type"`
	SizeBytes   int64     `json:"size_bytes"`
	SHA256      string    `json:"sha256"`
	Status      string    `json:"status"`
	UploadedBy  uuid.UUID `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// photoUploadOut is the answer to creating a photo.
type photoUploadOut struct {
	ID     uuid.UUID `json:"id"`
	Status string    `json:"status"`
	Upload struct {
		Method    string            `json:"method"`
		URL       string            `json:"url"`
		Headers   map[string]string `json:"headers"`
		ExpiresAt time.Time         `json:"expires_at"`
	} `json:"upload"`
}

// photoImage is the bytes of an image and what to declare for them.
type photoImage struct {
	contentType string
	data        []byte
}

func (img photoImage) sha256() string {
	s := sha256.Sum256(img.data)
	return hex.EncodeToString(s[:])
}

func (img photoImage) declare(kind string) map[string]any {
	return map[string]any{"kind": kind, "content_type": img.contentType, "size_bytes": len(img.data), "sha256": img.sha256()}
}

// photoPicture is a small gradient, different for every seed.
func photoPicture(seed int) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, 24, 16))
	for y := range 16 {
		for x := range 24 {
			m.Set(x, y, color.RGBA{R: uint8(x * 10), G: uint8(y * 15), B: uint8(seed * 37), A: 255})
		}
	}
	return m
}

func photoPNG(t *testing.T, seed int) photoImage {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, photoPicture(seed)); err != nil {
		t.Fatal(err)
	}
	return photoImage{"image/png", b.Bytes()}
}

func photoJPEG(t *testing.T, seed int) photoImage {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, photoPicture(seed), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return photoImage{"image/jpeg", b.Bytes()}
}

// photoWebP and photoHEIC have real headers (a RIFF/WEBP chunk, an ISO BMFF
// ftyp box) over filler: the service checks the header, not the pixels.
func photoWebP() photoImage {
	body := []byte("VP8L\x10\x00\x00\x00\x2f\x00\x00\x00\x00\x07\xd0\xff\xfe\xf7\xbf\xff\x81\x88\x08\x00")
	riff := append([]byte("RIFF"), 0, 0, 0, 0)
	riff = append(append(riff, "WEBP"...), body...)
	n := len(riff) - 8
	riff[4], riff[5], riff[6], riff[7] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return photoImage{"image/webp", riff}
}

func photoHEIC() photoImage {
	ftyp := []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic")
	return photoImage{"image/heic", append(ftyp, bytes.Repeat([]byte{0x42}, 200)...)}
}

// photoPath is the API path of a photo.
func photoPath(id uuid.UUID, suffix string) string { return "/v1/photos/" + id.String() + suffix }

func orderPhotosPath(orderID uuid.UUID) string {
	return "/v1/work-orders/" + orderID.String() + "/photos"
}

func (e *env) createPhoto(t *testing.T, token string, orderID uuid.UUID, body any) response {
	t.Helper()
	return e.do(t, req{method: "POST", path: orderPhotosPath(orderID), token: token, body: body})
}

// startPhoto creates a pending photo of img.
func (e *env) startPhoto(t *testing.T, token string, orderID uuid.UUID, img photoImage) photoUploadOut {
	t.Helper()
	var up photoUploadOut
	e.createPhoto(t, token, orderID, img.declare("label")).expect(t, 201).decode(t, &up)
	return up
}

func (e *env) completePhoto(t *testing.T, token string, id uuid.UUID) response {
	t.Helper()
	return e.do(t, req{method: "POST", path: photoPath(id, "/complete"), token: token})
}

// readyPhoto creates, uploads and completes a photo of img.
func (e *env) readyPhoto(t *testing.T, token string, orderID uuid.UUID, img photoImage) photoOut {
	t.Helper()
	up := e.startPhoto(t, token, orderID, img)
	if status, body := uploadPhoto(t, up, img.data, nil); status != 200 {
		t.Fatalf("upload: %d %s", status, body)
	}
	var p photoOut
	e.completePhoto(t, token, up.ID).expect(t, 200).decode(t, &p)
	return p
}

// uploadPhoto PUTs data as the upload says, with the header overrides
// (an empty value drops a header), straight to the store.
func uploadPhoto(t *testing.T, up photoUploadOut, data []byte, override map[string]string) (int, string) {
	t.Helper()
	return putPhotoURL(t, up.Upload.Method, up.Upload.URL, up.Upload.Headers, data, override)
}

func putPhotoURL(t *testing.T, method, u string, headers map[string]string, data []byte, override map[string]string) (int, string) {
	t.Helper()
	hr, err := http.NewRequest(method, u, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		hr.Header.Set(k, v) // Content-Length is the body's own
	}
	for k, v := range override {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// getPhoto asks for a photo without following the redirect and checks the
// answer against openapi.yaml.
func (e *env) getPhoto(t *testing.T, token string, id uuid.UUID) response {
	t.Helper()
	hr := e.buildRequest(t, req{method: "GET", path: photoPath(id, ""), token: token})
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := client.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Body: body}
	e.checkSpec(t, hr, out)
	return out
}

// downloadPhoto follows GET /v1/photos/{id} to the signed URL and returns
// the bytes and how long the URL was signed for.
func (e *env) downloadPhoto(t *testing.T, token string, id uuid.UUID) ([]byte, time.Duration) {
	t.Helper()
	loc := e.getPhoto(t, token, id).expect(t, 302).Header.Get("Location")
	if loc == "" {
		t.Fatal("302 without Location")
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %s", loc, res.StatusCode, err, data)
	}
	return data, signedLifetime(t, loc)
}

// signedLifetime is how long from now a signed URL stays valid: MinIO's
// X-Amz-Date plus X-Amz-Expires, or the local store's expires.
func signedLifetime(t *testing.T, raw string) time.Duration {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if exp := q.Get("X-Amz-Expires"); exp != "" {
		secs, err1 := strconv.Atoi(exp)
		signed, err2 := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
		if err1 != nil || err2 != nil {
			t.Fatalf("unreadable S3 signature in %s", raw)
		}
		return time.Until(signed.Add(time.Duration(secs) * time.Second))
	}
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil {
		t.Fatalf("no expiry in %s", raw)
	}
	return time.Until(time.Unix(exp, 0))
}

// uploadKey is where a photo's upload URL writes.
func uploadKey(orderID, id uuid.UUID) string {
	return photo.Photo{ID: id, WorkOrderID: orderID}.UploadKey()
}

// objectMissing fails unless the blob store has nothing under key.
func (e *env) objectMissing(t *testing.T, key string) {
	t.Helper()
	if info, err := e.app.Blob.Stat(t.Context(), key); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("object %s: %+v, %v; want not found", key, info, err)
	}
}

func (e *env) listPhotos(t *testing.T, token string, orderID uuid.UUID) []photoOut {
	t.Helper()
	return listAll(t, e, token, orderPhotosPath(orderID), 200, func(p photoOut) uuid.UUID { return p.ID })
}

func (e *env) photoStatus(t *testing.T, orderID, id uuid.UUID) string {
	t.Helper()
	for _, p := range e.listPhotos(t, e.admin, orderID) {
		if p.ID == id {
			return p.Status
		}
	}
	return "gone"
}

func TestPhoto_CreateUploadCompleteDownload_EveryImageType(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.assignedTo(t, f, f.tech)
		for _, img := range []photoImage{photoPNG(t, 1), photoJPEG(t, 2), photoWebP(), photoHEIC()} {
			t.Run(strings.TrimPrefix(img.contentType, "image/"), func(t *testing.T) {
				before := time.Now()
				up := e.startPhoto(t, f.tech.Token, o.ID, img)
				if up.Status != "pending" || up.Upload.Method != "PUT" || up.Upload.Headers["Content-Type"] != img.contentType {
					t.Fatalf("created %+v", up)
				}
				if life := up.Upload.ExpiresAt.Sub(before); life < 14*time.Minute || life > 15*time.Minute+2*time.Second {
					t.Fatalf("upload URL lives %v, want 15 min", life)
				}
				e.getPhoto(t, f.tech.Token, up.ID).expect(t, 409) // nothing to download yet
				if got := e.photoStatus(t, o.ID, up.ID); got != "pending" {
					t.Fatalf("listed as %s, want pending", got)
				}

				if status, body := uploadPhoto(t, up, img.data, nil); status != 200 {
					t.Fatalf("upload: %d %s", status, body)
				}
				var p photoOut
				e.completePhoto(t, f.tech.Token, up.ID).expect(t, 200).decode(t, &p)
				want := photoOut{ID: up.ID, WorkOrderID: o.ID, Kind: "label", ContentType: img.contentType, SizeBytes: int64(len(img.data)),
					SHA256: img.sha256(), Status: "ready", UploadedBy: f.tech.ID, CreatedAt: p.CreatedAt}
				if p != want || !p.CreatedAt.Equal(e.clock.Now()) {
					t.Fatalf("completed %+v\nwant      %+v at %v", p, want, e.clock.Now())
				}
				var again photoOut
				e.completePhoto(t, f.tech.Token, up.ID).expect(t, 200).decode(t, &again)
				if again != p {
					t.Fatalf("completing again gave %+v, want %+v", again, p)
				}
				// The checked copy is what is served; the upload is gone.
				e.objectMissing(t, uploadKey(o.ID, up.ID))

				data, life := e.downloadPhoto(t, f.tech.Token, up.ID)
				if !bytes.Equal(data, img.data) {
					t.Fatalf("downloaded %d bytes that differ from the %d uploaded", len(data), len(img.data))
				}
				if life > 5*time.Minute || life < 4*time.Minute {
					t.Fatalf("download URL lives %v, want at most 5 min", life)
				}
			})
		}
		if got := e.listPhotos(t, f.custUser.Token, o.ID); len(got) != 4 {
			t.Fatalf("the customer lists %d photos, want 4", len(got))
		}
	})
}

func TestPhoto_Complete_422_WhenTheBytesDoNotMatch(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.assignedTo(t, f, f.tech)
		// failed checks that the completion names field, deleted the upload
		// and left the photo pending.
		failed := func(t *testing.T, id uuid.UUID, field string) {
			t.Helper()
			e.completePhoto(t, f.tech.Token, id).expect(t, 422).problem(t).expectField(t, field)
			e.objectMissing(t, uploadKey(o.ID, id))
			if got := e.photoStatus(t, o.ID, id); got != "pending" {
				t.Fatalf("after a failed check the photo is %s, want pending", got)
			}
			e.getPhoto(t, f.tech.Token, id).expect(t, 409)
		}

		t.Run("WrongMagicBytes", func(t *testing.T) {
			jpg := photoJPEG(t, 3)
			asPNG := photoImage{"image/png", jpg.data} // a JPEG declared as a PNG
			up := e.startPhoto(t, f.tech.Token, o.ID, asPNG)
			if status, body := uploadPhoto(t, up, jpg.data, nil); status != 200 {
				t.Fatalf("upload: %d %s", status, body)
			}
			failed(t, up.ID, "content_type")
		})

		t.Run("WrongSHA256ThenARetryWithTheSameURL", func(t *testing.T) {
			img := photoPNG(t, 4)
			up := e.startPhoto(t, f.tech.Token, o.ID, img)
			corrupt := bytes.Clone(img.data)
			corrupt[len(corrupt)-5] ^= 0xFF // damaged in transit: same size, same header
			if status, body := uploadPhoto(t, up, corrupt, nil); status != 200 {
				t.Fatalf("upload: %d %s", status, body)
			}
			failed(t, up.ID, "sha256")
			// The photo stayed pending, so the uploader may send the bytes again.
			if status, body := uploadPhoto(t, up, img.data, nil); status != 200 {
				t.Fatalf("upload again: %d %s", status, body)
			}
			e.completePhoto(t, f.tech.Token, up.ID).expect(t, 200)
			if data, _ := e.downloadPhoto(t, f.custUser.Token, up.ID); !bytes.Equal(data, img.data) {
				t.Fatal("downloaded bytes differ from the good upload")
			}
		})

		t.Run("WrongSize", func(t *testing.T) {
			img := photoPNG(t, 5)
			up := e.startPhoto(t, f.tech.Token, o.ID, img)
			longer := append(bytes.Clone(img.data), "trailing"...)
			// The URL signs the size: the store itself refuses other lengths.
			for _, body := range [][]byte{longer, img.data[:len(img.data)-1]} {
				if status, _ := uploadPhoto(t, up, body, nil); status < 400 || status >= 500 {
					t.Fatalf("upload of %d bytes for a declared %d: %d, want a 4xx", len(body), len(img.data), status)
				}
			}
			// A store that took them anyway is caught by the check.
			if err := e.app.Blob.Put(t.Context(), uploadKey(o.ID, up.ID), bytes.NewReader(longer), int64(len(longer)), img.contentType); err != nil {
				t.Fatal(err)
			}
			failed(t, up.ID, "size_bytes")
		})

		t.Run("NoUpload", func(t *testing.T) {
			up := e.startPhoto(t, f.tech.Token, o.ID, photoPNG(t, 6))
			failed(t, up.ID, "upload")
		})
	})
}

func TestPhoto_UploadURL_RejectedWhenExpired(t *testing.T) {
	// The stores judge expiry by the wall clock (MinIO's own, and the
	// local store's), not the test's fake clock: the URL is made with the
	// shortest lifetime the stores allow, a second, and the test waits it out.
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.assignedTo(t, f, f.tech)
		img := photoPNG(t, 7)
		ctx := domain.WithActor(t.Context(), domain.Actor{UserID: f.tech.ID, Role: domain.RoleTechnician})
		p, up, err := e.app.Photos.WithUploadTTL(time.Second).Create(ctx, o.ID, photo.NewPhoto{Kind: photo.Label,
			ContentType: photo.PNG, SizeBytes: int64(len(img.data)), SHA256: img.sha256()})
		if err != nil {
			t.Fatal(err)
		}
		if life := time.Until(up.ExpiresAt); life > 2*time.Second {
			t.Fatalf("upload URL lives %v, want about a second", life)
		}
		time.Sleep(time.Until(up.ExpiresAt) + 1500*time.Millisecond)
		if status, body := putPhotoURL(t, up.Method, up.URL, up.Headers, img.data, nil); status != http.StatusForbidden {
			t.Fatalf("upload through an expired URL: %d %s, want 403", status, body)
		}
		e.objectMissing(t, p.UploadKey())
		e.completePhoto(t, f.tech.Token, p.ID).expect(t, 422).problem(t).expectField(t, "upload")
	})
}

func TestPhoto_UploadURL_RejectedWhenReplayedToAnotherKeyOrType(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.assignedTo(t, f, f.tech)
		img := photoPNG(t, 8)
		a := e.startPhoto(t, f.tech.Token, o.ID, img)
		b := e.startPhoto(t, f.tech.Token, o.ID, img) // the same declaration, another key

		replayed := strings.Replace(a.Upload.URL, a.ID.String(), b.ID.String(), 1)
		if replayed == a.Upload.URL {
			t.Fatalf("the upload URL %s does not name its photo", a.Upload.URL)
		}
		if status, body := putPhotoURL(t, a.Upload.Method, replayed, a.Upload.Headers, img.data, nil); status != http.StatusForbidden {
			t.Fatalf("A's URL aimed at B's key: %d %s, want 403", status, body)
		}
		e.objectMissing(t, uploadKey(o.ID, b.ID))
		e.completePhoto(t, f.tech.Token, b.ID).expect(t, 422).problem(t).expectField(t, "upload")

		// Another content type than the one signed is refused too.
		if status, _ := uploadPhoto(t, a, img.data, map[string]string{"Content-Type": "image/jpeg"}); status < 400 || status >= 500 {
			t.Fatalf("upload with another Content-Type: %d, want a 4xx", status)
		}
		e.objectMissing(t, uploadKey(o.ID, a.ID))
		// The URL itself still works as signed.
		if status, body := uploadPhoto(t, a, img.data, nil); status != 200 {
			t.Fatalf("upload: %d %s", status, body)
		}
		e.completePhoto(t, f.tech.Token, a.ID).expect(t, 200)
	})
}

func TestPhoto_Create_400_WhenOversizeOrUnknownBySpec(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.assignedTo(t, f, f.tech)
		good := photoPNG(t, 9).declare("before")
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for kk, vv := range good {
				m[kk] = vv
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		for name, body := range map[string]map[string]any{
			"Over15MiB":         with("size_bytes", photo.MaxSize+1),
			"Empty":             with("size_bytes", 0),
			"GIF":               with("content_type", "image/gif"),
			"ContentTypeParams": with("content_type", "image/png; charset=binary"),
			"UnknownKind":       with("kind", "selfie"),
			"UpperCaseSHA256":   with("sha256", strings.ToUpper(good["sha256"].(string))),
			"ShortSHA256":       with("sha256", "abc123"),
			"NoSHA256":          with("sha256", nil),
			"ExtraField":        with("object_key", "photos/elsewhere"),
		} {
			t.Run(name, func(t *testing.T) {
				e.createPhoto(t, f.tech.Token, o.ID, body).expect(t, 400)
			})
		}
		if n := len(e.listPhotos(t, e.admin, o.ID)); n != 0 {
			t.Fatalf("%d photos after bad requests, want 0", n)
		}

		t.Run("Exactly15MiBIsAccepted", func(t *testing.T) {
			big := photoImage{"image/png", append(bytes.Clone(photoPNG(t, 10).data[:8]), make([]byte, photo.MaxSize-8)...)}
			p := e.readyPhoto(t, f.tech.Token, o.ID, big)
			if p.SizeBytes != photo.MaxSize || p.Status != "ready" {
				t.Fatalf("15 MiB photo: %+v", p)
			}
		})
	})
}

func TestPhoto_AccessMatrix(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		former := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		o := e.assignedTo(t, f, former)
		o = e.step(t, f.dispatcher.Token, o, "assign", map[string]any{"technician_id": f.tech.ID}) // former keeps read access
		otherTech := e.createUser(t, domain.RoleTechnician, uuid.Nil)
		finance := e.createUser(t, domain.RoleFinance, uuid.Nil)
		otherCust := e.createUser(t, domain.RoleCustomer, e.createCustomer(t, "Other fleet "+uuid.NewString()[:8]))
		admin := user{Username: "admin", Token: e.admin}
		ready := e.readyPhoto(t, f.tech.Token, o.ID, photoPNG(t, 11))

		tests := []struct {
			name                          string
			who                           user
			create, complete, list, fetch int
		}{
			// Completing a photo nobody uploaded is 422 for whoever may
			// complete it: it got past visibility and role.
			{"AssignedTechnician", f.tech, 201, 422, 200, 302},
			{"Manager", f.manager, 201, 422, 200, 302},
			{"Dispatcher", f.dispatcher, 201, 422, 200, 302},
			{"Admin", admin, 201, 422, 200, 302},
			{"Finance", finance, 403, 403, 200, 302},
			{"OwnCustomer", f.custUser, 403, 403, 200, 302},
			{"FormerTechnician", former, 403, 403, 200, 302},
			{"OtherTechnician", otherTech, 404, 404, 404, 404},
			{"OtherCustomer", otherCust, 404, 404, 404, 404},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				created := e.createPhoto(t, tt.who.Token, o.ID, photoPNG(t, 12).declare("after")).expect(t, tt.create)
				pending := e.startPhoto(t, f.tech.Token, o.ID, photoPNG(t, 13))
				e.completePhoto(t, tt.who.Token, pending.ID).expect(t, tt.complete)
				e.do(t, req{method: "GET", path: orderPhotosPath(o.ID), token: tt.who.Token}).expect(t, tt.list)
				got := e.getPhoto(t, tt.who.Token, ready.ID).expect(t, tt.fetch)
				if tt.fetch == 302 {
					if data, _ := e.downloadPhoto(t, tt.who.Token, ready.ID); len(data) == 0 {
						t.Fatal("downloaded nothing")
					}
				} else if got.Header.Get("Location") != "" {
					t.Fatalf("a %d carries Location %s", got.Status, got.Header.Get("Location"))
				}
				if tt.create == 201 {
					var up photoUploadOut
					created.decode(t, &up)
					var p photoOut
					for _, lp := range e.listPhotos(t, e.admin, o.ID) {
						if lp.ID == up.ID {
							p = lp
						}
					}
					if p.UploadedBy == uuid.Nil || tt.who.ID != uuid.Nil && p.UploadedBy != tt.who.ID {
						t.Fatalf("uploaded_by %s, want %s", p.UploadedBy, tt.who.ID)
					}
				}
			})
		}

		t.Run("UnknownPhotoOrOrder", func(t *testing.T) {
			e.getPhoto(t, f.manager.Token, domain.NewID()).expect(t, 404)
			e.completePhoto(t, f.manager.Token, domain.NewID()).expect(t, 404)
			e.do(t, req{method: "GET", path: orderPhotosPath(domain.NewID()), token: f.manager.Token}).expect(t, 404)
			e.createPhoto(t, f.manager.Token, domain.NewID(), photoPNG(t, 14).declare("other")).expect(t, 404)
		})

		t.Run("CancelledOrderTakesNoNewPhotos", func(t *testing.T) {
			c := e.createOrder(t, f.custUser.Token, repairBody(f, "low"))
			e.step(t, f.custUser.Token, c, "cancel", map[string]any{"reason": "sold the truck"})
			e.createPhoto(t, f.manager.Token, c.ID, photoPNG(t, 15).declare("other")).expect(t, 409)
		})
	})
}

func TestPhoto_List_PagesInCreationOrder(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.assignedTo(t, f, f.tech)
		other := e.assignedTo(t, f, f.tech)
		var want []uuid.UUID
		for i := range 5 {
			want = append(want, e.startPhoto(t, f.tech.Token, o.ID, photoPNG(t, 20+i)).ID)
			e.startPhoto(t, f.tech.Token, other.ID, photoPNG(t, 30+i)) // never listed with o's
		}
		got := listAll(t, e, f.custUser.Token, orderPhotosPath(o.ID), 2, func(p photoOut) uuid.UUID { return p.ID })
		if len(got) != len(want) {
			t.Fatalf("listed %d photos, want %d", len(got), len(want))
		}
		for i, p := range got {
			if p.ID != want[i] || p.WorkOrderID != o.ID || p.Status != "pending" || p.Kind != "label" {
				t.Fatalf("item %d: %+v, want photo %s of order %s", i, p, want[i], o.ID)
			}
		}
		var last pageOut[photoOut]
		e.do(t, req{method: "GET", path: withQuery(orderPhotosPath(o.ID), "limit", "5"), token: f.tech.Token}).expect(t, 200).decode(t, &last)
		if len(last.Items) != 5 || last.NextCursor != nil {
			t.Fatalf("one page of 5: %d items, next %v", len(last.Items), last.NextCursor)
		}
		e.do(t, req{method: "GET", path: withQuery(orderPhotosPath(o.ID), "cursor", "not-a-cursor"), token: f.tech.Token}).expect(t, 400)
	})
}

func TestPhoto_PendingCleanupJob_DeletesPhotosPendingOver24h(t *testing.T) {
	withJobs := func(c *app.Config) { c.DisableBackground, c.JobPollInterval = false, 50*time.Millisecond }
	eachFooting(t, func(t *testing.T, e *env) {
		f := e.newFleet(t)
		o := e.assignedTo(t, f, f.tech)
		img := photoPNG(t, 40)
		ready := e.readyPhoto(t, f.tech.Token, o.ID, img)
		stale := e.startPhoto(t, f.tech.Token, o.ID, img)
		if status, body := uploadPhoto(t, stale, img.data, nil); status != 200 { // uploaded, never completed
			t.Fatalf("upload: %d %s", status, body)
		}
		never := e.startPhoto(t, f.tech.Token, o.ID, img) // never even uploaded

		events, cancel := e.app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := e.app.Jobs.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		prune := func() {
			t.Helper()
			job, err := e.app.Jobs.Insert(t.Context(), jobs.CleanupArgs{Task: "pending_photos"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitForJob(t, events, job.ID)
		}

		e.advance(t, &f, 23*time.Hour)
		prune()
		for _, id := range []uuid.UUID{stale.ID, never.ID} {
			if got := e.photoStatus(t, o.ID, id); got != "pending" {
				t.Fatalf("photo pending 23 h: %s, want still pending", got)
			}
		}
		if _, err := e.app.Blob.Stat(t.Context(), uploadKey(o.ID, stale.ID)); err != nil {
			t.Fatalf("upload of a photo pending 23 h: %v", err)
		}
		// An hour before the clean-up may take it, a pending photo can no
		// longer be completed, so the two never race.
		e.completePhoto(t, f.tech.Token, stale.ID).expect(t, 409)

		e.advance(t, &f, 2*time.Hour)
		prune()
		for _, id := range []uuid.UUID{stale.ID, never.ID} {
			if got := e.photoStatus(t, o.ID, id); got != "gone" {
				t.Fatalf("photo pending 25 h: %s, want gone", got)
			}
			e.objectMissing(t, uploadKey(o.ID, id))
			e.completePhoto(t, f.tech.Token, id).expect(t, 404)
		}
		// The ready photo is untouched, bytes and all.
		if got := e.photoStatus(t, o.ID, ready.ID); got != "ready" {
			t.Fatalf("ready photo after the clean-up: %s", got)
		}
		if data, _ := e.downloadPhoto(t, f.custUser.Token, ready.ID); !bytes.Equal(data, img.data) {
			t.Fatal("the ready photo's bytes changed")
		}
	}, withJobs)
}
