// Command fieldwork is the field-service backend: `serve`, `migrate`, `version`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/fieldwork/fieldwork/cmd/fieldwork/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fieldwork:", err)
		os.Exit(1)
	}
}

const usage = `usage: fieldwork <command>

commands:
  serve     apply migrations and serve the API (FIELDWORK_ADDR, default :8080)
  migrate   apply migrations and exit
  version   print the version

Configuration is by environment; see README.md.`

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New(usage)
	}
	switch args[0] {
	case "version":
		_, err := fmt.Fprintln(stdout, "fieldwork", buildVersion())
		return err
	case "serve", "migrate":
	case "help", "-h", "--help":
		_, err := fmt.Fprintln(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
	cfg, err := app.ConfigFromEnv(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if args[0] == "migrate" {
		if err := app.Migrate(ctx, cfg, logger); err != nil {
			return err
		}
		logger.Info("migrations applied")
		return nil
	}
	a, err := app.New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		_ = a.Close(context.Background())
		return fmt.Errorf("listen: %w", err)
	}
	if err := a.Start(ctx); err != nil {
		_ = a.Close(context.Background())
		return err
	}
	return a.Serve(ctx, ln)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
