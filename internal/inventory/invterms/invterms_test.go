package invterms_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/starlingcfg/starling/internal/inventory"
	"github.com/starlingcfg/starling/internal/inventory/invterms"
	"github.com/starlingcfg/starling/internal/query"
	"github.com/starlingcfg/starling/internal/query/eval"
)

// set decodes an encoded term set.
func set(t *testing.T, b []byte) []uint32 {
	t.Helper()
	if len(b)%invterms.Size != 0 {
		t.Fatalf("term set of %d bytes", len(b))
	}
	var out []uint32
	for i := 0; i < len(b); i += invterms.Size {
		out = append(out, binary.LittleEndian.Uint32(b[i:]))
	}
	return out
}

func TestOf(t *testing.T) {
	type term struct{ path, text string }
	for _, tc := range []struct {
		name string
		it   inventory.Item
		want []term
	}{
		{"empty", inventory.Item{}, nil},
		{"null configuration", inventory.Item{Configuration: json.RawMessage(`null`)}, nil},
		{
			"scalars of every kind",
			inventory.Item{Configuration: json.RawMessage(`{"s":"t3.micro","n":-1.50e3,"b":true,"f":false,"z":null,"e":""}`)},
			[]term{{"configuration.s", "t3.micro"}, {"configuration.n", "-1.50e3"}, {"configuration.b", "true"},
				{"configuration.f", "false"}, {"configuration.e", ""}},
		},
		{
			"arrays add no segment, at any depth",
			inventory.Item{Configuration: json.RawMessage(`{"a":[{"b":["x",["y"]]},[{"b":"z"}]],"c":{"d":{"e":1}},"g":2}`)},
			[]term{{"configuration.a.b", "x"}, {"configuration.a.b", "y"}, {"configuration.a.b", "z"},
				{"configuration.c.d.e", "1"}, {"configuration.g", "2"}},
		},
		{
			"escapes decoded as encoding/json does",
			inventory.Item{Configuration: json.RawMessage(`{"t":"t3\u002emicro","u":"caf\u00e9 \"q\"","k\u002e":"v","bad":"\ud800"}`)},
			[]term{{"configuration.t", "t3.micro"}, {"configuration.u", `café "q"`}, {"configuration.k.", "v"},
				{"configuration.bad", "\uFFFD"}},
		},
		{
			"a scalar configuration",
			inventory.Item{Configuration: json.RawMessage(` "x" `)},
			[]term{{"configuration", "x"}},
		},
		{
			"supplementary, tags and relationships",
			inventory.Item{
				SupplementaryConfiguration: map[string]json.RawMessage{"BucketPolicy": json.RawMessage(`{"policyText":"p"}`), "S": json.RawMessage(`"v"`)},
				Tags:                       map[string]string{"env": "prod", "Name": ""},
				Relationships:              []inventory.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", Name: "Is contained in Vpc"}},
			},
			[]term{{"supplementaryConfiguration.BucketPolicy.policyText", "p"}, {"supplementaryConfiguration.S", "v"},
				{"tags.key", "env"}, {"tags.value", "prod"}, {"tags.key", "Name"}, {"tags.value", ""},
				{"relationships.resourceType", "AWS::EC2::VPC"}, {"relationships.resourceId", "vpc-1"},
				{"relationships.relationshipName", "Is contained in Vpc"}},
		},
		{
			"invalid JSON keeps what its beginning holds",
			inventory.Item{Configuration: json.RawMessage(`{"a":"x","b":}`)},
			[]term{{"configuration.a", "x"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want []uint32
			for _, w := range tc.want {
				want = append(want, invterms.Hash(w.path, w.text))
			}
			slices.Sort(want)
			want = slices.Compact(want)
			got := set(t, invterms.Of(&tc.it))
			if !slices.Equal(got, want) {
				t.Errorf("Of = %v, want %v", got, want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	it := inventory.Item{Configuration: json.RawMessage(`{"instanceType":"t3.micro"}`)}
	if got, want := invterms.Of(&it), invterms.Encode("configuration.instanceType", "t3.micro"); string(got) != string(want) {
		t.Errorf("Of = %x, Encode = %x", got, want)
	}
	// The hash is part of what stores keep: it must not change.
	if got := invterms.Hash("configuration.instanceType", "t3.micro"); got != 0x686e5511 {
		t.Errorf("Hash = %#x; a store's terms no longer match (bump Version if this is meant)", got)
	}
	h := fnv.New32a()
	h.Write([]byte("tags.key\x00env"))
	if got, want := invterms.Hash("tags.key", "env"), h.Sum32(); got != want {
		t.Errorf("Hash = %#x, FNV-1a = %#x", got, want)
	}
}

// TestOfHoldsEvaluatorValues checks the property the query engine relies
// on: for every path of a random item's document and every value the
// evaluator finds there, the item has the term.
func TestOfHoldsEvaluatorValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 500 {
		it := inventory.Item{
			Key:                        inventory.Key{ResourceType: "Starling::Test::NotQueryable"},
			Configuration:              randomJSON(rng, 4),
			SupplementaryConfiguration: map[string]json.RawMessage{"Sup": randomJSON(rng, 2)},
			Tags:                       map[string]string{randomString(rng): randomString(rng)},
			Relationships:              []inventory.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: randomString(rng)}},
		}
		have := set(t, invterms.Of(&it))
		doc := eval.Document(&it)
		for _, p := range paths(doc, nil, nil) {
			switch p[0] {
			case "configuration", "supplementaryConfiguration", "tags", "relationships":
			default:
				continue // the item's own fields, which have no terms
			}
			for _, v := range eval.Values(doc, p) {
				h := invterms.Hash(p.String(), textOf(v))
				if _, ok := slices.BinarySearch(have, h); !ok {
					t.Fatalf("item %d: %s has the value %#v, but not its term\nconfiguration %s", i, p, v, it.Configuration)
				}
			}
		}
	}
}

// paths returns every path of names in v (arrays add no segment).
func paths(v any, prefix query.Path, out []query.Path) []query.Path {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := append(slices.Clone(prefix), k)
			out = append(out, p)
			out = paths(c, p, out)
		}
	case []any:
		for _, c := range x {
			out = paths(c, prefix, out)
		}
	}
	return out
}

// textOf is the evaluator's text of a scalar.
func textOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	panic(fmt.Sprintf("not a scalar: %#v", v))
}

