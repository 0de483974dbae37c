package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fieldwork/fieldwork/infra/blob/blobtest"
	"github.com/fieldwork/fieldwork/infra/store"
	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

func TestRun_Version(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "fieldwork ") {
		t.Fatalf("version printed %q", out.String())
	}
}

func TestRun_UsageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "extra"}} {
		if err := run(context.Background(), args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	bad := map[string]string{"FIELDWORK_REFRESH_GRACE": "ten seconds"}
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return bad[k] }, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "FIELDWORK_REFRESH_GRACE") {
		t.Fatalf("bad configuration: %v", err)
	}
}

func TestRun_Migrate(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			env := map[string]string{"DATABASE_URL": f.DatabaseURL, "FIELDWORK_DATA_DIR": f.DataDir}
			for range 2 { // the second run finds nothing to do
				if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, io.Discard); err != nil {
					t.Fatal(err)
				}
			}
			db, err := store.Open(context.Background(), f.DatabaseURL, f.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, table := range []string{"users", "customers", "vehicles", "events", "river_job"} {
				if _, err := db.SQL().Exec("SELECT count(*) FROM " + table); err != nil {
					t.Errorf("table %s: %v", table, err)
				}
			}
		})
	}
}

var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// TestMain removes the binary that the tests built (some 50 MB), which no
// single test's TempDir can own since the tests share it.
func TestMain(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		if err := os.RemoveAll(build.dir); err != nil {
			fmt.Fprintln(os.Stderr, "remove the test binary:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// binary builds cmd/fieldwork once for the tests that run it as a process.
func binary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "fieldwork-bin")
		if err != nil {
			build.err = err
			return
		}
		build.dir = dir
		build.path = filepath.Join(dir, "fieldwork")
		out, err := exec.Command("go", "build", "-o", build.path, ".").CombinedOutput()
		if err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// process is a running `fieldwork serve`.
type process struct {
	cmd  *exec.Cmd
	url  string
	mu   sync.Mutex
	logs []map[string]any
	done chan error
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func serve(t *testing.T, env []string) *process {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append(os.Environ(), append(env, "FIELDWORK_ADDR="+addr)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, url: "http://" + addr, done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				p.mu.Lock()
				p.logs = append(p.logs, line)
				p.mu.Unlock()
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(p.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			p.mu.Lock()
			logs, _ := json.Marshal(p.logs)
			p.mu.Unlock()
			t.Fatalf("fieldwork serve not ready: %v\nlog: %s", err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *process) logged(msg string) map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.logs {
		if l["msg"] == msg {
			return l
		}
	}
	return nil
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit within 20s of SIGTERM")
	}
}

func login(t *testing.T, base, username, password string) string {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
	res, err := http.Post(base+"/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tp struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tp); err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	return tp.AccessToken
}

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// footingEnv is the environment that runs the binary on footing f, with a
// fresh JWT secret, the photos in MinIO beside PostgreSQL, and extra.
func footingEnv(t *testing.T, f storetest.Footing, extra ...string) []string {
	t.Helper()
	env := append([]string{"FIELDWORK_DATA_DIR=" + f.DataDir, "FIELDWORK_JWT_SECRET="}, extra...)
	if f.DatabaseURL != "" {
		env = append(env, "DATABASE_URL="+f.DatabaseURL)
		if s3, ok := blobtest.MinIO(t); ok {
			env = append(env, "FIELDWORK_S3_ENDPOINT="+s3.Endpoint, "FIELDWORK_S3_ACCESS_KEY="+s3.AccessKey,
				"FIELDWORK_S3_SECRET_KEY="+s3.SecretKey, "FIELDWORK_S3_BUCKET="+s3.Bucket, fmt.Sprintf("FIELDWORK_S3_USE_SSL=%v", s3.UseSSL))
		}
	}
	return env
}

// TestServe_FirstStartRestartAndGracefulStop runs the binary as an operator
// would: the first start creates the admin and prints its password once,
// River works its jobs, a restart keeps sessions (the generated JWT secret
// is kept), and SIGTERM lets a request in flight finish before exit 0.
func TestServe_FirstStartRestartAndGracefulStop(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			env := footingEnv(t, f, "FIELDWORK_ADMIN_PASSWORD=")
			p := serve(t, env)
			created := p.logged("created user admin with a generated password; it is shown only this once")
			if created == nil {
				t.Fatal("no admin password in the log")
			}
			password, _ := created["password"].(string)
			token := login(t, p.url, "admin", password)
			if p.logged("River client started") == nil {
				t.Fatal("River did not start")
			}
			waitForJob(t, f, "cleanup")
			p.stop(t)

			p = serve(t, env)
			if p.logged("created user admin with a generated password; it is shown only this once") != nil {
				t.Fatal("admin created twice")
			}
			if code := get(t, p.url+"/v1/me", token); code != 200 {
				t.Fatalf("token from before the restart: %d", code)
			}

			// A slow request is in flight when SIGTERM arrives; it completes.
			body := `{"name":"Slow Fleet","contact_name":"Wang","phone":"13800138000","address":"Guangzhou"}`
			pr, pw := io.Pipe()
			req, _ := http.NewRequest("POST", p.url+"/v1/customers", pr)
			req.ContentLength = int64(len(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			result := make(chan int, 1)
			go func() {
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					result <- 0
					return
				}
				res.Body.Close()
				result <- res.StatusCode
			}()
			_, _ = pw.Write([]byte(body[:10]))
			time.Sleep(300 * time.Millisecond) // the request is now being read by the server
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			_, _ = pw.Write([]byte(body[10:]))
			_ = pw.Close()
			if code := <-result; code != 201 {
				t.Fatalf("in-flight request got %d", code)
			}
			select {
			case err := <-p.done:
				if err != nil {
					t.Fatalf("exit: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("no exit after SIGTERM")
			}

		})
	}
}

// waitForJob waits until River has completed a job of the kind: proof that
// the serving process runs background work on this footing.
func waitForJob(t *testing.T, f storetest.Footing, kind string) {
	t.Helper()
	db, err := store.Open(context.Background(), f.DatabaseURL, f.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := db.SQL().QueryRow(`SELECT count(*) FROM river_job WHERE kind = '` + kind + `' AND state = 'completed'`).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed %s job within 30s: River is not working on this footing", kind)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServe_ANotificationSurvivesACrashBetweenCommitAndDelivery kills the
// process (SIGKILL) while a webhook delivery is in flight, after the change
// that caused it committed; the restarted process delivers it, with the same
// event id.
func TestServe_ANotificationSurvivesACrashBetweenCommitAndDelivery(t *testing.T) {
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			var mu sync.Mutex
			var ids []string
			release := make(chan struct{})
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				ids = append(ids, r.Header.Get("X-Fieldwork-Event-Id"))
				first := len(ids) == 1
				mu.Unlock()
				if first {
					<-release // hold the first delivery until its process is dead
					return
				}
			}))
			defer recv.Close()
			defer close(release)
			seen := func(n int) []string {
				deadline := time.Now().Add(90 * time.Second)
				for {
					mu.Lock()
					got := append([]string(nil), ids...)
					mu.Unlock()
					if len(got) >= n {
						return got
					}
					if time.Now().After(deadline) {
						t.Fatalf("%d deliveries after 90 s, want %d", len(got), n)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}

			env := []string{"FIELDWORK_DATA_DIR=" + f.DataDir, "FIELDWORK_JWT_SECRET=", "FIELDWORK_ADMIN_PASSWORD=admin-password-1",
				"FIELDWORK_JOB_RESCUE_AFTER=2s"}
			if f.DatabaseURL != "" {
				env = append(env, "DATABASE_URL="+f.DatabaseURL)
			}
			p := serve(t, env)
			token := login(t, p.url, "admin", "admin-password-1")
			post := func(path string, body any, header map[string]string) map[string]any {
				t.Helper()
				var rd io.Reader
				if body != nil {
					raw, _ := json.Marshal(body)
					rd = bytes.NewReader(raw)
				}
				req, _ := http.NewRequest("POST", p.url+path, rd)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				for k, v := range header {
					req.Header.Set(k, v)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var out map[string]any
				_ = json.NewDecoder(res.Body).Decode(&out)
				if res.StatusCode/100 != 2 {
					t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
				}
				return out
			}
			post("/v1/webhooks", map[string]any{"url": recv.URL, "events": []string{"work_order.approved"}, "secret": "crash-test-secret-123"}, nil)
			cust := post("/v1/customers", map[string]any{"name": "Crash Fleet", "contact_name": "Li", "phone": "13800138000", "address": "Shenzhen"}, nil)
			veh := post("/v1/vehicles", map[string]any{"customer_id": cust["id"], "plate": "粤B99999"}, nil)
			order := post("/v1/work-orders", map[string]any{"type": "repair", "customer_id": cust["id"], "vehicle_id": veh["id"], "priority": "high",
				"site": map[string]any{"address": "Shenzhen"}, "description": "offline"}, nil)
			post("/v1/work-orders/"+order["id"].(string)+"/approve", nil, map[string]string{"If-Match": `"1"`})

			first := seen(1)[0] // the delivery is in flight: the approval has committed
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-p.done

			serve(t, env) // the restarted process rescues the job and delivers it again
			again := seen(2)[1]
			if again != first || first == "" {
				t.Fatalf("redelivery carried event id %q, the first %q", again, first)
			}
		})
	}
}
