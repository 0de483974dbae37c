package api_test

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
	"github.com/fieldwork/fieldwork/domain"
)

func loginReq(username, password string) req {
	return req{method: "POST", path: "/v1/auth/login", body: map[string]string{"username": username, "password": password}}
}

func refreshReq(token string) req {
	return req{method: "POST", path: "/v1/auth/refresh", body: map[string]string{"refresh_token": token}}
}

func TestLogin_200_IssuesAShortLivedBearerPair(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		var tp tokenPair
		e.do(t, loginReq("ADMIN", adminPassword)).expect(t, 200).decode(t, &tp)
		if tp.TokenType != "Bearer" || tp.ExpiresIn <= 0 || tp.ExpiresIn > 900 || tp.RefreshToken == "" {
			t.Fatalf("pair %+v", tp)
		}
		var me struct{ Username, Role string }
		e.do(t, req{method: "GET", path: "/v1/me", token: tp.AccessToken}).expect(t, 200).decode(t, &me)
		if me.Username != "admin" || me.Role != "admin" {
			t.Fatalf("me %+v", me)
		}
	})
}

func TestLogin_401_SameAnswerForUnknownUserAndWrongPassword(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		wrong := e.do(t, loginReq("admin", "not-the-password")).expect(t, 401)
		unknown := e.do(t, loginReq("nobody", "not-the-password")).expect(t, 401)
		if string(wrong.Body) != string(unknown.Body) {
			t.Fatalf("answers differ:\n%s\n%s", wrong.Body, unknown.Body)
		}
		if wrong.Header.Get("WWW-Authenticate") == "" {
			t.Fatal("401 without WWW-Authenticate")
		}
	})
}

func TestLogin_401_DisabledUser(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		u := e.createUser(t, domain.RoleTechnician, [16]byte{})
		e.do(t, req{method: "PATCH", path: "/v1/users/" + u.ID.String(), token: e.admin, body: map[string]any{"disabled": true}}).expect(t, 200)
		e.do(t, loginReq(u.Username, "password-"+u.Username)).expect(t, 401)
		e.do(t, req{method: "GET", path: "/v1/me", token: u.Token}).expect(t, 401)
	})
}

func TestLogin_429_AfterFiveFailuresForOneUsername(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		victim := e.createUser(t, domain.RoleDispatcher, [16]byte{})
		other := e.createUser(t, domain.RoleManager, [16]byte{})
		for i := 0; i < 5; i++ {
			e.do(t, loginReq(victim.Username, "wrong-password")).expect(t, 401)
		}
		r := e.do(t, loginReq(victim.Username, "password-"+victim.Username)).expect(t, 429)
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 15*60 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		// Other users are not slowed, from the same address.
		e.login(other.Username, "password-"+other.Username)
		// After the window the right password works again.
		e.clock.Advance(15*time.Minute + time.Second)
		e.login(victim.Username, "password-"+victim.Username)
	})
}

func TestLogin_429_AfterTwentyFailuresFromOneAddress(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		for i := 0; i < 20; i++ {
			e.do(t, loginReq(fmt.Sprintf("ghost%d", i), "wrong-password")).expect(t, 401)
		}
		e.do(t, loginReq("admin", adminPassword)).expect(t, 429)
	})
}

func TestLogin_LimitsAreConfigurable(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		e.do(t, loginReq("admin", "wrong-password")).expect(t, 401)
		e.do(t, loginReq("admin", "wrong-password")).expect(t, 429)
	}, func(c *app.Config) { c.LoginMaxPerUser = 1 })
}

func TestRefresh_RotatesAndTheOldTokenStopsAfterTheGrace(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		first := e.login("admin", adminPassword)
		e.clock.Advance(time.Second)
		var second tokenPair
		e.do(t, refreshReq(first.RefreshToken)).expect(t, 200).decode(t, &second)
		if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
			t.Fatal("refresh did not rotate")
		}
		e.do(t, req{method: "GET", path: "/v1/me", token: second.AccessToken}).expect(t, 200)
		var third tokenPair
		e.do(t, refreshReq(second.RefreshToken)).expect(t, 200).decode(t, &third)
		e.do(t, req{method: "GET", path: "/v1/me", token: third.AccessToken}).expect(t, 200)
	})
}

