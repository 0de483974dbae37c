package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 2000, MaxIdleConnsPerHost: 2000, IdleConnTimeout: time.Minute}}

// result summarizes one scenario.
type result struct {
	name                string
	count, failed       int
	p50, p90, p99, maxL time.Duration
	rps                 float64
}

// merge adds up rounds of one scenario.
func merge(rs []result) result {
	out := result{name: rs[0].name}
	var secs float64
	for _, r := range rs {
		out.count += r.count
		out.failed += r.failed
		secs += float64(r.count) / r.rps
		out.p50 = max(out.p50, r.p50)
		out.p90 = max(out.p90, r.p90)
		out.p99 = max(out.p99, r.p99)
		out.maxL = max(out.maxL, r.maxL)
	}
	out.rps = float64(out.count) / secs
	out.name += fmt.Sprintf(" (%d alternating rounds; worst round's quantiles)", len(rs))
	return out
}

func summarize(name string, lat []time.Duration, failed int, elapsed time.Duration) result {
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	r := result{name: name, count: len(lat), failed: failed, p50: q(0.50), p90: q(0.90), p99: q(0.99), rps: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		r.maxL = lat[len(lat)-1]
	}
	return r
}

// call sends one request and reports its status.
func call(method, u, token string, body any, header map[string]string) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, raw, res.Header, err
}

// constantRate offers rate requests per second for n requests (open loop).
// Latency runs from when a request was due, not when it was sent, so a
// server that falls behind is charged for the queue it causes.
func constantRate(ctx context.Context, name string, rate, n int, do func(i int) error) result {
	lat := make([]time.Duration, 0, n)
	var mu sync.Mutex
	var failed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 1024)
	start := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		due := start.Add(time.Duration(i) * time.Second / time.Duration(rate))
		time.Sleep(time.Until(due))
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := do(i); err != nil {
				failed.Add(1)
				return
			}
			d := time.Since(due)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarize(name, lat, int(failed.Load()), time.Since(start))
}

// errExhausted tells closedLoop's worker that there is no more work.
var errExhausted = errors.New("no more work")

// closedLoop runs workers back to back for d, or until do runs out of work:
// the throughput ceiling.
func closedLoop(ctx context.Context, name string, workers int, d time.Duration, do func(i int) error) result {
	var mu sync.Mutex
	var lat []time.Duration
	var failed atomic.Int64
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d && ctx.Err() == nil {
				t := time.Now()
				if err := do(int(n.Add(1))); err != nil {
					if errors.Is(err, errExhausted) {
						return
					}
					failed.Add(1)
					continue
				}
				mu.Lock()
				lat = append(lat, time.Since(t))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return summarize(name, lat, int(failed.Load()), time.Since(start))
}

func expect(status int, want int, body []byte) error {
	if status != want {
		return fmt.Errorf("status %d, want %d: %.200s", status, want, body)
	}
	return nil
}

// compareGet reads random orders of one technician from both servers.
func (f *fixture) compareGet(ctx context.Context, o options) (fw, bare []result, err error) {
	get := func(base string) func(i int) error {
		return func(i int) error {
			id := f.techOrder[rand.IntN(len(f.techOrder))]
			st, body, _, err := call("GET", base+"/v1/work-orders/"+id.String(), f.tech, nil, nil)
			if err != nil {
				return err
			}
			return expect(st, 200, body)
		}
	}
	n := o.readRate * int(o.duration.Seconds())
	servers := []struct {
		base string
		out  *[]result
	}{{f.appURL, &fw}, {f.bareURL, &bare}}
	for _, s := range servers {
		closedLoop(ctx, "warm-up", 16, 3*time.Second, get(s.base))
		*s.out = append(*s.out, constantRate(ctx, fmt.Sprintf("%d req/s", o.readRate), o.readRate, n, get(s.base)))
	}
	// The ceiling alternates short rounds between the two servers, so that
	// drift on the machine (caches warming, other work) falls on both alike.
	const rounds = 4
	ceilings := make([][]result, len(servers))
	for round := range rounds {
		for i, s := range servers {
			stop := func() {}
			if o.cpuProfile != "" && round == rounds-1 {
				path := o.cpuProfile
				if s.base == f.bareURL {
					path += ".bare"
				}
				if stop, err = startProfile(path); err != nil {
					return nil, nil, err
				}
			}
			ceilings[i] = append(ceilings[i], closedLoop(ctx, "max throughput, 32 clients", 32, o.duration/rounds, get(s.base)))
			stop()
		}
	}
	for i, s := range servers {
		*s.out = append(*s.out, merge(ceilings[i]))
	}
	for _, r := range append(fw, bare...) {
		if r.failed > 0 {
			return nil, nil, fmt.Errorf("%s: %d requests failed", r.name, r.failed)
		}
	}
	return fw, bare, nil
}

// board measures the dispatch board's first and last page.
func (f *fixture) board(ctx context.Context, o options) (first, last result, pages int, err error) {
	base := f.appURL + "/v1/work-orders?status=approved,assigned&sort=respond_by&limit=50"
	page := func(cursor string) (string, error) {
		u := base
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		st, body, _, err := call("GET", u, f.dispatch, nil, nil)
		if err != nil {
			return "", err
		}
		if err := expect(st, 200, body); err != nil {
			return "", err
		}
		var p struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return "", err
		}
		if p.NextCursor == nil {
			return "", nil
		}
		return *p.NextCursor, nil
	}
	lastCursor, cursor := "", ""
	for {
		next, err := page(cursor)
		if err != nil {
			return first, last, pages, err
		}
		pages++
		if next == "" {
			lastCursor = cursor
			break
		}
		cursor = next
	}
	measure := func(name, cursor string) result {
		return constantRate(ctx, name, 50, o.boardPages, func(int) error { _, err := page(cursor); return err })
	}
	return measure("first page", ""), measure("last page", lastCursor), pages, nil
}

// writes creates orders at the write rate and then moves them through the
// lifecycle, one action at a time, at the same rate.
func (f *fixture) writes(ctx context.Context, o options) ([]result, error) {
	n := o.writeRate * int(o.duration.Seconds())
	orders := make([]order, n)
	var out []result
	out = append(out, constantRate(ctx, "create", o.writeRate, n, func(i int) error {
		w, err := f.create(f.appURL)
		orders[i] = w
		return err
	}))
	for _, s := range f.writeSteps() {
		out = append(out, constantRate(ctx, s.action, o.writeRate, n, func(i int) error {
			if orders[i].id == uuid.Nil {
				return fmt.Errorf("order %d was not created", i)
			}
			return f.transition(f.appURL, s, &orders[i])
		}))
	}
	for _, r := range out {
		if r.failed > 0 {
			return out, fmt.Errorf("%s: %d requests failed", r.name, r.failed)
		}
	}
	return out, nil
}

// techOfToken is the id of the technician the scenarios act as.
func (f *fixture) techOfToken() uuid.UUID {
	_, body, _, _ := call("GET", f.appURL+"/v1/me", f.tech, nil, nil)
	var me struct {
		ID uuid.UUID `json:"id"`
	}
	_ = json.Unmarshal(body, &me)
	return me.ID
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
