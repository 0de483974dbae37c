package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/fieldwork/fieldwork/domain/workorder"
)

// The write floor: echo and pgx doing, for a create and for an approve, what
// the request must write, in one transaction with the service's durability
// (the same database, synchronous commit): claim the Idempotency-Key, check
// the customer and its vehicles (create) or read the order and its vehicles
// and the warranty (approve), take the counters, write the order, its
// vehicles, its event, the customer's notification and its River job (approve),
// and record the response for replays. One statement per round trip, as the
// service's database/sql driver must; the session check runs before the
// transaction, as in the GET floor.

// bareAuth verifies the JWT and the session, as the GET floor does.
type bareAuth struct {
	pool   *pgxpool.Pool
	secret []byte
	parser *jwt.Parser
}

type bareClaims struct {
	SessionID string `json:"sid"`
	jwt.RegisteredClaims
}

func newBareAuth(pool *pgxpool.Pool, secret []byte) *bareAuth {
	return &bareAuth{pool: pool, secret: secret, parser: jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("fieldwork"),
		jwt.WithAudience("fieldwork-api"), jwt.WithExpirationRequired(), jwt.WithIssuedAt())}
}

// user is the caller's id and role, or ok false.
func (a *bareAuth) user(c echo.Context) (uuid.UUID, string, bool) {
	tok, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	if !ok {
		return uuid.Nil, "", false
	}
	var cl bareClaims
	if _, err := a.parser.ParseWithClaims(tok, &cl, func(*jwt.Token) (any, error) { return a.secret, nil }); err != nil {
		return uuid.Nil, "", false
	}
	var userID uuid.UUID
	var role string
	var customerID *uuid.UUID
	var disabled bool
	var revokedAt *time.Time
	err := a.pool.QueryRow(c.Request().Context(), `SELECT u.id, u.role, u.customer_id, u.disabled, s.revoked_at FROM auth_sessions AS s
		JOIN users AS u ON u.id = s.user_id WHERE s.id = $1 LIMIT 1`, cl.SessionID).Scan(&userID, &role, &customerID, &disabled, &revokedAt)
	if err != nil || disabled || revokedAt != nil {
		return uuid.Nil, "", false
	}
	return userID, role, true
}

var errBareConflict = errors.New("conflict")

// bareIdempotent runs work in one transaction with the claim of the key and
// the record of the response, and sends the response after the commit.
func bareIdempotent(c echo.Context, pool *pgxpool.Pool, userID uuid.UUID, status int,
	work func(ctx context.Context, tx pgx.Tx, now time.Time) (any, string, error)) error {
	req := c.Request()
	ctx := req.Context()
	key := req.Header.Get("Idempotency-Key")
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return c.NoContent(http.StatusBadRequest)
	}
	sum := sha256.Sum256(append([]byte(req.Method+" "+req.URL.Path+"\n"), body...))
	now := time.Now().UTC()
	var raw []byte
	var etag string
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, state, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $7) ON CONFLICT DO NOTHING`,
			userID, key, req.Method, req.URL.Path, hex.EncodeToString(sum[:]), now, now.Add(24*time.Hour))
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return errBareConflict
		}
		out, version, err := work(ctx, tx, now)
		if err != nil {
			return err
		}
		if raw, err = json.Marshal(out); err != nil {
			return err
		}
		etag = `"` + version + `"`
		header, _ := json.Marshal(map[string]string{"Content-Type": "application/json", "ETag": etag})
		_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET state = 'done', response_status = $1, response_header = $2, response_body = $3
			WHERE user_id = $4 AND key = $5`, status, string(header), raw, userID, key)
		return err
	})
	if errors.Is(err, errBareConflict) {
		return c.NoContent(http.StatusConflict)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag)
	return c.JSONBlob(status, raw)
}

