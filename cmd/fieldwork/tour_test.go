package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/fieldwork/fieldwork/infra/store/storetest"
)

const (
	tourScript = "../../docs/tour.sh"
	readme     = "../../README.md"
	// The script's tour lies between these lines; the README's between the comments.
	scriptTourBegins, scriptTourEnds = "# --- tour begins", "# --- tour ends"
	readmeTourBegins, readmeTourEnds = "<!-- tour begins: docs/tour.sh -->", "<!-- tour ends -->"
)

// TestTour_RunsAgainstAFreshServer runs the README's tour (docs/tour.sh),
// from login to a completed install and a closed paid repair, against `fieldwork serve` started on a
// fresh database, on each footing: photos go to the service's own signed
// URLs on SQLite and to MinIO's on PostgreSQL.
func TestTour_RunsAgainstAFreshServer(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "base64", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			if storetest.Required() {
				t.Fatalf("the tour needs %s: %v (scripts/test.sh installs curl and jq)", tool, err)
			}
			t.Skipf("the tour needs %s: %v", tool, err)
		}
	}
	for _, f := range storetest.Footings(t) {
		t.Run(f.Name, func(t *testing.T) {
			env := footingEnv(t, f, "FIELDWORK_ADMIN_PASSWORD=admin-password-1")
			p := serve(t, env)
			cmd := exec.Command("bash", tourScript)
			cmd.Env = append(os.Environ(), "FIELDWORK_URL="+p.url, "ADMIN_PASSWORD=admin-password-1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("docs/tour.sh: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.String(), stdout.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if last := lines[len(lines)-1]; last != "closed" {
				t.Fatalf("the tour ends with %q, not the closed repair\nstdout:\n%s", last, stdout.String())
			}
		})
	}
}

// TestTour_READMEShowsTheScript: the README's tour is the script's, block by
// block. Its ```sh blocks, joined by blank lines, are exactly the script's
// lines between the tour marks, so the README shows every request the test
// runs, and nothing else.
func TestTour_READMEShowsTheScript(t *testing.T) {
	script, err := os.ReadFile(tourScript)
	if err != nil {
		t.Fatal(err)
	}
	want, err := between(string(script), scriptTourBegins+"\n", scriptTourEnds+"\n")
	if err != nil {
		t.Fatalf("docs/tour.sh: %v", err)
	}
	doc, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	section, err := between(string(doc), readmeTourBegins+"\n", readmeTourEnds+"\n")
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	got := strings.Join(shellBlocks(section), "\n")
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("README.md's tour differs from docs/tour.sh at line %d of the tour:\nREADME: %q\nscript: %q\n"+
					"copy the script's lines between %q and %q into the README's ```sh blocks, splitting only at blank lines",
					i+1, g, w, scriptTourBegins, scriptTourEnds)
			}
		}
	}
}

// between returns the text after the line begin and before the line end.
func between(s, begin, end string) (string, error) {
	_, rest, ok := strings.Cut(s, begin)
	if !ok {
		return "", fmt.Errorf("no line %q", strings.TrimSpace(begin))
	}
	in, _, ok := strings.Cut(rest, end)
	if !ok {
		return "", fmt.Errorf("no line %q after %q", strings.TrimSpace(end), strings.TrimSpace(begin))
	}
	return in, nil
}

// shellBlocks returns the bodies of the ```sh blocks in markdown, each
// ending in a newline.
func shellBlocks(md string) []string {
	var blocks []string
	var cur []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && line == "```sh":
			in, cur = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}
