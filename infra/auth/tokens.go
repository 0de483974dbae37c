package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	domauth "github.com/fieldwork/fieldwork/domain/auth"
)

// Issuer and Audience are the iss and aud of every access token.
const (
	Issuer   = "fieldwork"
	Audience = "fieldwork-api"
)

// Tokens signs HS256 access tokens and derives refresh tokens. The secret
// must be shared by every instance.
type Tokens struct {
	secret []byte
}

var _ domauth.Tokens = (*Tokens)(nil)

// NewTokens returns a signer; the secret must be at least 32 bytes.
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) < 32 {
		return nil, errors.New("JWT secret must be at least 32 bytes")
	}
	return &Tokens{secret: secret}, nil
}

type claims struct {
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

// SignAccess signs the claims; equal claims give an equal token.
func (t *Tokens) SignAccess(c domauth.AccessClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		SessionID: c.SessionID.String(),
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   c.UserID.String(),
			Audience:  jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(c.IssuedAt),
			ID:        c.TokenID.String(),
		},
	})
	s, err := tok.SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return s, nil
}

// ParseAccess verifies the token with the algorithm pinned to HS256 and
// iss, aud and exp required.
func (t *Tokens) ParseAccess(token string, now time.Time) (domauth.AccessClaims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return domauth.AccessClaims{}, fmt.Errorf("parse access token: %w", err)
	}
	uid, err1 := uuid.Parse(c.Subject)
	sid, err2 := uuid.Parse(c.SessionID)
	jti, err3 := uuid.Parse(c.ID)
	if err := errors.Join(err1, err2, err3); err != nil {
		return domauth.AccessClaims{}, fmt.Errorf("parse access token claims: %w", err)
	}
	return domauth.AccessClaims{UserID: uid, SessionID: sid, TokenID: jti, IssuedAt: c.IssuedAt.Time, ExpiresAt: c.ExpiresAt.Time}, nil
}

// NewRefresh returns 32 random bytes, base64url.
func (t *Tokens) NewRefresh() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// NextRefresh is HMAC-SHA256(secret, previous): unguessable without the
// secret, and the same for a retried rotation.
func (t *Tokens) NextRefresh(previous string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte("fieldwork refresh rotation\x00"))
	m.Write([]byte(previous))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// HashRefresh is the stored form of a refresh token: hex SHA-256. Refresh
// tokens carry 256 bits of entropy, so a fast hash is enough.
func (t *Tokens) HashRefresh(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
