package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/feenotice"
	"github.com/fieldwork/fieldwork/domain/payment"
)

func feeNoticeDTO(n feenotice.Notice) gen.FeeNotice {
	lines := make([]gen.FeeNoticeLine, len(n.Lines))
	for i, l := range n.Lines {
		lines[i] = gen.FeeNoticeLine{LineId: l.LineID, Kind: l.Kind, Description: l.Description, Amount: l.Amount, Charged: l.Charged}
	}
	out := gen.FeeNotice{Id: n.ID, WorkOrderId: n.WorkOrderID, Status: gen.FeeNoticeStatus(n.Status), Lines: lines, Total: n.Total,
		Currency: gen.FeeNoticeCurrencyCNY, CreatedBy: n.CreatedBy, CreatedAt: n.CreatedAt, DecidedAt: nullableOf(n.DecidedAt),
		DecidedBy: nullableOf(n.DecidedBy), SignedBy: nullableOf(n.SignedBy), SignaturePhotoId: nullableOf(n.SignaturePhotoID),
		DeclineReason: nullableOf(n.DeclineReason)}
	if n.AcceptedVia != nil {
		v := gen.FeeNoticeAcceptedVia(*n.AcceptedVia)
		out.AcceptedVia = nullableOf(&v)
	} else {
		out.AcceptedVia = nullableOf[gen.FeeNoticeAcceptedVia](nil)
	}
	return out
}

// CreateFeeNotice puts an order's charged lines on a fee notice.
func (s *Server) CreateFeeNotice(ctx context.Context, req gen.CreateFeeNoticeRequestObject) (gen.CreateFeeNoticeResponseObject, error) {
	var ids []uuid.UUID
	if req.Body != nil && req.Body.LineIds != nil {
		ids = *req.Body.LineIds
	}
	n, err := s.cfg.FeeNotices.Issue(ctx, req.Id, ids)
	if err != nil {
		return nil, err
	}
	return gen.CreateFeeNotice201JSONResponse(feeNoticeDTO(n)), nil
}

