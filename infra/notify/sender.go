// Package notify sends SMS and webhook deliveries for domain/notify.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/fieldwork/fieldwork/domain/notify"
)

// Sender delivers over HTTP. SMS goes to an HTTP provider when SMSURL is
// set, else to the log.
type Sender struct {
	Client *http.Client
	SMSURL string
	SMSKey string
	Logger *slog.Logger
	Now    func() time.Time
}

var _ notify.Sender = (*Sender)(nil)

// Signature is the X-Fieldwork-Signature of a delivery: hex HMAC-SHA256 of
// the secret over the timestamp, a dot and the body.
func Signature(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// PostWebhook delivers one event; a non-2xx answer is a failure to retry.
func (s *Sender) PostWebhook(ctx context.Context, url, secret string, eventID uuid.UUID, body []byte) error {
	ts := strconv.FormatInt(s.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Fieldwork-Event-Id", eventID.String())
	req.Header.Set("X-Fieldwork-Timestamp", ts)
	req.Header.Set("X-Fieldwork-Signature", Signature(secret, ts, body))
	return s.do(req)
}

func (s *Sender) do(req *http.Request) error {
	res, err := s.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Host, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Host, res.StatusCode)
	}
	return nil
}

// SendSMS sends a text through the provider, or logs it.
func (s *Sender) SendSMS(ctx context.Context, to, text string) error {
	if s.SMSURL == "" {
		s.Logger.Info("sms", "to", to, "text", text)
		return nil
	}
	body, _ := json.Marshal(map[string]string{"to": to, "text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.SMSURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.SMSKey)
	return s.do(req)
}
