// Command gen is starling-gen: it turns an AWS botocore service model
// (service-2.json) into a Go API package built on internal/api/shape. It
// writes types.go (structures), enums.go, validate.go (model constraint
// checks of request structures), errors.go (exception constructors) and
// service.go (the Service interface and its operation table). The
// operations listed in rawOperations answer shape.RawJSON; every other one
// answers its generated output type, whose list and map members are always
// encoded.
//
// Usage:
//
//	go run ./internal/cmd/gen -model service-2.json -pkg configapi -out internal/api/configapi
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	model := flag.String("model", "", "path of the botocore service-2.json model")
	pkg := flag.String("pkg", "", "name of the generated Go package")
	out := flag.String("out", ".", "directory to write the generated files to")
	flag.Parse()
	if *model == "" || *pkg == "" {
		fmt.Fprintln(os.Stderr, "usage: gen -model PATH -pkg NAME [-out DIR]")
		os.Exit(2)
	}
	if err := run(*model, *pkg, *out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "starling-gen:", err)
		os.Exit(1)
	}
}

// run generates package pkg from the model at modelPath into outDir and
// writes a summary to log.
func run(modelPath, pkg, outDir string, log io.Writer) error {
	model, err := loadModel(modelPath)
	if err != nil {
		return err
	}
	g, err := newGenerator(model, pkg, rawOperations[model.Metadata.ServiceID])
	if err != nil {
		return err
	}
	files, st, err := g.generate()
	if err != nil {
		return err
	}
	if err := writeFiles(outDir, files); err != nil {
		return err
	}
	fmt.Fprintf(log, "starling-gen: %s: %d types, %d enums, %d errors, %d operations\n",
		pkg, st.Types, st.Enums, st.Errors, st.Operations)
	report(log, "pattern not checked (RE2 cannot compile it)", st.Skipped)
	report(log, "pattern rewritten for RE2", st.Translated)
	return nil
}

// report writes one line per item.
func report(log io.Writer, what string, items []string) {
	for _, it := range items {
		fmt.Fprintf(log, "starling-gen: %s: %s\n", what, strings.TrimSpace(it))
	}
}
