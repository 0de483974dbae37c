package api_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

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
		newcomer := e.createUserWithoutLogin(t, domain.RoleDispatcher).Username
		for i := 0; i < 20; i++ {
			e.do(t, loginReq(fmt.Sprintf("ghost%d", i), "wrong-password")).expect(t, 401)
		}
		r := e.do(t, loginReq(newcomer, "password-"+newcomer)).expect(t, 429)
		checkRetryAfter(t, r)
		// The admin logged in from this address before: the strangers behind
		// it can't lock it out.
		e.login("admin", adminPassword)
	})
}

// loginFrom is a login request from a client address, through a trusted proxy.
func loginFrom(address, username, password string) req {
	r := loginReq(username, password)
	r.header = map[string]string{"X-Forwarded-For": address}
	return r
}

func trustProxy(c *app.Config) { c.TrustProxy = true }

func checkRetryAfter(t *testing.T, r response) {
	t.Helper()
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 15*60 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
}

// createUserWithoutLogin creates a user that has never logged in, so no
// address is known for it; its password is "password-" and its username.
func (e *env) createUserWithoutLogin(t *testing.T, role domain.Role) user {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	name := fmt.Sprintf("%s%d", role, userSeq.n)
	userSeq.Unlock()
	body := map[string]any{"username": name, "password": "password-" + name, "display_name": "User " + name, "role": role}
	var u struct{ ID uuid.UUID }
	e.do(t, req{method: "POST", path: "/v1/users", token: e.admin, body: body}).expect(t, 201).decode(t, &u)
	return user{ID: u.ID, Username: name}
}

// concurrently sends every request at once, from goroutines released
// together, and checks the answers against the spec afterwards.
func (e *env) concurrently(t *testing.T, reqs []req) []response {
	t.Helper()
	hrs := make([]*http.Request, len(reqs))
	for i, r := range reqs {
		hrs[i] = e.buildRequest(t, r)
	}
	out := make([]response, len(reqs))
	errs := make([]error, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range hrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i], errs[i] = e.send(hrs[i])
		}()
	}
	close(start)
	wg.Wait()
	for i := range hrs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		e.checkSpec(t, hrs[i], out[i])
	}
	return out
}

// Every attempt is reserved, atomically with the count, before its password
// is checked: of 40 wrong passwords at once, only the limit reach the check.
func TestLogin_ConcurrentFailuresStopAtTheLimits(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		victim := e.createUserWithoutLogin(t, domain.RoleDispatcher).Username
		const n = 40
		for _, tt := range []struct {
			name string
			req  func(i int) req
			max  int
		}{
			{"one username from one address", func(int) req { return loginFrom("198.51.100.7", victim, "wrong-password") }, 5},
			{"one username from many addresses", func(i int) req { return loginFrom(fmt.Sprintf("203.0.113.%d", i+1), victim+"x", "wrong-password") }, 5},
			{"many usernames from one address", func(i int) req { return loginFrom("192.0.2.1", fmt.Sprintf("ghost%d", i), "wrong-password") }, 20},
		} {
			t.Run(tt.name, func(t *testing.T) {
				reqs := make([]req, n)
				for i := range reqs {
					reqs[i] = tt.req(i)
				}
				got := map[int]int{}
				for _, r := range e.concurrently(t, reqs) {
					got[r.Status]++
					if r.Status == 429 {
						checkRetryAfter(t, r)
					}
				}
				if got[401] != tt.max || got[429] != n-tt.max {
					t.Fatalf("answers %v; want %d × 401 and the rest 429", got, tt.max)
				}
			})
		}
	}, trustProxy)
}

// Right passwords are counted while they are checked too, but an attempt
// that finds the limit held only by attempts still being checked waits for
// them, and those that succeed release their reservations.
func TestLogin_ConcurrentRightPasswordsAllSucceed(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		u := e.createUserWithoutLogin(t, domain.RoleDispatcher).Username
		reqs := make([]req, 20)
		for i := range reqs {
			reqs[i] = loginFrom("198.51.100.9", u, "password-"+u)
		}
		for _, r := range e.concurrently(t, reqs) {
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		}
		// Nothing of them is left to count against the next attempts.
		e.do(t, loginFrom("198.51.100.10", u, "wrong-password")).expect(t, 401)
		e.do(t, loginFrom("198.51.100.10", u, "password-"+u)).expect(t, 200)
	}, trustProxy, func(c *app.Config) { c.LoginMaxPerUser = 2 })
}

// Strangers can't lock a user out of an address it logged in from lately,
// while they still get no more guesses than before.
func TestLogin_StrangersCannotLockAUserOutOfItsKnownAddress(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		// The admin logged in from 127.0.0.1 when the test began.
		for range 5 {
			e.do(t, loginFrom("203.0.113.66", "admin", "wrong-password")).expect(t, 401)
		}
		checkRetryAfter(t, e.do(t, loginFrom("203.0.113.66", "admin", adminPassword)).expect(t, 429))
		checkRetryAfter(t, e.do(t, loginFrom("203.0.113.67", "admin", adminPassword)).expect(t, 429))
		e.login("admin", adminPassword)

		// An office behind one address: a colleague who logged in from it
		// before keeps working after strangers there trip the address limit.
		colleague := e.createUserWithoutLogin(t, domain.RoleDispatcher).Username
		newcomer := e.createUserWithoutLogin(t, domain.RoleDispatcher).Username
		e.do(t, loginFrom("192.0.2.80", colleague, "password-"+colleague)).expect(t, 200)
		for i := range 20 {
			e.do(t, loginFrom("192.0.2.80", fmt.Sprintf("ghost%d", i), "wrong-password")).expect(t, 401)
		}
		e.do(t, loginFrom("192.0.2.80", newcomer, "password-"+newcomer)).expect(t, 429)
		e.do(t, loginFrom("192.0.2.80", colleague, "password-"+colleague)).expect(t, 200)

		// From its known address a user still gets only five guesses.
		for range 5 {
			e.do(t, loginFrom("192.0.2.80", colleague, "wrong-password")).expect(t, 401)
		}
		e.do(t, loginFrom("192.0.2.80", colleague, "password-"+colleague)).expect(t, 429)
	}, trustProxy)
}

// A login racing the disabling of its user must never leave a working
// token: either the login sees the user disabled, or its session is
// refused by the check of every request.
func TestLogin_RacingADisableLeavesNoWorkingToken(t *testing.T) {
	eachFooting(t, func(t *testing.T, e *env) {
		const rounds = 20
		won := 0
		for range rounds {
			u := e.createUserWithoutLogin(t, domain.RoleTechnician)
			out := e.concurrently(t, []req{
				loginReq(u.Username, "password-"+u.Username),
				{method: "PATCH", path: "/v1/users/" + u.ID.String(), token: e.admin, body: map[string]any{"disabled": true}},
			})
			out[1].expect(t, 200)
			if out[0].Status != 200 {
				out[0].expect(t, 401)
				continue
			}
			won++
			var tp tokenPair
			out[0].decode(t, &tp)
			e.do(t, req{method: "GET", path: "/v1/me", token: tp.AccessToken}).expect(t, 401)
			e.do(t, refreshReq(tp.RefreshToken)).expect(t, 401)
		}
		t.Logf("%d of %d logins got a token", won, rounds)
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
