package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain"
	"github.com/fieldwork/fieldwork/domain/auth"
)

func tokenPair(p auth.Pair) gen.TokenPair {
	return gen.TokenPair{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: gen.Bearer, ExpiresIn: int32(p.ExpiresIn.Seconds())}
}

// Login exchanges a username and password for tokens.
func (s *Server) Login(ctx context.Context, req gen.LoginRequestObject) (gen.LoginResponseObject, error) {
	p, err := s.cfg.Auth.Login(ctx, req.Body.Username, req.Body.Password, clientAddr(ctx))
	if err != nil {
		return nil, err
	}
	return gen.Login200JSONResponse(tokenPair(p)), nil
}

// Refresh rotates a refresh token.
func (s *Server) Refresh(ctx context.Context, req gen.RefreshRequestObject) (gen.RefreshResponseObject, error) {
	p, err := s.cfg.Auth.Refresh(ctx, req.Body.RefreshToken)
	if err != nil {
		return nil, err
	}
	return gen.Refresh200JSONResponse(tokenPair(p)), nil
}

// Logout ends a login.
func (s *Server) Logout(ctx context.Context, req gen.LogoutRequestObject) (gen.LogoutResponseObject, error) {
	if err := s.cfg.Auth.Logout(ctx, req.Body.RefreshToken); err != nil {
		return nil, err
	}
	return gen.Logout204Response{}, nil
}

// Me returns the caller's account.
func (s *Server) Me(ctx context.Context, _ gen.MeRequestObject) (gen.MeResponseObject, error) {
	actor, err := domain.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.cfg.Users.Get(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	return gen.Me200JSONResponse(userDTO(u)), nil
}
