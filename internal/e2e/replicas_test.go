package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/smithy-go"

	"github.com/starlingcfg/starling/internal/store/postgres/pgtest"
)

// Several Starling processes share one PostgreSQL database: every guarantee
// of one process holds across them. These tests start real processes of
// the binary on one schema; they need STARLING_TEST_POSTGRES and skip
// without it.

// startReplicas builds the binary and starts n processes with args on one
// new PostgreSQL schema (storeDSN, or a new one if empty).
func startReplicas(t *testing.T, n int, storeDSN string, args ...string) (replicas []*process, dsn string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dsn = storeDSN
	if dsn == "" {
		dsn = pgtest.DSN(t)
	}
	bin := buildBinary(t)
	for range n {
		replicas = append(replicas, startProcess(t, bin, t.TempDir(), append([]string{"--store", dsn}, args...)...))
	}
	return replicas, dsn
}

func replicaClient(t *testing.T, p *process) *configservice.Client {
	return (&server{t: t, url: p.url}).config(acctA, "us-east-1")
}

// TestReplicas_IdempotentCreates sends the same Put many times at once,
// spread over two replicas: one aggregator, one ARN, on both.
func TestReplicas_IdempotentCreates(t *testing.T) {
	rs, _ := startReplicas(t, 2, "")
	clients := []*configservice.Client{replicaClient(t, rs[0]), replicaClient(t, rs[1])}
	const calls = 32
	arns := make([]string, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			out, err := clients[i%2].PutConfigurationAggregator(context.Background(), putAccounts("same", acctB))
			if err != nil {
				t.Errorf("Put %d: %v", i, err)
				return
			}
			arns[i] = aws.ToString(out.ConfigurationAggregator.ConfigurationAggregatorArn)
		})
	}
	wg.Wait()
	for i, arn := range arns {
		if arn != arns[0] {
			t.Errorf("Put %d returned ARN %q, Put 0 %q", i, arn, arns[0])
		}
	}
	for i, c := range clients {
		out, err := c.DescribeConfigurationAggregators(context.Background(), &configservice.DescribeConfigurationAggregatorsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.ConfigurationAggregators) != 1 || aws.ToString(out.ConfigurationAggregators[0].ConfigurationAggregatorArn) != arns[0] {
			t.Errorf("replica %d describes %d aggregators, want 1 with ARN %s", i, len(out.ConfigurationAggregators), arns[0])
		}
	}
}

// TestReplicas_QuotaUnderRaces puts 80 different aggregators at once,
// spread over two replicas, against the quota of 50: exactly 50 are made
// and the other 30 get AWS's LimitExceededException.
func TestReplicas_QuotaUnderRaces(t *testing.T) {
	rs, _ := startReplicas(t, 2, "", "--max-aggregators", "50")
	clients := []*configservice.Client{replicaClient(t, rs[0]), replicaClient(t, rs[1])}
	const calls = 80
	var mu sync.Mutex
	made, refused := 0, 0
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			_, err := clients[i%2].PutConfigurationAggregator(context.Background(), putAccounts(fmt.Sprintf("agg-%02d", i), acctB))
			mu.Lock()
			defer mu.Unlock()
			var ae smithy.APIError
			switch {
			case err == nil:
				made++
			case errors.As(err, &ae) && ae.ErrorCode() == "LimitExceededException":
				refused++
			default:
				t.Errorf("Put %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if made != 50 || refused != 30 {
		t.Errorf("made %d, refused %d; want 50 and 30", made, refused)
	}
	for i, c := range clients {
		n := 0
		p := configservice.NewDescribeConfigurationAggregatorsPaginator(c, &configservice.DescribeConfigurationAggregatorsInput{})
		for p.HasMorePages() {
			out, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			n += len(out.ConfigurationAggregators)
		}
		if n != 50 {
			t.Errorf("replica %d describes %d aggregators, want 50", i, n)
		}
	}
}

// TestReplicas_ReadYourWritesTokensAndReset checks that a write acknowledged
// by one replica is seen by the next read on the other, that a pagination
// token minted by one works on the other, and that a reset through one
// clears what the other serves.
func TestReplicas_ReadYourWritesTokensAndReset(t *testing.T) {
	rs, _ := startReplicas(t, 2, "")
	a, b := replicaClient(t, rs[0]), replicaClient(t, rs[1])
	ctx := context.Background()
	for i := range 20 {
		name := fmt.Sprintf("ryw-%02d", i)
		if _, err := a.PutConfigurationAggregator(ctx, putAccounts(name, acctB)); err != nil {
			t.Fatal(err)
		}
		out, err := b.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{ConfigurationAggregatorNames: []string{name}})
		if err != nil {
			t.Fatalf("Describe %s on the other replica right after its Put: %v", name, err)
		}
		if len(out.ConfigurationAggregators) != 1 {
			t.Fatalf("Describe %s on the other replica: %d aggregators", name, len(out.ConfigurationAggregators))
		}
	}

	first, err := a.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if first.NextToken == nil {
		t.Fatal("no NextToken after 5 of 20")
	}
	second, err := b.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{Limit: 5, NextToken: first.NextToken})
	if err != nil {
		t.Fatalf("the other replica refused the token: %v", err)
	}
	if len(second.ConfigurationAggregators) != 5 ||
		aws.ToString(second.ConfigurationAggregators[0].ConfigurationAggregatorName) != "ryw-05" {
		t.Errorf("page 2 on the other replica: got %d, starting at %q; want 5 from ryw-05",
			len(second.ConfigurationAggregators), aws.ToString(second.ConfigurationAggregators[0].ConfigurationAggregatorName))
	}

	if r := (&server{t: t, url: rs[0].url}).operatorPost(t, "/_starling/reset", ""); r.status != 200 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	out, err := b.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConfigurationAggregators) != 0 {
		t.Errorf("after a reset through one replica, the other describes %d aggregators", len(out.ConfigurationAggregators))
	}
}

