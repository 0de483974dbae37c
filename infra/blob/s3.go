package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fieldwork/fieldwork/domain"
)

// S3Config locates an S3-compatible bucket.
type S3Config struct {
	// Endpoint is host[:port], without a scheme.
	Endpoint  string
	AccessKey string
	SecretKey string
	Bucket    string
	// Region may be empty for MinIO.
	Region string
	UseSSL bool
}

// S3 is a Store in an S3-compatible bucket; clients use presigned URLs
// against the bucket directly.
type S3 struct {
	client *minio.Client
	bucket string
}

var _ Store = (*S3)(nil)

// NewS3 connects to the bucket, creating it if it does not exist.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("blob s3: endpoint and bucket are required")
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("blob s3: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob s3: bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		// Another instance starting at the same time may have won the race.
		if err != nil && minio.ToErrorResponse(err).Code != minio.BucketAlreadyOwnedByYou {
			return nil, fmt.Errorf("blob s3: create bucket %s: %w", cfg.Bucket, err)
		}
	}
	return &S3{client: client, bucket: cfg.Bucket}, nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, ct string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	ct, err := contentType(ct)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if size < -1 {
		return fmt.Errorf("put %s: %w", key, domain.Invalid("size", "must be -1 (unknown) or more"))
	}
	_, err = s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: ct})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := checkKey(key); err != nil {
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Info{}, fmt.Errorf("get %s: %w", key, s3Err(err))
	}
	// GetObject is lazy; Stat makes the request, so a missing key shows here
	// rather than on the caller's first Read.
	oi, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Info{}, fmt.Errorf("get %s: %w", key, s3Err(err))
	}
	return obj, s3Info(key, oi), nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey(key); err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, err)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, s3Err(err))
	}
	return s3Info(key, oi), nil
}

// Delete implements Store; S3 already treats a missing key as deleted.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// PresignPut implements Store. Content-Type and Content-Length are signed,
// so the bucket refuses any other type or size, as Dir's handler does.
func (s *S3) PresignPut(ctx context.Context, key, ct string, size int64, ttl time.Duration) (Presigned, error) {
	if err := checkKey(key); err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	ct, err := contentType(ct)
	if err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	if size < 0 {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, domain.Invalid("size", "must not be negative"))
	}
	if err := checkTTL(ttl); err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	length := strconv.FormatInt(size, 10)
	// S3 counts from the signing time truncated to the second, so this is
	// never later than the real expiry.
	now := time.Now().Truncate(time.Second)
	u, err := s.client.PresignHeader(ctx, http.MethodPut, s.bucket, key, ttl, nil, http.Header{
		"Content-Type":   {ct},
		"Content-Length": {length},
	})
	if err != nil {
		return Presigned{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	return Presigned{
		Method:    http.MethodPut,
		URL:       u.String(),
		Headers:   map[string]string{"Content-Type": ct, "Content-Length": length},
		ExpiresAt: now.Add(ttl),
	}, nil
}

// PresignGet implements Store.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (Presigned, error) {
	if err := checkKey(key); err != nil {
		return Presigned{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	if err := checkTTL(ttl); err != nil {
		return Presigned{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	now := time.Now().Truncate(time.Second)
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, ttl, nil)
	if err != nil {
		return Presigned{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	return Presigned{
		Method:    http.MethodGet,
		URL:       u.String(),
		Headers:   map[string]string{},
		ExpiresAt: now.Add(ttl),
	}, nil
}

// Ping implements Store.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("ping bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("ping bucket %s: bucket is gone", s.bucket)
	}
	return nil
}

func s3Info(key string, oi minio.ObjectInfo) Info {
	return Info{Key: key, Size: oi.Size, ContentType: oi.ContentType, ModTime: oi.LastModified}
}

// s3Err turns a missing key into the domain's not-found and keeps the
// original for logs.
func s3Err(err error) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && resp.Code == minio.NoSuchKey {
		return fmt.Errorf("%w (%s)", domain.NotFound("object"), resp.Code)
	}
	return err
}