func TestRefresh_RetryWithinGraceReturnsTheSamePair(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		first := e.login("admin", adminPassword)
		e.clock.Advance(time.Second)
		var a, b tokenPair
		e.do(t, refreshReq(first.RefreshToken)).expect(t, 200).decode(t, &a)
		e.clock.Advance(9 * time.Second)
		e.do(t, refreshReq(first.RefreshToken)).expect(t, 200).decode(t, &b)
		if a.AccessToken != b.AccessToken || a.RefreshToken != b.RefreshToken {
			t.Fatalf("retry got another pair:\n%+v\n%+v", a, b)
		}
		e.do(t, req{method: "GET", path: "/v1/me", token: b.AccessToken}).expect(t, 200)
	})
}

func TestRefresh_ConcurrentRetriesGetOnePair(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		first := e.login("admin", adminPassword)
		const n = 8
		pairs := make([]tokenPair, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.do(t, refreshReq(first.RefreshToken)).expect(t, 200).decode(t, &pairs[i])
			}()
		}
		wg.Wait()
		for _, p := range pairs[1:] {
			if p.RefreshToken != pairs[0].RefreshToken || p.AccessToken != pairs[0].AccessToken {
				t.Fatal("concurrent retries got different pairs")
			}
		}
	})
}

func TestRefresh_ReuseAfterGraceRevokesEveryTokenOfTheLogin(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		other := e.login("admin", adminPassword) // another login of the same user survives
		first := e.login("admin", adminPassword)
		var second tokenPair
		e.do(t, refreshReq(first.RefreshToken)).expect(t, 200).decode(t, &second)
		e.clock.Advance(11 * time.Second)
		e.do(t, refreshReq(first.RefreshToken)).expect(t, 401)
		e.do(t, req{method: "GET", path: "/v1/me", token: second.AccessToken}).expect(t, 401)
		e.do(t, refreshReq(second.RefreshToken)).expect(t, 401)
		e.do(t, req{method: "GET", path: "/v1/me", token: other.AccessToken}).expect(t, 200)
	}, func(c *app.Config) { c.RefreshGrace = 10 * time.Second })
}

func TestRefresh_401_UnknownToken(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		e.do(t, refreshReq("bm90LWEtcmVhbC10b2tlbg")).expect(t, 401)
	})
}

func TestLogout_204_EndsTheLogin(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		tp := e.login("admin", adminPassword)
		logout := req{method: "POST", path: "/v1/auth/logout", body: map[string]string{"refresh_token": tp.RefreshToken}}
		e.do(t, logout).expect(t, 204)
		e.do(t, req{method: "GET", path: "/v1/me", token: tp.AccessToken}).expect(t, 401)
		e.do(t, refreshReq(tp.RefreshToken)).expect(t, 401)
		e.do(t, logout).expect(t, 204) // idempotent
	})
}

func TestAccessToken_401_ExpiredTamperedOrForged(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		tp := e.login("admin", adminPassword)
		parts := strings.Split(tp.AccessToken, ".")
		none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
		tampered := parts[0] + "." + parts[1] + "x." + parts[2]
		for name, tok := range map[string]string{"alg none": none, "tampered": tampered, "garbage": "garbage"} {
			t.Run(name, func(t *testing.T) {
				e.do(t, req{method: "GET", path: "/v1/me", token: tok}).expect(t, 401)
			})
		}
		e.do(t, req{method: "GET", path: "/v1/me"}).expect(t, 401)
		e.do(t, req{method: "GET", path: "/v1/me", header: map[string]string{"Authorization": "Basic YWRtaW46eA=="}}).expect(t, 401)
		e.clock.Advance(15*time.Minute + time.Second)
		e.do(t, req{method: "GET", path: "/v1/me", token: tp.AccessToken}).expect(t, 401)
	})
}

func TestRateLimit_HeadersOnEveryResponseAnd429WhenSpent(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		r := e.do(t, req{method: "GET", path: "/v1/me", token: e.admin}).expect(t, 200)
		if r.Header.Get("RateLimit-Limit") != "3" || r.Header.Get("RateLimit-Remaining") == "" || r.Header.Get("RateLimit-Reset") == "" {
			t.Fatalf("headers %v", r.Header)
		}
		e.do(t, req{method: "GET", path: "/v1/me", token: e.admin}).expect(t, 200)
		e.do(t, req{method: "GET", path: "/v1/me", token: e.admin}).expect(t, 200)
		r = e.do(t, req{method: "GET", path: "/v1/me", token: e.admin}).expect(t, 429)
		if r.Header.Get("Retry-After") == "" || r.Header.Get("RateLimit-Remaining") != "0" {
			t.Fatalf("headers %v", r.Header)
		}
		e.clock.Advance(time.Minute)
		e.do(t, req{method: "GET", path: "/v1/me", token: e.admin}).expect(t, 200)
	}, func(c *app.Config) { c.RateLimit = 3 })
}
