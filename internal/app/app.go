// Package app assembles a running Starling from its configuration: it opens
// the store, builds the services and the HTTP server, serves until the
// context ends, and shuts down gracefully. cmd/starling and the end-to-end
// tests both start Starling through Run.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/starlingcfg/starling/internal/api/configapi"
	"github.com/starlingcfg/starling/internal/api/orgapi"
	"github.com/starlingcfg/starling/internal/clock"
	"github.com/starlingcfg/starling/internal/compliance"
	"github.com/starlingcfg/starling/internal/config"
	"github.com/starlingcfg/starling/internal/configservice"
	"github.com/starlingcfg/starling/internal/console"
	"github.com/starlingcfg/starling/internal/credentials"
	"github.com/starlingcfg/starling/internal/identity"
	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/orgservice"
	"github.com/starlingcfg/starling/internal/pagetoken"
	"github.com/starlingcfg/starling/internal/server"
	"github.com/starlingcfg/starling/internal/sigv4"
	"github.com/starlingcfg/starling/internal/stsservice"
)

// Options are the parts of a running Starling that are not configuration:
// what cmd/starling and tests inject.
type Options struct {
	// Logger receives the access log and errors; nil discards them.
	Logger *slog.Logger
	// Version is reported by the health endpoint and the startup log line.
	Version string
	// Clock is the services' time source; nil is the system clock.
	Clock clock.Clock
	// Ready, if set, is called with the listener's address once it is open.
	Ready func(net.Addr)
}

// App is an assembled Starling: its stores, services and HTTP handler,
// not yet listening.
type App struct {
	handler http.Handler
	backend *backend
	log     *slog.Logger
}

// New opens the stores (in cfg.DataDir, or the PostgreSQL database of
// cfg.Store): the control-plane store and the configuration-item store; and
// builds the services and the handler. Close releases them.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	auth, creds, err := authenticator(cfg, opts.Clock, log)
	if err != nil {
		return nil, err
	}
	b, err := openBackend(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	st, inv := b.store, b.inventory
	key, err := pagetoken.LoadKey(ctx, st)
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("load token key: %w", err)
	}
	tokens := pagetoken.NewCodec(key)
	results := resultsOf(inv)
	orgSvc := orgservice.New(orgservice.Options{Store: st, Tokens: tokens, Clock: opts.Clock})
	cfgSvc := configservice.New(configservice.Options{
		Store:         st,
		Tokens:        tokens,
		Clock:         opts.Clock,
		Organizations: orgSvc,
		Inventory:     inv,
		Results:       results,
		Regions:       cfg.Regions,
		Quotas: configservice.Quotas{
			AggregatorsPerRegion:  cfg.Quotas.AggregatorsPerRegion,
			AccountsPerAggregator: cfg.Quotas.AccountsPerAggregator,
		},
	})
	// The results store's copy of the conformance packs, which the
	// aggregated pack summary sums, catches up with the control plane.
	if err := syncPacks(ctx, cfgSvc, log); err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("copy the conformance packs to the results store: %w", err)
	}
	var reset func(context.Context) error
	// The reset endpoints are unauthenticated: a verifying server, being
	// reachable by others, refuses them.
	if !cfg.DisableReset && cfg.Auth != config.AuthVerify {
		reset = func(ctx context.Context) error {
			if err := st.Reset(ctx); err != nil {
				return err
			}
			if err := inv.Reset(ctx); err != nil {
				return err
			}
			if results == nil {
				return nil
			}
			return results.Reset(ctx)
		}
	}
	// The backup endpoint is unauthenticated too: refused in verify mode.
	var backup func(context.Context, string, io.Writer) error
	if cfg.Auth != config.AuthVerify {
		backup = b.backup
	}
	con, err := console.New(console.Options{
		Operations:  configservice.Operations(cfgSvc),
		Service:     cfgSvc,
		Credentials: creds,
		Resolver:    identity.Resolver{DefaultAccountID: cfg.DefaultAccount},
		Regions:     regionsOf(cfg),
		Now:         nowOf(opts.Clock),
		Logger:      log,
	})
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("console: %w", err)
	}
	reg := prometheus.NewRegistry()
	if b.register != nil {
		b.register(reg)
	}
	handler := server.New(server.Options{
		APIs: []server.API{{
			Name:         "config",
			TargetPrefix: configapi.TargetPrefix,
			SigningName:  configapi.SigningName,
			Operations:   configservice.Operations(cfgSvc),
		}, {
			// Starling's own: how configuration items of AWS-owned types
			// are recorded (README, "Recording configuration items").
			Name:         "ingest",
			TargetPrefix: configservice.IngestTargetPrefix,
			SigningName:  configservice.IngestSigningName,
			Operations:   configservice.IngestOperations(cfgSvc),
		}, {
			Name:         "organizations",
			TargetPrefix: orgapi.TargetPrefix,
			SigningName:  orgapi.SigningName,
			Operations:   orgservice.Operations(orgSvc),
		}},
		QueryAPIs: []server.QueryAPI{{
			Name:      "sts",
			Namespace: stsservice.Namespace,
			Actions:   map[string]server.QueryHandler{"GetCallerIdentity": stsservice.GetCallerIdentity},
		}},
		Resolver:     identity.Resolver{DefaultAccountID: cfg.DefaultAccount},
		MaxBodyBytes: cfg.MaxBodyBytes,
		Reset:        reset,
		Backup:       backup,
		AllowedHosts: cfg.AllowedHosts,
		Console:      con,
		Logger:       log,
		Registry:     reg,
		Version:      opts.Version,
		// nil in the default accept mode: the Resolver names the caller.
		Authenticator: auth,
	})
	return &App{handler: handler, backend: b, log: log}, nil
}

