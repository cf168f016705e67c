// Command ferretdb-local runs FerretDB 1.24 (postgresql handler) as the local stack's
// MongoDB-wire server, with a TLS listener only. Clients authenticate with PLAIN (safe inside
// TLS); FerretDB opens PostgreSQL with their credentials, so each principal's own PostgreSQL
// role and grants apply, and a client without credentials reaches nothing. It embeds the
// ferretdb package because `go install .../cmd/ferretdb` builds a binary that panics at start
// without a generated version file (FerretDB issue #2982).
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-tls", "127.0.0.1:27017", "TCP address of the TLS listener")
	certFile := flag.String("tls-cert", "", "server certificate (PEM)")
	keyFile := flag.String("tls-key", "", "server private key (PEM)")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL URL without credentials, e.g. postgres:///ferretdb?host=/run/dir")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *certFile == "" || *keyFile == "" || *postgresURL == "" {
		logger.Error("-tls-cert, -tls-key and -postgresql-url are required")
		os.Exit(2)
	}

	// No TLSCAFile: with one, FerretDB would demand client certificates; clients prove who they
	// are with their PostgreSQL role's password instead.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{
			TLS:         *listen,
			TLSCertFile: *certFile,
			TLSKeyFile:  *keyFile,
		},
		Logger:        logger,
		Handler:       "postgresql",
		PostgreSQLURL: *postgresURL,
	})
	if err != nil {
		logger.Error("cannot start FerretDB", "error", err)
		os.Exit(1)
	}

	// SIGTERM from `stack down` closes the listener and the PostgreSQL pools cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	logger.Info("ferretdb-local listening (TLS)", "addr", *listen)
	if err := f.Run(ctx); err != nil {
		logger.Error("FerretDB stopped", "error", err)
		os.Exit(1)
	}
}
