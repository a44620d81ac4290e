package server

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// StatusClientClosedRequest is the status the access log and the metrics
// give a request whose client hung up before it was answered (nginx's 499,
// "client closed request"). No client ever receives it.
const StatusClientClosedRequest = 499

// BackupContentType is the media type of a backup: an SQLite database file.
const BackupContentType = "application/vnd.sqlite3"

// The databases that POST PathBackup?database=NAME copies: the
// control-plane database (the default, when the parameter is absent) and
// the configuration-item inventory. A data directory holds both, as
// starling.db and inventory.db.
const (
	BackupDatabaseStarling  = "starling"
	BackupDatabaseInventory = "inventory"
)

// backupWriteTimeout bounds each write of a backup to the client. The
// server's --write-timeout bounds a whole response, which a large database
// may outlast; a backup instead gets this long for each write, so that a
// client that stops reading still cannot hold it open.
const backupWriteTimeout = time.Minute

// hostAllowList is the --allowed-hosts list, lower-cased.
type hostAllowList struct {
	any   bool
	names map[string]bool
}

func newHostAllowList(hosts []string) hostAllowList {
	l := hostAllowList{names: make(map[string]bool, len(hosts))}
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
		switch h {
		case "":
		case "*":
			l.any = true
		default:
			l.names[h] = true
		}
	}
	return l
}