// Handler is the app's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// Close closes the stores.
func (a *App) Close() error { return a.backend.Close() }

// Run serves Starling as cfg says until ctx is done, then shuts down.
func Run(ctx context.Context, cfg config.Config, opts Options) error {
	start := time.Now()
	// A missing or unreadable certificate stops the start here, before the
	// store is opened and before anything says it is listening.
	var tlsConfig *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("tls: load --tls-cert %s and --tls-key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	a, err := New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	log := a.log
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("close stores", slog.String("error", err.Error()))
		}
	}()
	handler := a.handler

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         tlsConfig,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("starling listening",
		slog.String("addr", ln.Addr().String()),
		a.backend.where,
		slog.String("version", opts.Version),
		slog.Duration("startup", time.Since(start)))
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// authenticator returns the server's Authenticator for cfg.Auth: nil for
// the accept mode, and for the verify mode a sigv4.Verifier of the
// principals in the credentials file, which is read now so that a mistake
// in it stops the start. The log names the file and counts the principals;
// it never shows a secret.
func authenticator(cfg config.Config, clk clock.Clock, log *slog.Logger) (server.Authenticator, *credentials.Set, error) {
	if cfg.Auth != config.AuthVerify {
		return nil, nil, nil
	}
	creds, err := credentials.Load(cfg.CredentialsFile)
	if err != nil {
		return nil, nil, err
	}
	log.Info("verifying SigV4 signatures",
		slog.String("credentials", cfg.CredentialsFile),
		slog.Int("principals", creds.Len()))
	return sigv4.NewVerifier(creds, clk), creds, nil
}

// nowOf returns the clock's Now, or nil for the system clock.
func nowOf(c clock.Clock) func() time.Time {
	if c == nil {
		return nil
	}
	return c.Now
}

// regionsOf returns the regions the console offers at sign-in.
func regionsOf(cfg config.Config) []string {
	if len(cfg.Regions) > 0 {
		return cfg.Regions
	}
	return configservice.DefaultRegions
}

// resultsOf returns the evaluation-result store that lives beside the
// configuration items of inv (both backends keep the results in the
// inventory's database), or nil if inv has none.
func resultsOf(inv inventory.Store) compliance.Store {
	if c, ok := inv.(interface{ Compliance() compliance.Store }); ok {
		return c.Compliance()
	}
	return nil
}

// syncPacks copies every conformance pack to the results store
// (configservice.Service.SyncPacks) and logs how long it took.
func syncPacks(ctx context.Context, svc *configservice.Service, log *slog.Logger) error {
	start := time.Now()
	if err := svc.SyncPacks(ctx); err != nil {
		return err
	}
	log.Info("conformance packs copied to the results store", "duration", time.Since(start))
	return nil
}
