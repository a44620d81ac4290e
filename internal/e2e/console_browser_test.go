package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/starlingcfg/starling/internal/apptest"
)

// TestConsoleBrowser runs the console's browser tests (web/console/tests)
// in headless Chromium, against the real binary filled by `starling
// generate`: once in the default accept mode, and once in verify mode. It
// needs Chromium (Debian's chromium package, or $STARLING_CHROMIUM),
// Node.js, and web/console's packages (`npm ci` there); without them it
// skips, unless STARLING_REQUIRE_BROWSER is set, as .ci/run sets it.
// STARLING_CONSOLE_SCREENSHOTS=DIR saves a screenshot of each page there.
func TestConsoleBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives a browser")
	}
	if apptest.Postgres() {
		t.Skip("the console's browser tests run once, in the SQLite pass: the console reads through the API, which the suite checks on both backends")
	}
	web, err := filepath.Abs("../../web/console")
	if err != nil {
		t.Fatal(err)
	}
	chromium := os.Getenv("STARLING_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	node, nodeErr := exec.LookPath("node")
	missing := ""
	switch {
	case !isFile(chromium):
		missing = "no Chromium at " + chromium + " (apt-get install chromium, or set STARLING_CHROMIUM)"
	case nodeErr != nil:
		missing = "no node on PATH (apt-get install nodejs npm)"
	case !isFile(filepath.Join(web, "node_modules", "playwright-core", "package.json")):
		missing = "no playwright-core in web/console/node_modules (cd web/console && npm ci)"
	}
	if missing != "" {
		if os.Getenv("STARLING_REQUIRE_BROWSER") != "" {
			t.Fatalf("the console's browser tests cannot run: %s", missing)
		}
		t.Skipf("skipping the console's browser tests: %s", missing)
	}

	bin := buildBinary(t)
	data := t.TempDir()
	gen := exec.Command(bin, "generate", "--data", data, "--accounts", "6", "--regions", "us-east-1,eu-west-1",
		"--resources", "40", "--seed", "11", "--managed-rules")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("starling generate: %v\n%s", err, out)
	}
	accept := startProcess(t, bin, data)

	// The verify-mode server has its own data, and one principal.
	creds := filepath.Join(t.TempDir(), "credentials")
	const key, secret, account = "AKIACONSOLETEST00001", "console-test-secret", "222222222222"
	if err := os.WriteFile(creds, []byte("[console]\naws_access_key_id = "+key+"\naws_secret_access_key = "+secret+
		"\naws_account_id = "+account+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	verify := startProcess(t, bin, t.TempDir(), "--auth", "verify", "--credentials", creds)

	cmd := exec.Command(node, "--test", "--test-reporter=spec", "tests/")
	cmd.Dir = web
	cmd.Env = append(os.Environ(),
		"CONSOLE_URL="+accept.url, "CONSOLE_VERIFY_URL="+verify.url,
		"CONSOLE_KEY="+key, "CONSOLE_SECRET="+secret, "CONSOLE_ACCOUNT="+account,
		"CHROMIUM="+chromium, "SCREENSHOTS="+os.Getenv("STARLING_CONSOLE_SCREENSHOTS"))
	out, err := cmd.CombinedOutput()
	t.Logf("node --test tests/:\n%s", out)
	if err != nil {
		t.Fatalf("the console's browser tests failed: %v", err)
	}
}

// isFile reports whether path names a regular file.
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
