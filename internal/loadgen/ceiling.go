package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CeilingSubcommand is the hidden subcommand of starling-load that runs the
// ceiling server; StartCeiling runs it as a child process.
const CeilingSubcommand = "ceiling-server"

// ceilingRequestID is the fixed x-amzn-RequestId of the ceiling server's
// answers, as long as the UUIDs Starling sends.
const ceilingRequestID = "00000000-0000-4000-8000-000000000000"

// CeilingHandler is the trivial server a load run compares Starling with:
// it reads the request body and answers 200 with body and the headers of an
// awsJson1_1 response. It neither routes, authenticates, decodes nor stores
// anything.
func CeilingHandler(body []byte) http.Handler {
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Content-Length", length)
		h.Set("x-amzn-RequestId", ceilingRequestID)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
}

// ServeCeiling serves CeilingHandler(body) on addr until ctx is done,
// first calling ready with the listener's address.
func ServeCeiling(ctx context.Context, addr string, body []byte, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: CeilingHandler(body), ReadHeaderTimeout: 10 * time.Second}
	ready(ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Child is a server running as a child process.
type Child struct {
	// URL is the base URL the child listens on.
	URL    string
	cmd    *exec.Cmd
	exited chan error
	// cleanup runs after the child has exited.
	cleanup func()
}

// StartCeiling runs `exe ceiling-server --addr 127.0.0.1:0 --body-file F`
// with body in F, in its own process like Starling, and waits until it
// prints its URL on standard output. exe is normally starling-load itself
// (os.Executable).
func StartCeiling(ctx context.Context, exe string, body []byte) (*Child, error) {
	f, err := os.CreateTemp("", "starling-load-body-*.json")
	if err != nil {
		return nil, err
	}
	cleanup := func() { _ = os.Remove(f.Name()) }
	_, err = f.Write(body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return nil, err
	}
	cmd := exec.Command(exe, CeilingSubcommand, "--addr", "127.0.0.1:0", "--body-file", f.Name())
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cleanup()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, fmt.Errorf("start ceiling server: %w", err)
	}
	c := &Child{cmd: cmd, exited: make(chan error, 1), cleanup: cleanup}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "http://") {
				select {
				case urls <- line:
				default:
				}
			}
		}
		c.exited <- cmd.Wait()
	}()
	select {
	case c.URL = <-urls:
		return c, nil
	case err := <-c.exited:
		cleanup()
		return nil, fmt.Errorf("ceiling server exited before listening: %v", err)
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	_ = c.Stop()
	return nil, errors.New("ceiling server did not print its address within 10s")
}

// Stop ends the child with SIGTERM (SIGKILL if it has not exited within
// 20 s) and waits for it.
func (c *Child) Stop() error {
	defer c.cleanup()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.exited:
		return err
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("killed %s after it ignored SIGTERM for 20s: %v", c.cmd.Path, <-c.exited)
	}
}