func randomString(rng *rand.Rand) string {
	return []string{"x", "t3.micro", "", "café", `q"uote`, "back\\slash", "\u2028", "a.b", "10", "true"}[rng.IntN(10)]
}

// randomJSON returns a random JSON value of up to depth levels, written
// with and without escapes.
func randomJSON(rng *rand.Rand, depth int) json.RawMessage {
	var b strings.Builder
	var gen func(d int)
	gen = func(d int) {
		switch k := rng.IntN(8); {
		case d > 0 && k < 2:
			b.WriteByte('{')
			for i := range rng.IntN(4) {
				if i > 0 {
					b.WriteByte(',')
				}
				s, _ := json.Marshal([]string{"a", "b", "c", "d.e"}[rng.IntN(4)])
				b.Write(s)
				b.WriteString(": ")
				gen(d - 1)
			}
			b.WriteByte('}')
		case d > 0 && k < 4:
			b.WriteString("[ ")
			for i := range rng.IntN(4) {
				if i > 0 {
					b.WriteString(" , ")
				}
				gen(d - 1)
			}
			b.WriteByte(']')
		case k == 4:
			b.WriteString([]string{"0", "-1.5", "1e3", "22.0", "true", "false", "null"}[rng.IntN(7)])
		case k == 5:
			// Escaped where JSON does not need it, as Gson writes.
			b.WriteString(`"t3\u002emicro"`)
		default:
			s, _ := json.Marshal(randomString(rng))
			b.Write(s)
		}
	}
	gen(depth)
	return json.RawMessage(b.String())
}

// BenchmarkOf measures the terms of a recorded EC2 instance (3.2 KB), which
// every Write of a resource's new latest version computes.
func BenchmarkOf(b *testing.B) {
	conf, err := os.ReadFile("testdata/ec2-instance.json")
	if err != nil {
		b.Fatal(err)
	}
	it := inventory.Item{Configuration: conf, Tags: map[string]string{"Name": "web-1", "env": "prod"}}
	b.SetBytes(int64(len(conf)))
	b.ReportAllocs()
	for b.Loop() {
		invterms.Of(&it)
	}
}
