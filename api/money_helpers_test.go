package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// Shapes and steps the money tests share: fee notices, payments, waivers
// and handovers as the API shows them.

type feeNoticeOut struct {
	ID     uuid.UUID `json:"id"`
	Status string    `json:"status"`
	Total  int64     `json:"total"`
	Lines  []struct {
		LineID  uuid.UUID `json:"line_id"`
		Charged int64     `json:"charged"`
	} `json:"lines"`
	AcceptedVia *string `json:"accepted_via"`
}

type paymentOut struct {
	ID          uuid.UUID  `json:"id"`
	WorkOrderID uuid.UUID  `json:"work_order_id"`
	Amount      int64      `json:"amount"`
	Method      string     `json:"method"`
	Status      string     `json:"status"`
	CollectedBy uuid.UUID  `json:"collected_by"`
	HandoverID  *uuid.UUID `json:"handover_id"`
}

type handoverOut struct {
	ID             uuid.UUID   `json:"id"`
	TechnicianID   uuid.UUID   `json:"technician_id"`
	Status         string      `json:"status"`
	PaymentIDs     []uuid.UUID `json:"payment_ids"`
	ExpectedAmount int64       `json:"expected_amount"`
	CountedAmount  *int64      `json:"counted_amount"`
	Difference     *int64      `json:"difference"`
	Flagged        bool        `json:"flagged"`
}

type balanceOut struct {
	Total       int64 `json:"total"`
	Paid        int64 `json:"paid"`
	Waived      int64 `json:"waived"`
	Outstanding int64 `json:"outstanding"`
	Lines       []struct {
		ID      uuid.UUID `json:"id"`
		Charged int64     `json:"charged"`
	} `json:"lines"`
}

func orderPath(id uuid.UUID, rest string) string { return "/v1/work-orders/" + id.String() + rest }

func (e *env) balance(t *testing.T, token string, orderID uuid.UUID) balanceOut {
	t.Helper()
	var b balanceOut
	e.do(t, req{method: "GET", path: orderPath(orderID, "/bill"), token: token}).expect(t, 200).decode(t, &b)
	return b
}

// outOfWarrantyRepair is a repair on site of a vehicle with no unit under
// warranty: parts are charged, labour is not.
func (e *env) outOfWarrantyRepair(t *testing.T, f *fleet) workOrder {
	t.Helper()
	return e.onSiteOrder(t, f, woWith(repairBody(*f, "normal"), "vehicle_id", f.vehicles[1]))
}

// addPart records a part line of quantity × unitPrice and returns its id.
func (e *env) addPart(t *testing.T, token string, orderID uuid.UUID, quantity int, unitPrice int64) uuid.UUID {
	t.Helper()
	var l billLineOut
	e.do(t, req{method: "POST", path: orderPath(orderID, "/parts"), token: token,
		body: map[string]any{"part_code": "ANT-2", "description": "antenna", "quantity": quantity, "unit_price": unitPrice}}).
		expect(t, 201).decode(t, &l)
	return l.ID
}

func (e *env) addLabour(t *testing.T, token string, orderID uuid.UUID, amount int64) uuid.UUID {
	t.Helper()
	var l billLineOut
	e.do(t, req{method: "POST", path: orderPath(orderID, "/labour"), token: token,
		body: map[string]any{"description": "diagnosis", "minutes": 30, "amount": amount}}).expect(t, 201).decode(t, &l)
	return l.ID
}

func (e *env) issueNotice(t *testing.T, token string, orderID uuid.UUID, body any) feeNoticeOut {
	t.Helper()
	var n feeNoticeOut
	e.do(t, req{method: "POST", path: orderPath(orderID, "/fee-notices"), token: token, body: body}).expect(t, 201).decode(t, &n)
	return n
}

// agreeOnSite issues a notice of every uncovered charged line and has the
// technician accept it with the customer's signature.
func (e *env) agreeOnSite(t *testing.T, f *fleet, orderID uuid.UUID) feeNoticeOut {
	t.Helper()
	n := e.issueNotice(t, f.tech.Token, orderID, nil)
	sig := e.photoOfKind(t, f.tech.Token, orderID, "signature")
	e.do(t, req{method: "POST", path: "/v1/fee-notices/" + n.ID.String() + "/accept", token: f.tech.Token,
		body: map[string]any{"signed_by": "王五", "signature_photo_id": sig}}).expect(t, 200).decode(t, &n)
	return n
}

func (e *env) pay(t *testing.T, token string, orderID uuid.UUID, amount int64, method string) paymentOut {
	t.Helper()
	var p paymentOut
	e.do(t, req{method: "POST", path: orderPath(orderID, "/payments"), token: token,
		body: map[string]any{"amount": amount, "method": method, "receipt_no": "R-" + uuid.NewString()[:8]}}).expect(t, 201).decode(t, &p)
	return p
}

func (e *env) handOver(t *testing.T, token string, ids ...uuid.UUID) handoverOut {
	t.Helper()
	var h handoverOut
	e.do(t, req{method: "POST", path: "/v1/handovers", token: token, body: map[string]any{"payment_ids": ids}}).expect(t, 201).decode(t, &h)
	return h
}

// photoOfKind uploads a small PNG of the kind to the order and completes it.
func (e *env) photoOfKind(t *testing.T, token string, orderID uuid.UUID, kind string) uuid.UUID {
	t.Helper()
	data := tinyPNG(t)
	sum := sha256.Sum256(data)
	var up struct {
		ID     uuid.UUID `json:"id"`
		Upload struct {
			Method  string            `json:"method"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		} `json:"upload"`
	}
	e.do(t, req{method: "POST", path: orderPath(orderID, "/photos"), token: token,
		body: map[string]any{"kind": kind, "content_type": "image/png", "size_bytes": len(data), "sha256": hex.EncodeToString(sum[:])}}).
		expect(t, 201).decode(t, &up)
	put, err := http.NewRequest(up.Upload.Method, up.Upload.URL, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range up.Upload.Headers {
		if k != "Content-Length" {
			put.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(put)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("upload: %d", res.StatusCode)
	}
	e.do(t, req{method: "POST", path: "/v1/photos/" + up.ID.String() + "/complete", token: token}).expect(t, 200)
	return up.ID
}

func mustJSONNoT(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