// allows reports whether a request to an operator endpoint may name host
// (the Host header, with or without a port).
func (l hostAllowList) allows(host string) bool {
	if l.any {
		return true
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")), ".")
	if name == "" {
		return false
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	return name == "localhost" || strings.HasSuffix(name, ".localhost") || l.names[name]
}

// refuseOperator returns why a request to the reset or backup endpoint is
// refused, or "" if it may proceed. Those endpoints take no credentials, so
// they must not be reachable from a web page the operator happens to visit:
//
//   - A browser marks every request a page makes with Sec-Fetch-* headers
//     (Fetch Metadata), and every POST with Origin: a request with either
//     came from a browser, and is refused. curl, the AWS SDKs, boto3 and
//     python-requests send neither.
//   - DNS rebinding points a name the attacker controls at 127.0.0.1, so
//     that the page's requests are same-origin; the Host header still
//     carries the attacker's name. So the Host must be an IP address,
//     localhost (or a name under .localhost, which browsers resolve to
//     loopback themselves), or a name the operator allowed.
func (s *Server) refuseOperator(r *http.Request) string {
	for _, h := range []string{"Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest"} {
		if len(r.Header.Values(h)) > 0 {
			return "refused: the request carries the " + h + " header, so a web browser sent it. " +
				"Operator endpoints answer only tools such as curl, the AWS SDKs or python-requests, " +
				"so that no web page can reset or copy this server's data."
		}
	}
	if !s.hosts.allows(r.Host) {
		return "refused: the Host header " + quoteShort(r.Host) + " is not an IP address, localhost, or a name in --allowed-hosts; " +
			"a web page can make a browser send such a request (DNS rebinding). To reach Starling by this name, " +
			"start it with --allowed-hosts NAME (or STARLING_ALLOWED_HOSTS=NAME)."
	}
	return ""
}

// guardOperator answers 403, and returns false, if refuseOperator refuses r.
func (s *Server) guardOperator(w http.ResponseWriter, r *http.Request) bool {
	why := s.refuseOperator(r)
	if why == "" {
		return true
	}
	s.log.Warn("operator request refused",
		slog.String("path", r.URL.Path),
		slog.String("host", truncate(r.Host)),
		slog.String("origin", truncate(r.Header.Get("Origin"))),
		slog.String("remote", r.RemoteAddr))
	writeJSONError(w, http.StatusForbidden, why)
	return false
}

func (s *Server) serveReset(w http.ResponseWriter, r *http.Request) {
	if !s.guardOperator(w, r) {
		return
	}
	switch {
	case r.Method != http.MethodPost:
		writeJSON(w, http.StatusMethodNotAllowed, `{"error":"use POST"}`)
	case s.reset == nil:
		writeJSON(w, http.StatusForbidden, `{"error":"reset is disabled on this server"}`)
	default:
		if err := s.reset(r.Context()); err != nil {
			if r.Context().Err() != nil {
				s.log.Info("reset canceled by the client", slog.String("error", err.Error()))
				return
			}
			s.log.Error("reset failed", slog.String("error", err.Error()))
			writeJSON(w, http.StatusInternalServerError, `{"error":"reset failed"}`)
			return
		}
		s.log.Info("state reset", slog.String("path", r.URL.Path))
		writeJSON(w, http.StatusOK, `{"reset":true}`)
	}
}

// BackupDisabledBody is the answer to a backup request on a server without
// one: in verify mode, and on PostgreSQL (whose own tools back it up).
const BackupDisabledBody = `{"error":"backup is disabled on this server: in --auth verify mode, and with --store (back PostgreSQL up with its own tools, such as pg_dump)"}`

// serveBackup streams Options.Backup's copy of the database that the
// query parameter database names (BackupDatabaseStarling when absent;
// another name is a 400). An error before
// the first byte is a 500; after it, the connection is cut (the chunked
// response never ends), so that no client mistakes a partial copy for a
// whole one.
func (s *Server) serveBackup(w http.ResponseWriter, r *http.Request) {
	if !s.guardOperator(w, r) {
		return
	}
	switch {
	case r.Method != http.MethodPost:
		writeJSON(w, http.StatusMethodNotAllowed, `{"error":"use POST"}`)
		return
	case s.backup == nil:
		writeJSON(w, http.StatusForbidden, BackupDisabledBody)
		return
	}
	database := r.URL.Query().Get("database")
	switch database {
	case "":
		database = BackupDatabaseStarling
	case BackupDatabaseStarling, BackupDatabaseInventory:
	default:
		writeJSON(w, http.StatusBadRequest, `{"error":"unknown database: give database=starling or database=inventory"}`)
		return
	}
	start := time.Now()
	bw := &backupWriter{w: w, rc: http.NewResponseController(w)}
	err := s.backup(r.Context(), database, bw)
	db := slog.String("database", database)
	switch {
	case err == nil:
		bw.begin() // an empty copy is still a 200
		s.log.Info("backup sent", db, slog.Int64("bytes", bw.n), slog.Duration("duration", time.Since(start)))
		return
	case r.Context().Err() != nil:
		s.log.Info("backup canceled by the client", db, slog.Int64("bytes", bw.n), slog.String("error", err.Error()))
	case bw.started:
		s.log.Error("backup failed", db, slog.Int64("bytes", bw.n), slog.String("error", err.Error()))
	default:
		s.log.Error("backup failed", db, slog.String("error", err.Error()))
		writeJSON(w, http.StatusInternalServerError, `{"error":"backup failed"}`)
		return
	}
	if bw.started {
		panic(http.ErrAbortHandler) // net/http closes the connection without logging
	}
}

// backupWriter sends the 200 and the backup's headers at the first write,
// and gives each write backupWriteTimeout.
type backupWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	n       int64
}

func (b *backupWriter) begin() {
	if b.started {
		return
	}
	b.started = true
	h := b.w.Header()
	h.Set("Content-Type", BackupContentType)
	h.Set("Content-Disposition", `attachment; filename="starling.db"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	b.w.WriteHeader(http.StatusOK)
}

func (b *backupWriter) Write(p []byte) (int, error) {
	b.begin()
	// Not every ResponseWriter supports deadlines (httptest's does not);
	// without one the server's own write timeout applies.
	_ = b.rc.SetWriteDeadline(time.Now().Add(backupWriteTimeout))
	n, err := b.w.Write(p)
	b.n += int64(n)
	return n, err
}

// writeJSONError writes {"error": msg} with the status.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"error": msg}) // a map of strings always encodes
	writeJSON(w, status, string(body))
}

// quoteShort quotes at most 64 bytes of s for a message.
func quoteShort(s string) string {
	b, _ := json.Marshal(truncate(strings.ToValidUTF8(s, "\uFFFD")))
	return string(b)
}

// truncate shortens s to 64 bytes for a log line or a message.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
