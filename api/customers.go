package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/customer"
)

func customerDTO(c customer.Customer) gen.Customer {
	return gen.Customer{Id: c.ID, Name: c.Name, ContactName: c.ContactName, Phone: c.Phone, Address: c.Address,
		Notes: nullableOf(c.Notes), SmsOptOut: c.SMSOptOut, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// CreateCustomer records a customer.
func (s *Server) CreateCustomer(ctx context.Context, req gen.CreateCustomerRequestObject) (gen.CreateCustomerResponseObject, error) {
	b := req.Body
	c, err := s.cfg.Customers.Create(ctx, customer.NewCustomer{Name: b.Name, ContactName: b.ContactName, Phone: b.Phone, Address: b.Address, Notes: b.Notes})
	if err != nil {
		return nil, err
	}
	loc := "/v1/customers/" + c.ID.String()
	return gen.CreateCustomer201JSONResponse{Body: customerDTO(c), Headers: gen.CreateCustomer201ResponseHeaders{Location: &loc}}, nil
}

// ListCustomers pages through customers.
func (s *Server) ListCustomers(ctx context.Context, req gen.ListCustomersRequestObject) (gen.ListCustomersResponseObject, error) {
	page, err := s.cfg.Customers.List(ctx, customer.Filter{Query: deref(req.Params.Q)}, pageRequest(req.Params.Limit, req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListCustomers200JSONResponse{Items: mapItems(page.Items, customerDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetCustomer returns one customer.
func (s *Server) GetCustomer(ctx context.Context, req gen.GetCustomerRequestObject) (gen.GetCustomerResponseObject, error) {
	c, err := s.cfg.Customers.Get(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetCustomer200JSONResponse(customerDTO(c)), nil
}

// UpdateCustomer changes a customer.
func (s *Server) UpdateCustomer(ctx context.Context, req gen.UpdateCustomerRequestObject) (gen.UpdateCustomerResponseObject, error) {
	b := req.Body
	c, err := s.cfg.Customers.Update(ctx, req.Id, customer.Update{Name: b.Name, ContactName: b.ContactName, Phone: b.Phone,
		Address: b.Address, Notes: patchOf(b.Notes), SMSOptOut: b.SmsOptOut})
	if err != nil {
		return nil, err
	}
	return gen.UpdateCustomer200JSONResponse(customerDTO(c)), nil
}
