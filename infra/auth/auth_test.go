package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	domauth "github.com/fieldwork/fieldwork/domain/auth"
	"github.com/fieldwork/fieldwork/infra/auth"
)

func TestPasswords_HashAndVerify(t *testing.T) {
	p := auth.NewPasswords(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1})
	h, err := p.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	if !p.Verify("correct horse battery", h) {
		t.Fatal("right password rejected")
	}
	if p.Verify("wrong horse battery", h) {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", h[:len(h)-3] + "!!!"} {
		if p.Verify("correct horse battery", bad) {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
}

func newTokens(t *testing.T, secret string) *auth.Tokens {
	t.Helper()
	tk, err := auth.NewTokens([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTokens(t *testing.T) {
	tk := newTokens(t, strings.Repeat("s", 32))
	now := time.Now().UTC().Truncate(time.Second)
	c := domauth.AccessClaims{UserID: uuid.New(), SessionID: uuid.New(), TokenID: uuid.New(), IssuedAt: now, ExpiresAt: now.Add(15 * time.Minute)}
	tok, err := tk.SignAccess(c)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := tk.SignAccess(c)
	if again != tok {
		t.Fatal("signing is not deterministic; replayed refreshes would differ")
	}
	got, err := tk.ParseAccess(tok, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != c.UserID || got.SessionID != c.SessionID || got.TokenID != c.TokenID {
		t.Fatalf("claims changed: %+v", got)
	}
	if _, err := tk.ParseAccess(tok, now.Add(16*time.Minute)); err == nil {
		t.Fatal("expired token accepted")
	}
	if _, err := newTokens(t, strings.Repeat("x", 32)).ParseAccess(tok, now); err == nil {
		t.Fatal("token of another secret accepted")
	}

	forge := func(method jwt.SigningMethod, key any, mc jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, mc).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": auth.Issuer, "aud": auth.Audience, "sub": c.UserID.String(), "sid": c.SessionID.String(),
			"jti": c.TokenID.String(), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	}
	secret := []byte(strings.Repeat("s", 32))
	cases := map[string]string{
		"alg none":     forge(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, base()),
		"alg HS512":    forge(jwt.SigningMethodHS512, secret, base()),
		"no exp":       forge(jwt.SigningMethodHS256, secret, func() jwt.MapClaims { m := base(); delete(m, "exp"); return m }()),
		"wrong iss":    forge(jwt.SigningMethodHS256, secret, func() jwt.MapClaims { m := base(); m["iss"] = "other"; return m }()),
		"no aud":       forge(jwt.SigningMethodHS256, secret, func() jwt.MapClaims { m := base(); delete(m, "aud"); return m }()),
		"wrong aud":    forge(jwt.SigningMethodHS256, secret, func() jwt.MapClaims { m := base(); m["aud"] = "x"; return m }()),
		"bad sub":      forge(jwt.SigningMethodHS256, secret, func() jwt.MapClaims { m := base(); m["sub"] = "42"; return m }()),
		"not a token":  "abc.def.ghi",
		"empty string": "",
	}
	for name, tok := range cases {
		if _, err := tk.ParseAccess(tok, now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestTokens_Refresh(t *testing.T) {
	tk := newTokens(t, strings.Repeat("s", 32))
	a, _ := tk.NewRefresh()
	b, _ := tk.NewRefresh()
	if a == b || len(a) < 40 {
		t.Fatalf("refresh tokens not random enough: %q %q", a, b)
	}
	if tk.NextRefresh(a) != tk.NextRefresh(a) || tk.NextRefresh(a) == tk.NextRefresh(b) {
		t.Fatal("NextRefresh must be a deterministic function of the previous token")
	}
	if newTokens(t, strings.Repeat("x", 32)).NextRefresh(a) == tk.NextRefresh(a) {
		t.Fatal("NextRefresh must depend on the secret")
	}
	if tk.HashRefresh(a) == a || len(tk.HashRefresh(a)) != 64 {
		t.Fatal("refresh hash is not a SHA-256 hex digest")
	}
	if _, err := auth.NewTokens([]byte("short")); err == nil {
		t.Fatal("short secret accepted")
	}
}
