package app

import (
	"context"
	"time"

	"github.com/fieldwork/fieldwork/domain/billing"
	"github.com/fieldwork/fieldwork/domain/pricelist"
)

// billingPrices tells billing the price list's price on a day. The price
// on the day is the price list's rule, so it comes from its service.
type billingPrices struct{ list *pricelist.Service }

var _ billing.PriceList = billingPrices{}

// PriceOn implements billing.PriceList.
func (p billingPrices) PriceOn(ctx context.Context, code string, at time.Time) (billing.Price, bool, error) {
	it, ok, err := p.list.PriceOn(ctx, code, at)
	if err != nil || !ok {
		return billing.Price{}, false, err
	}
	return billing.Price{ItemID: it.ID, Code: it.Code, Kind: billing.Kind(it.Kind), Name: it.Name, PerHour: it.Kind == pricelist.Labour && it.Unit == pricelist.Hour,
		UnitPrice: it.UnitPrice}, true, nil
}