// TestReplicas_Kill9 kills one replica with SIGKILL under a write load
// spread over both: every write either replica acknowledged is there, and
// the survivor keeps serving.
func TestReplicas_Kill9(t *testing.T) {
	rs, _ := startReplicas(t, 2, "", "--max-aggregators", "1000000")
	clients := []*configservice.Client{replicaClient(t, rs[0]), replicaClient(t, rs[1])}
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			c := clients[w%2]
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("k%d-%05d", w, i)
				if _, err := c.PutConfigurationAggregator(context.Background(), putAccounts(name, acctB)); err != nil {
					if w%2 == 0 {
						return // the killed replica's writers stop
					}
					t.Errorf("the surviving replica failed a Put: %v", err)
					return
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	if err := rs[0].cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = rs[0].cmd.Wait()
	time.Sleep(300 * time.Millisecond) // the survivor goes on serving meanwhile
	close(stop)
	wg.Wait()

	have := map[string]bool{}
	p := configservice.NewDescribeConfigurationAggregatorsPaginator(clients[1], &configservice.DescribeConfigurationAggregatorsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("the survivor: %v", err)
		}
		for _, a := range out.ConfigurationAggregators {
			have[aws.ToString(a.ConfigurationAggregatorName)] = true
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	for _, name := range acked {
		if !have[name] {
			t.Errorf("acknowledged %s is gone", name)
		}
	}
}

// TestReplicas_DatabaseLost cuts a replica off from PostgreSQL, as a
// database restart does (every connection closed, new ones refused, for a
// while): requests fail fast with ServiceUnavailable (503, which AWS's SDKs
// retry), not a hang; once the database answers again, the replica serves
// again by itself.
func TestReplicas_DatabaseLost(t *testing.T) {
	base := pgtest.DSN(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	px := newTCPProxy(t, u.Host)
	u.Host = px.addr()
	rs, _ := startReplicas(t, 1, u.String())
	c := replicaClient(t, rs[0])
	ctx := context.Background()
	if _, err := c.PutConfigurationAggregator(ctx, putAccounts("before", acctB)); err != nil {
		t.Fatal(err)
	}

	px.down()
	start := time.Now()
	for _, call := range []func() error{
		func() error { _, err := c.PutConfigurationAggregator(ctx, putAccounts("during", acctB)); return err },
		func() error {
			_, err := c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
			return err
		},
	} {
		err := call()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ServiceUnavailable" {
			t.Errorf("with the database down: got %v, want ServiceUnavailable", err)
		}
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() != 503 {
			t.Errorf("with the database down: HTTP %d, want 503", re.HTTPStatusCode())
		}
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("two requests with the database down took %v: want a prompt failure, not a hang", d)
	}

	px.up()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.PutConfigurationAggregator(ctx, putAccounts("after", acctB))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not recover within 30s of the database's return: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	out, err := c.DescribeConfigurationAggregators(ctx, &configservice.DescribeConfigurationAggregatorsInput{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, a := range out.ConfigurationAggregators {
		names[aws.ToString(a.ConfigurationAggregatorName)] = true
	}
	if !names["before"] || !names["after"] || names["during"] {
		t.Errorf("after recovery: aggregators %v, want before and after (and not during)", names)
	}
}

// tcpProxy forwards connections to a target; down closes them all and
// refuses new ones, up accepts again on the same address.
type tcpProxy struct {
	t      *testing.T
	target string
	ln     net.Listener
	listen string

	mu    sync.Mutex
	conns map[net.Conn]bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, target: target, ln: ln, listen: ln.Addr().String(), conns: map[net.Conn]bool{}}
	go p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) addr() string { return p.listen }

func (p *tcpProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *tcpProxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		if p.ln == nil {
			return false
		}
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *tcpProxy) forward(c net.Conn) {
	d, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, true) || !p.track(d, true) {
		c.Close()
		d.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(d, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, d); done <- struct{}{} }()
	<-done
	c.Close()
	d.Close()
	p.track(c, false)
	p.track(d, false)
}

// down closes the listener and every connection through the proxy.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// up listens again on the proxy's address.
func (p *tcpProxy) up() {
	ln, err := net.Listen("tcp", p.listen)
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.listen, err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.serve(ln)
}