// addBareWrites adds the create and approve floors to e.
func addBareWrites(e *echo.Echo, pool *pgxpool.Pool, secret []byte) {
	auth := newBareAuth(pool, secret)
	sla := workorder.DefaultSLA()
	type createBody struct {
		Type        string    `json:"type"`
		CustomerID  uuid.UUID `json:"customer_id"`
		VehicleID   uuid.UUID `json:"vehicle_id"`
		Priority    string    `json:"priority"`
		Description string    `json:"description"`
		Site        struct {
			Address string   `json:"address"`
			Lat     *float64 `json:"lat"`
			Lng     *float64 `json:"lng"`
		} `json:"site"`
	}
	e.POST("/v1/work-orders", func(c echo.Context) error {
		userID, role, ok := auth.user(c)
		if !ok || (role != "manager" && role != "dispatcher" && role != "admin") {
			return c.NoContent(http.StatusUnauthorized)
		}
		raw, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return c.NoContent(http.StatusBadRequest)
		}
		var b createBody
		if err := json.Unmarshal(raw, &b); err != nil || b.Type != "repair" {
			return c.NoContent(http.StatusBadRequest)
		}
		respond, ok := sla.Respond[workorder.Priority(b.Priority)]
		if !ok {
			return c.NoContent(http.StatusUnprocessableEntity)
		}
		c.Request().Body = io.NopCloser(strings.NewReader(string(raw)))
		return bareIdempotent(c, pool, userID, http.StatusCreated, func(ctx context.Context, tx pgx.Tx, now time.Time) (any, string, error) {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM customers WHERE id = $1`, b.CustomerID).Scan(&n); err != nil || n != 1 {
				return nil, "", errors.Join(err, errBareConflict)
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM vehicles WHERE customer_id = $1 AND id = $2`, b.CustomerID, b.VehicleID).Scan(&n); err != nil || n != 1 {
				return nil, "", errors.Join(err, errBareConflict)
			}
			var number, seq int64
			if err := tx.QueryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value`,
				"work_order_number_"+strconv.Itoa(now.Year())).Scan(&number); err != nil {
				return nil, "", err
			}
			if err := tx.QueryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'work_order_change_seq' RETURNING value`).Scan(&seq); err != nil {
				return nil, "", err
			}
			id := uuid.Must(uuid.NewV7())
			num := fmt.Sprintf("WO-%d-%06d", now.Year(), number)
			respondBy, resolveBy := now.Add(respond), now.Add(respond*time.Duration(sla.ResolveFactor))
			_, err := tx.Exec(ctx, `INSERT INTO work_orders (id, number, type, status, version, customer_id, site_address, site_lat, site_lng,
				description, priority, required_skills, created_by, created_at, updated_at, change_seq, respond_by, resolve_by, resolve_deadline)
				VALUES ($1, $2, $3, 'requested', 1, $4, $5, $6, $7, $8, $9, '[]', $10, $11, $11, $12, $13, $14, $14)`,
				id, num, b.Type, b.CustomerID, b.Site.Address, b.Site.Lat, b.Site.Lng, b.Description, b.Priority, userID, now, seq, respondBy, resolveBy)
			if err != nil {
				return nil, "", err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO work_order_vehicles (work_order_id, vehicle_id, position) VALUES ($1, $2, 0)`, id, b.VehicleID); err != nil {
				return nil, "", err
			}
			data, _ := json.Marshal(map[string]any{"to": "requested", "number": num, "type": b.Type, "priority": b.Priority})
			if _, err := tx.Exec(ctx, `INSERT INTO events (id, aggregate_type, aggregate_id, type, actor_id, at, data) VALUES ($1, 'work_order', $2, 'work_order.created', $3, $4, $5)`,
				uuid.Must(uuid.NewV7()), id, userID, now, string(data)); err != nil {
				return nil, "", err
			}
			return map[string]any{"id": id, "number": num, "type": b.Type, "status": "requested", "version": 1, "customer_id": b.CustomerID,
				"vehicle_ids": []uuid.UUID{b.VehicleID}, "site": b.Site, "description": b.Description, "priority": b.Priority,
				"created_by": userID, "created_at": now, "updated_at": now, "sla": map[string]any{"respond_by": respondBy, "resolve_by": resolveBy}}, "1", nil
		})
	})

	e.POST("/v1/work-orders/:id/approve", func(c echo.Context) error {
		userID, role, ok := auth.user(c)
		if !ok || (role != "manager" && role != "admin") {
			return c.NoContent(http.StatusUnauthorized)
		}
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return c.NoContent(http.StatusBadRequest)
		}
		want, err := strconv.Atoi(strings.Trim(c.Request().Header.Get("If-Match"), `"`))
		if err != nil {
			return c.NoContent(http.StatusPreconditionRequired)
		}
		return bareIdempotent(c, pool, userID, http.StatusOK, func(ctx context.Context, tx pgx.Tx, now time.Time) (any, string, error) {
			var typ, status, number string
			var version int
			var customerID uuid.UUID
			if err := tx.QueryRow(ctx, `SELECT type, status, version, customer_id, number FROM work_orders WHERE id = $1`, id).
				Scan(&typ, &status, &version, &customerID, &number); err != nil {
				return nil, "", err
			}
			if status != "requested" || version != want {
				return nil, "", errBareConflict
			}
			rows, _ := tx.Query(ctx, `SELECT vehicle_id FROM work_order_vehicles WHERE work_order_id = $1 ORDER BY position`, id)
			vehicles, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
			if err != nil {
				return nil, "", err
			}
			var terminal *uuid.UUID
			if typ == "repair" && len(vehicles) == 1 {
				rows, _ := tx.Query(ctx, `SELECT id FROM terminals WHERE vehicle_id = $1 AND status = 'installed'`, vehicles[0])
				ts, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
				if err != nil {
					return nil, "", err
				}
				if len(ts) > 0 {
					terminal = &ts[0] // the floor's book has no terminals; the model's warranty is not read
				}
			}
			var seq int64
			if err := tx.QueryRow(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'work_order_change_seq' RETURNING value`).Scan(&seq); err != nil {
				return nil, "", err
			}
			rows, _ = tx.Query(ctx, `UPDATE work_orders SET status = 'approved', version = version + 1, approved_at = $1, updated_at = $1,
				change_seq = $2, warranty_recorded = true, warranty_terminal_id = $3, warranty_in = false WHERE id = $4 AND version = $5 RETURNING *`,
				now, seq, terminal, id, want)
			order, err := pgx.CollectExactlyOneRow(rows, pgx.RowToMap)
			if err != nil {
				return nil, "", err
			}
			order["vehicle_ids"] = vehicles
			var phone string
			var optOut bool
			if err := tx.QueryRow(ctx, `SELECT phone, sms_opt_out FROM customers WHERE id = $1`, customerID).Scan(&phone, &optOut); err != nil {
				return nil, "", err
			}
			rows, _ = tx.Query(ctx, `SELECT id, url, events FROM webhooks ORDER BY id`)
			hooks, err := pgx.CollectRows(rows, pgx.RowToMap)
			if err != nil {
				return nil, "", err
			}
			if !optOut && phone != "" && len(hooks) == 0 {
				nid := uuid.Must(uuid.NewV7())
				data, _ := json.Marshal(map[string]any{"number": number, "status": "approved"})
				if _, err := tx.Exec(ctx, `INSERT INTO notifications (id, topic, channel, recipient, work_order_id, data, attempts, created_at)
					VALUES ($1, 'work_order.approved', 'sms', $2, $3, $4, '[]', $5)`, nid, phone, id, string(data), now); err != nil {
					return nil, "", err
				}
				args, _ := json.Marshal(map[string]any{"notification_id": nid})
				if _, err := tx.Exec(ctx, `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state, scheduled_at)
					VALUES ($1, 'deliver_notification', 15, 1, 'default', 'available', $2)`, args, now); err != nil {
					return nil, "", err
				}
			}
			data, _ := json.Marshal(map[string]any{"from": "requested", "to": "approved"})
			if _, err := tx.Exec(ctx, `INSERT INTO events (id, aggregate_type, aggregate_id, type, actor_id, at, data) VALUES ($1, 'work_order', $2, 'work_order.approve', $3, $4, $5)`,
				uuid.Must(uuid.NewV7()), id, userID, now, string(data)); err != nil {
				return nil, "", err
			}
			return order, strconv.Itoa(version + 1), nil
		})
	})
}
