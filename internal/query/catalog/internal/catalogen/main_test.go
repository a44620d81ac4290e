package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpToDate regenerates the catalogue from the schema beside the
// checkout and compares it with the committed ../../catalog.gen.txt. A
// fresh clone has no schema; the test then skips.
func TestUpToDate(t *testing.T) {
	dir, err := defaultSchemaDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "AWS.properties.json")); err != nil {
		t.Skipf("no resource schema at %s (awslabs/aws-config-resource-schema, config/properties); cannot check catalog.gen.txt", dir)
	}
	out := filepath.Join(t.TempDir(), "catalog.gen.txt")
	if err := run(dir, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "catalog.gen.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("catalog.gen.txt is stale (%d bytes, regenerated %d); run go generate ./internal/query/catalog", len(want), len(got))
	}
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("AWS.properties.json", `{"arn": "string", "configuration.a.b": "ip", "configuration.z": "date"}`)
	write("resource-types/AWS::X::One.properties.json", `{"arn": "string", "configuration.a.b": "ip", "configuration.a.c": "cidr_block"}`)
	write("resource-types/AWS::X::Two.properties.json", `{"arn": "string", "configuration.z": "date"}`)
	got, err := generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(got), "\npaths ")
	want := "4\n0 arn s\n0 configuration.a.b p\n2 c c\n1 z d\ntypes 2\n* 0\nAWS::X::One 1+1\nAWS::X::Two 3\n"
	if body != want {
		t.Errorf("generate:\n%s\nwant:\n%s", body, want)
	}

	write("resource-types/AWS::X::Two.properties.json", `{"arn": "string", "configuration.a.b": "string"}`)
	if _, err := generate(dir); err == nil || !strings.Contains(err.Error(), "configuration.a.b") {
		t.Errorf("generate with conflicting types: err = %v", err)
	}
	write("resource-types/AWS::X::Two.properties.json", `{"arn": "text"}`)
	if _, err := generate(dir); err == nil {
		t.Error("generate with an unknown type succeeded")
	}
}