// ListFeeNotices pages through an order's fee notices.
func (s *Server) ListFeeNotices(ctx context.Context, req gen.ListFeeNoticesRequestObject) (gen.ListFeeNoticesResponseObject, error) {
	page, err := s.cfg.FeeNotices.List(ctx, req.Id, pageRequest(req.Params.Limit, req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListFeeNotices200JSONResponse{Items: mapItems(page.Items, feeNoticeDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetFeeNotice returns one fee notice.
func (s *Server) GetFeeNotice(ctx context.Context, req gen.GetFeeNoticeRequestObject) (gen.GetFeeNoticeResponseObject, error) {
	n, err := s.cfg.FeeNotices.Get(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetFeeNotice200JSONResponse(feeNoticeDTO(n)), nil
}

// AcceptFeeNotice records the customer's agreement, in the portal or signed on site.
func (s *Server) AcceptFeeNotice(ctx context.Context, req gen.AcceptFeeNoticeRequestObject) (gen.AcceptFeeNoticeResponseObject, error) {
	var sig feenotice.Signature
	if req.Body != nil {
		sig.SignedBy, sig.PhotoID = req.Body.SignedBy, req.Body.SignaturePhotoId
	}
	n, err := s.cfg.FeeNotices.Accept(ctx, req.Id, sig)
	if err != nil {
		return nil, err
	}
	return gen.AcceptFeeNotice200JSONResponse(feeNoticeDTO(n)), nil
}

// DeclineFeeNotice records that the customer refused the charges.
func (s *Server) DeclineFeeNotice(ctx context.Context, req gen.DeclineFeeNoticeRequestObject) (gen.DeclineFeeNoticeResponseObject, error) {
	n, err := s.cfg.FeeNotices.Decline(ctx, req.Id, req.Body.Reason)
	if err != nil {
		return nil, err
	}
	return gen.DeclineFeeNotice200JSONResponse(feeNoticeDTO(n)), nil
}

func paymentDTO(p payment.Payment) gen.Payment {
	return gen.Payment{Id: p.ID, WorkOrderId: p.WorkOrderID, Amount: p.Amount, Currency: gen.PaymentCurrencyCNY, Method: gen.PaymentMethod(p.Method),
		ReceiptNo: p.ReceiptNo, InvoiceNo: nullableOf(p.InvoiceNo), Status: gen.PaymentStatus(p.Status), CollectedBy: p.CollectedBy,
		CollectedAt: p.CollectedAt, HandoverId: nullableOf(p.HandoverID), ConfirmedAt: nullableOf(p.ConfirmedAt)}
}

// CreatePayment records money collected on an order.
func (s *Server) CreatePayment(ctx context.Context, req gen.CreatePaymentRequestObject) (gen.CreatePaymentResponseObject, error) {
	b := req.Body
	m, err := payment.ParseMethod(string(b.Method))
	if err != nil {
		return nil, err
	}
	p, err := s.cfg.Payments.Collect(ctx, req.Id, payment.NewPayment{Amount: b.Amount, Method: m, ReceiptNo: b.ReceiptNo, InvoiceNo: b.InvoiceNo})
	if err != nil {
		return nil, err
	}
	return gen.CreatePayment201JSONResponse(paymentDTO(p)), nil
}

// CreateWaiver lets go of part of an order's balance.
func (s *Server) CreateWaiver(ctx context.Context, req gen.CreateWaiverRequestObject) (gen.CreateWaiverResponseObject, error) {
	w, err := s.cfg.Payments.Waive(ctx, req.Id, req.Body.Amount, req.Body.Reason)
	if err != nil {
		return nil, err
	}
	return gen.CreateWaiver201JSONResponse{Id: w.ID, WorkOrderId: w.WorkOrderID, Amount: w.Amount, Reason: w.Reason, WaivedBy: w.WaivedBy,
		WaivedAt: w.WaivedAt}, nil
}

// ReconcilePayment confirms a non-cash payment against the bank.
func (s *Server) ReconcilePayment(ctx context.Context, req gen.ReconcilePaymentRequestObject) (gen.ReconcilePaymentResponseObject, error) {
	p, err := s.cfg.Payments.Reconcile(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.ReconcilePayment200JSONResponse(paymentDTO(p)), nil
}

type acceptKey struct{}

// acceptInContext hands the Accept header to the one operation that
// answers in two media types.
func acceptInContext(f gen.StrictHandlerFunc, operationID string) gen.StrictHandlerFunc {
	if operationID != "ListPayments" {
		return f
	}
	return func(c echo.Context, request any) (any, error) {
		r := c.Request()
		c.SetRequest(r.WithContext(context.WithValue(r.Context(), acceptKey{}, r.Header.Get("Accept"))))
		return f(c, request)
	}
}

// wantsCSV reports whether the client prefers text/csv to JSON.
func wantsCSV(ctx context.Context) bool {
	accept, _ := ctx.Value(acceptKey{}).(string)
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mt {
		case "text/csv":
			return true
		case "application/json", "application/*", "*/*":
			return false
		}
	}
	return false
}

// csvPageSize is how many rows the CSV export reads at a time.
const csvPageSize = 200

// ListPayments pages through payments, or with Accept: text/csv gives them
// all as UTF-8 CSV with a byte-order mark, which spreadsheets need to read
// Chinese text right.
func (s *Server) ListPayments(ctx context.Context, req gen.ListPaymentsRequestObject) (gen.ListPaymentsResponseObject, error) {
	p := req.Params
	f := payment.Filter{From: p.From, To: p.To, TechnicianID: deref(p.TechnicianId), WorkOrderID: deref(p.WorkOrderId)}
	if p.Method != nil {
		f.Method = payment.Method(*p.Method)
	}
	if p.Status != nil {
		f.Status = payment.Status(*p.Status)
	}
	if !wantsCSV(ctx) {
		page, err := s.cfg.Payments.List(ctx, f, pageRequest(p.Limit, p.Cursor))
		if err != nil {
			return nil, err
		}
		return gen.ListPayments200JSONResponse{Items: mapItems(page.Items, paymentDTO), NextCursor: nextCursor(page.Next)}, nil
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"id", "work_order_id", "collected_at", "collected_by", "method", "amount_fen", "amount_yuan", "receipt_no", "invoice_no",
		"status", "handover_id", "confirmed_at"})
	pr := domain.PageRequest{Limit: csvPageSize}
	for {
		page, err := s.cfg.Payments.List(ctx, f, pr)
		if err != nil {
			return nil, err
		}
		for _, x := range page.Items {
			row := []string{x.ID.String(), x.WorkOrderID.String(), x.CollectedAt.Format(time.RFC3339), x.CollectedBy.String(), string(x.Method),
				strconv.FormatInt(x.Amount, 10), yuan(x.Amount), x.ReceiptNo, deref(x.InvoiceNo), string(x.Status), "", ""}
			if x.HandoverID != nil {
				row[10] = x.HandoverID.String()
			}
			if x.ConfirmedAt != nil {
				row[11] = x.ConfirmedAt.Format(time.RFC3339)
			}
			_ = w.Write(row)
		}
		if page.Next == "" {
			break
		}
		pr.After = page.Next
	}
	w.Flush()
	return gen.ListPayments200TextcsvResponse{Body: &buf, ContentLength: int64(buf.Len())}, nil
}

// yuan writes fen as yuan with two decimals, exactly.
func yuan(fen int64) string {
	return strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(fen%100/10, 10) + strconv.FormatInt(fen%10, 10)
}

func handoverDTO(h payment.Handover) gen.Handover {
	ids := h.PaymentIDs
	if ids == nil {
		ids = []uuid.UUID{}
	}
	return gen.Handover{Id: h.ID, TechnicianId: h.TechnicianID, Status: gen.HandoverStatus(h.Status), PaymentIds: ids,
		ExpectedAmount: h.Expected, CountedAmount: nullableOf(h.Counted), Difference: nullableOf(h.Difference), Flagged: h.Flagged,
		Currency: gen.HandoverCurrencyCNY, CreatedAt: h.CreatedAt, ConfirmedAt: nullableOf(h.ConfirmedAt), ConfirmedBy: nullableOf(h.ConfirmedBy)}
}

// CreateHandover hands cash over to finance.
func (s *Server) CreateHandover(ctx context.Context, req gen.CreateHandoverRequestObject) (gen.CreateHandoverResponseObject, error) {
	h, err := s.cfg.Payments.HandOver(ctx, req.Body.PaymentIds)
	if err != nil {
		return nil, err
	}
	return gen.CreateHandover201JSONResponse(handoverDTO(h)), nil
}

// ListHandovers pages through handovers.
func (s *Server) ListHandovers(ctx context.Context, req gen.ListHandoversRequestObject) (gen.ListHandoversResponseObject, error) {
	p := req.Params
	f := payment.HandoverFilter{TechnicianID: deref(p.TechnicianId)}
	if p.Status != nil {
		f.Status = payment.HandoverStatus(*p.Status)
	}
	page, err := s.cfg.Payments.Handovers(ctx, f, pageRequest(p.Limit, p.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListHandovers200JSONResponse{Items: mapItems(page.Items, handoverDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetHandover returns one handover.
func (s *Server) GetHandover(ctx context.Context, req gen.GetHandoverRequestObject) (gen.GetHandoverResponseObject, error) {
	h, err := s.cfg.Payments.HandoverByID(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetHandover200JSONResponse(handoverDTO(h)), nil
}

// ConfirmHandover records what finance counted.
func (s *Server) ConfirmHandover(ctx context.Context, req gen.ConfirmHandoverRequestObject) (gen.ConfirmHandoverResponseObject, error) {
	h, err := s.cfg.Payments.Confirm(ctx, req.Id, req.Body.CountedAmount)
	if err != nil {
		return nil, err
	}
	return gen.ConfirmHandover200JSONResponse(handoverDTO(h)), nil
}

// CashInHand is the cash not yet confirmed, per technician.
func (s *Server) CashInHand(ctx context.Context, _ gen.CashInHandRequestObject) (gen.CashInHandResponseObject, error) {
	held, err := s.cfg.Payments.CashInHand(ctx)
	if err != nil {
		return nil, err
	}
	var out gen.CashInHand200JSONResponse
	out.Items = make([]struct {
		Amount            gen.Fen       `json:"amount"`
		OldestAgeSeconds  int64         `json:"oldest_age_seconds"`
		OldestCollectedAt gen.Timestamp `json:"oldest_collected_at"`
		Payments          int32         `json:"payments"`
		TechnicianId      gen.Uuid      `json:"technician_id"`
	}, len(held))
	for i, h := range held {
		it := &out.Items[i]
		it.Amount, it.OldestAgeSeconds, it.OldestCollectedAt, it.Payments, it.TechnicianId = h.Amount, int64(h.Age/time.Second), h.Oldest, int32(h.Payments), h.TechnicianID
	}
	return out, nil
}
