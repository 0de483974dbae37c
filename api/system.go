package api

import (
	"context"
	"time"

	"github.com/fieldwork/fieldwork/api/gen"
)

// Healthz answers while the process is alive.
func (s *Server) Healthz(context.Context, gen.HealthzRequestObject) (gen.HealthzResponseObject, error) {
	return gen.Healthz200JSONResponse{Status: gen.HealthStatusOk}, nil
}

// Readyz checks every dependency, each within two seconds.
func (s *Server) Readyz(ctx context.Context, _ gen.ReadyzRequestObject) (gen.ReadyzResponseObject, error) {
	failed := ""
	for _, c := range s.cfg.Ready {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := c.Check(cctx)
		cancel()
		if err != nil {
			loggerFrom(ctx).Warn("not ready", "check", c.Name, "error", err.Error())
			if failed != "" {
				failed += ", "
			}
			failed += c.Name
		}
	}
	if failed != "" {
		return gen.Readyz503ApplicationProblemPlusJSONResponse{UnavailableApplicationProblemPlusJSONResponse: gen.UnavailableApplicationProblemPlusJSONResponse{
			Type: ProblemBase + "unavailable", Title: "Service Unavailable", Status: 503,
			Detail: "unreachable: " + failed,
		}}, nil
	}
	return gen.Readyz200JSONResponse{Status: gen.HealthStatusOk}, nil
}
