package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// history measures a unit's chain of custody with 1,000 steps.
func (f *fixture) history(ctx context.Context, o options) (result, error) {
	const steps = 1000
	now := time.Now().UTC()
	model, term := uuid.New(), uuid.New()
	if _, err := f.pool.Exec(ctx, `INSERT INTO terminal_models (id, name, manufacturer, warranty_months, created_at) VALUES ($1, 'LT', 'Load', 24, $2)`, model, now); err != nil {
		return result{}, err
	}
	if _, err := f.pool.Exec(ctx, `INSERT INTO terminals (id, serial, imei, model_id, status, created_at, updated_at)
		VALUES ($1, 'LT-HISTORY', '000000000000000', $2, 'in_stock', $3, $3)`, term, model, now); err != nil {
		return result{}, err
	}
	types := []string{"installed", "swapped_out", "received_back"}
	i := 0
	_, err := f.pool.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"id", "aggregate_type", "aggregate_id", "type", "actor_id", "at", "data"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == steps {
				return nil, nil
			}
			i++
			data := fmt.Sprintf(`{"work_order_id":%q,"vehicle_id":%q,"photo_ids":[%q],"reason":"step %d"}`, uuid.NewString(), uuid.NewString(), uuid.NewString(), i)
			return []any{uuid.Must(uuid.NewV7()), "terminal", term, types[i%3], f.techIDs[0], now.Add(time.Duration(i) * time.Minute), data}, nil
		}))
	if err != nil {
		return result{}, fmt.Errorf("seed history: %w", err)
	}
	u := f.appURL + "/v1/terminals/" + term.String() + "/history"
	return constantRate(ctx, fmt.Sprintf("history of %d steps", steps), 50, o.boardPages, func(int) error {
		st, body, _, err := call("GET", u, f.manager, nil, nil)
		if err != nil {
			return err
		}
		return expect(st, 200, body)
	}), nil
}

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := range 64 {
		img.Set(x, x, color.RGBA{G: 200, A: 255})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// photos presigns, uploads and completes n photos, one after another, and
// measures the service's two calls (the upload goes to object storage).
func (f *fixture) photos(ctx context.Context, n int) (presign, complete result, err error) {
	data := pngBytes()
	sum := sha256.Sum256(data)
	var order uuid.UUID
	if err := f.pool.QueryRow(ctx, `SELECT id FROM work_orders WHERE status = 'on_site' LIMIT 1`).Scan(&order); err != nil {
		return presign, complete, fmt.Errorf("an order for photos: %w", err)
	}
	body := map[string]any{"kind": "label", "content_type": "image/png", "size_bytes": len(data), "sha256": hex.EncodeToString(sum[:])}
	var pre, com []time.Duration
	start := time.Now()
	for range n {
		t := time.Now()
		st, raw, _, err := call("POST", f.appURL+"/v1/work-orders/"+order.String()+"/photos", f.manager, body, nil)
		if err != nil {
			return presign, complete, err
		}
		if err := expect(st, 201, raw); err != nil {
			return presign, complete, err
		}
		pre = append(pre, time.Since(t))
		var up struct {
			ID     uuid.UUID `json:"id"`
			Upload struct {
				Method, URL string
				Headers     map[string]string
			} `json:"upload"`
		}
		if err := json.Unmarshal(raw, &up); err != nil {
			return presign, complete, err
		}
		req, _ := http.NewRequest(up.Upload.Method, up.Upload.URL, bytes.NewReader(data))
		for k, v := range up.Upload.Headers {
			if k != "Content-Length" {
				req.Header.Set(k, v)
			}
		}
		res, err := client.Do(req)
		if err != nil {
			return presign, complete, err
		}
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			return presign, complete, fmt.Errorf("upload: %d", res.StatusCode)
		}
		t = time.Now()
		st, raw, _, err = call("POST", f.appURL+"/v1/photos/"+up.ID.String()+"/complete", f.manager, nil, nil)
		if err != nil {
			return presign, complete, err
		}
		if err := expect(st, 200, raw); err != nil {
			return presign, complete, err
		}
		com = append(com, time.Since(t))
	}
	elapsed := time.Since(start)
	return summarize(fmt.Sprintf("presign (POST photos), %d photos", n), pre, 0, elapsed),
		summarize(fmt.Sprintf("complete (stat, hash, check), %d photos", n), com, 0, elapsed), nil
}
