package e2e

import (
	"context"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

func TestBinary_VersionAndHelp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "starling ") {
		t.Errorf("starling version = %q, %v; want \"starling <version>\"", out, err)
	}
	out, err = exec.Command(bin, "help").Output()
	if err != nil || !strings.Contains(string(out), "starling [serve] [flags]") {
		t.Errorf("starling help = %q, %v", out, err)
	}
	if err := exec.Command(bin, "frobnicate").Run(); err == nil {
		t.Error("starling frobnicate succeeded; want a usage error")
	}
	if err := exec.Command(bin, "serve", "--default-account", "12").Run(); err == nil {
		t.Error("starling serve --default-account 12 succeeded; want a configuration error")
	}
}

// TestBinary_GracefulShutdown checks that SIGTERM stops the server cleanly
// (exit status 0) and that its data is there on the next start.
func TestBinary_GracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	p := startProcess(t, bin, data)
	c := (&server{t: t, url: p.url}).config(acctA, "us-east-1")
	_ = must(c.PutConfigurationAggregator(context.Background(), putAccounts("kept", acctA))).get(t)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM starling exited with %v; want status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("starling did not exit within 20s of SIGTERM")
	}

	p2 := startProcess(t, bin, data)
	c2 := (&server{t: t, url: p2.url}).config(acctA, "us-east-1")
	desc := must(c2.DescribeConfigurationAggregators(context.Background(), &configservice.DescribeConfigurationAggregatorsInput{})).get(t)
	if len(desc.ConfigurationAggregators) != 1 {
		t.Errorf("after restart Describe = %d aggregators; want 1", len(desc.ConfigurationAggregators))
	}
}
