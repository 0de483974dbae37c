package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
)

// newBare is the floor of this stack: echo and pgx with nothing between
// them, doing what GET /v1/work-orders/{id} does for a technician: verify the
// JWT the same way, check the login and user in one query, read the order,
// its vehicles and its installations and swaps, and write JSON.
func newBare(pool *pgxpool.Pool, secret []byte) (*echo.Echo, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("fieldwork"), jwt.WithAudience("fieldwork-api"),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	type claims struct {
		SessionID string `json:"sid"`
		jwt.RegisteredClaims
	}
	e.GET("/v1/work-orders/:id", func(c echo.Context) error {
		tok, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok {
			return c.NoContent(http.StatusUnauthorized)
		}
		var cl claims
		if _, err := parser.ParseWithClaims(tok, &cl, func(*jwt.Token) (any, error) { return secret, nil }); err != nil {
			return c.NoContent(http.StatusUnauthorized)
		}
		ctx := c.Request().Context()
		var userID uuid.UUID
		var role string
		var customerID *uuid.UUID
		var disabled bool
		var revokedAt *time.Time
		err := pool.QueryRow(ctx, `SELECT u.id, u.role, u.customer_id, u.disabled, s.revoked_at FROM auth_sessions AS s
			JOIN users AS u ON u.id = s.user_id WHERE s.id = $1 LIMIT 1`, cl.SessionID).Scan(&userID, &role, &customerID, &disabled, &revokedAt)
		if err != nil || disabled || revokedAt != nil {
			return c.NoContent(http.StatusUnauthorized)
		}
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return c.NoContent(http.StatusBadRequest)
		}
		rows, err := pool.Query(ctx, `SELECT * FROM work_orders WHERE id = $1 LIMIT 1`, id)
		if err != nil {
			return err
		}
		order, err := pgx.CollectExactlyOneRow(rows, pgx.RowToMap)
		if err != nil {
			return c.NoContent(http.StatusNotFound)
		}
		if tech, _ := order["technician_id"].([16]byte); uuid.UUID(tech) != userID {
			return c.NoContent(http.StatusNotFound)
		}
		rows, err = pool.Query(ctx, `SELECT vehicle_id FROM work_order_vehicles WHERE work_order_id IN ($1) ORDER BY work_order_id, position`, id)
		if err != nil {
			return err
		}
		order["vehicle_ids"], err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return err
		}
		rows, err = pool.Query(ctx, `SELECT id, work_order_id, action, vehicle_id, terminal_id, sim_id, old_id, new_id, reason, photo_ids, technician_id, at FROM custody_actions WHERE work_order_id IN ($1) ORDER BY id`, id)
		if err != nil {
			return err
		}
		if order["custody_actions"], err = pgx.CollectRows(rows, pgx.RowToMap); err != nil {
			return err
		}
		c.Response().Header().Set("ETag", `"`+jsonString(order["version"])+`"`)
		return c.JSON(http.StatusOK, order)
	})
	addBareWrites(e, pool, secret)
	return e, nil
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
