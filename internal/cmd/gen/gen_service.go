package main

import (
	"fmt"
	"strings"
)

// genService renders service.go: the service constants, the Service
// interface, UnimplementedService, Operations, OperationNames,
// OperationErrors and OutputCollections.
func (g *generator) genService(st *stats) *file {
	f := newFile("service.go")
	f.use("context")
	f.use(shapeImport)
	f.use(apierrImport)
	ops := sortedKeys(g.model.Operations)
	st.Operations = len(ops)
	g.genServiceConstants(f)
	g.genInterface(f, ops)
	g.genUnimplemented(f, ops)
	g.genOperations(f, ops)
	return f
}

// genServiceConstants renders the constants taken from the model metadata.
func (g *generator) genServiceConstants(f *file) {
	md := g.model.Metadata
	signing := md.SigningName
	if signing == "" {
		signing = md.EndpointPrefix
	}
	f.printf("// Service identity, from the model's metadata.\nconst (\n")
	f.printf("// TargetPrefix is the prefix of the X-Amz-Target header: <TargetPrefix>.<Operation>.\nTargetPrefix = %q\n", md.TargetPrefix)
	f.printf("// SigningName is the service name in SigV4 credential scopes.\nSigningName = %q\n", signing)
	f.printf("// APIVersion is the version of the API the package was generated from.\nAPIVersion = %q\n", md.APIVersion)
	f.printf("// ServiceID is the model's service ID.\nServiceID = %q\n", md.ServiceID)
	f.printf(")\n\n")
}

// signature is the parameter and result list of an operation method. A raw
// operation's method answers its encoded output, shape.RawJSON.
func (g *generator) signature(op *Operation, named bool) string {
	in, out := "*shape.Empty", "*shape.Empty"
	if op.Input != nil {
		in = "*" + g.typeName[op.Input.Shape]
	}
	switch {
	case g.raw[op.Name]:
		out = "shape.RawJSON"
	case op.Output != nil:
		out = "*" + g.typeName[op.Output.Shape]
	}
	if named {
		return fmt.Sprintf("(ctx context.Context, in %s) (%s, error)", in, out)
	}
	return fmt.Sprintf("(context.Context, %s) (%s, error)", in, out)
}

// genInterface renders the Service interface.
func (g *generator) genInterface(f *file, ops []string) {
	id := g.model.Metadata.ServiceID
	f.printf("%s", comment("", fmt.Sprintf("Service is the %s API: one method per operation of the model. "+
		"Implementations embed UnimplementedService and override the operations they serve.", id)))
	f.printf("type Service interface {\n")
	for i, name := range ops {
		if i > 0 {
			f.printf("\n")
		}
		op := g.model.Operations[name]
		doc := fmt.Sprintf("%s: %s", name, summary(op.Documentation, "(undocumented)"))
		if g.raw[name] {
			doc += fmt.Sprintf(" It answers its output, a %s, already encoded as JSON.", g.typeName[op.Output.Shape])
		}
		f.printf("%s", comment("\t", doc))
		f.printf("%s%s\n", name, g.signature(op, true))
	}
	f.printf("}\n\n")
}

// genUnimplemented renders UnimplementedService.
func (g *generator) genUnimplemented(f *file, ops []string) {
	f.printf("// UnimplementedService answers every operation with a NotImplementedException.\n")
	f.printf("type UnimplementedService struct{}\n\n")
	f.printf("var _ Service = UnimplementedService{}\n\n")
	for _, name := range ops {
		f.printf("// %s returns a NotImplementedException.\n", name)
		f.printf("func (UnimplementedService) %s%s {\n", name, g.signature(g.model.Operations[name], false))
		f.printf("return nil, apierr.NotImplemented(ServiceID, %q)\n}\n\n", name)
	}
}

// genOperations renders Operations, OperationNames, OperationErrors and
// OutputCollections.
func (g *generator) genOperations(f *file, ops []string) {
	f.printf("// Operations maps each operation name to a Handler that decodes and validates\n")
	f.printf("// the request and calls the operation's method of svc. A request that breaks\n")
	f.printf("// the model's constraints gets invalid(operation, violations); nil answers\n")
	f.printf("// ValidationException.\n")
	f.printf("func Operations(svc Service, invalid shape.InvalidFunc) map[string]shape.Handler {\nreturn map[string]shape.Handler{\n")
	for _, name := range ops {
		handle := "shape.HandleOp"
		if g.raw[name] {
			handle = "shape.HandleRawOp"
		}
		f.printf("%q: %s(%q, invalid, svc.%s),\n", name, handle, name, name)
	}
	f.printf("}\n}\n\n")
	f.printf("// OperationNames lists the model's operations in sorted order.\nvar OperationNames = []string{\n")
	for _, name := range ops {
		f.printf("%q,\n", name)
	}
	f.printf("}\n\n")
	g.genOperationErrors(f, ops)
}

// genOperationErrors renders OperationErrors, the codes of the exceptions
// each operation models, in model order.
func (g *generator) genOperationErrors(f *file, ops []string) {
	f.printf("// OperationErrors lists, per operation, the codes of the exceptions the model\n")
	f.printf("// declares for it, in model order.\nvar OperationErrors = map[string][]string{\n")
	for _, name := range ops {
		var codes []string
		for _, e := range g.model.Operations[name].Errors {
			if c, ok := g.errCode[e.Shape]; ok {
				codes = append(codes, c)
			}
		}
		f.printf("%q: {%s},\n", name, strings.Join(codes, ", "))
	}
	f.printf("}\n\n")
	g.genOutputCollections(f, ops)
}

// genOutputCollections renders OutputCollections, the list and map members
// of each operation's output, in model order, for the operations that have
// any.
func (g *generator) genOutputCollections(f *file, ops []string) {
	f.printf("// OutputCollections lists, per operation, the list and map members of its\n")
	f.printf("// output, in model order: a response carries each of them, empty or not.\n")
	f.printf("// Operations whose output has none are not listed.\n")
	f.printf("var OutputCollections = map[string][]string{\n")
	for _, name := range ops {
		op := g.model.Operations[name]
		if op.Output == nil {
			continue
		}
		var names []string
		for _, m := range g.collections(g.model.Shapes[op.Output.Shape]) {
			names = append(names, fmt.Sprintf("%q", m.Name))
		}
		if len(names) > 0 {
			f.printf("%q: {%s},\n", name, strings.Join(names, ", "))
		}
	}
	f.printf("}\n")
}
