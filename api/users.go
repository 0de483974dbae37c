package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/user"
)

func userDTO(u user.User) gen.User {
	out := gen.User{Id: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: gen.Role(u.Role),
		Phone: nullableOf(u.Phone), Disabled: u.Disabled, OnDuty: u.OnDuty, Skills: u.Skills, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if out.Skills == nil {
		out.Skills = []string{}
	}
	out.CustomerId = nullableID(u.CustomerID)
	return out
}

// CreateUser adds an account.
func (s *Server) CreateUser(ctx context.Context, req gen.CreateUserRequestObject) (gen.CreateUserResponseObject, error) {
	b := req.Body
	u, err := s.cfg.Users.Create(ctx, user.NewUser{Username: b.Username, Password: b.Password, DisplayName: b.DisplayName,
		Role: domain.Role(b.Role), Phone: b.Phone, CustomerID: deref(b.CustomerId)})
	if err != nil {
		return nil, err
	}
	loc := "/v1/users/" + u.ID.String()
	return gen.CreateUser201JSONResponse{Body: userDTO(u), Headers: gen.CreateUser201ResponseHeaders{Location: &loc}}, nil
}

// ListUsers pages through accounts.
func (s *Server) ListUsers(ctx context.Context, req gen.ListUsersRequestObject) (gen.ListUsersResponseObject, error) {
	f := user.Filter{}
	if req.Params.Role != nil {
		f.Role = domain.Role(*req.Params.Role)
	}
	page, err := s.cfg.Users.List(ctx, f, pageRequest(req.Params.Limit, req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListUsers200JSONResponse{Items: mapItems(page.Items, userDTO), NextCursor: nextCursor(page.Next)}, nil
}

// GetUser returns one account.
func (s *Server) GetUser(ctx context.Context, req gen.GetUserRequestObject) (gen.GetUserResponseObject, error) {
	u, err := s.cfg.Users.Get(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetUser200JSONResponse(userDTO(u)), nil
}

// UpdateUser changes an account.
func (s *Server) UpdateUser(ctx context.Context, req gen.UpdateUserRequestObject) (gen.UpdateUserResponseObject, error) {
	b := req.Body
	in := user.Update{DisplayName: b.DisplayName, Phone: patchOf(b.Phone), Disabled: b.Disabled, OnDuty: b.OnDuty, Skills: b.Skills}
	if b.Role != nil {
		r := domain.Role(*b.Role)
		in.Role = &r
	}
	u, err := s.cfg.Users.Update(ctx, req.Id, in)
	if err != nil {
		return nil, err
	}
	return gen.UpdateUser200JSONResponse(userDTO(u)), nil
}
