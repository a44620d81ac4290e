package generate

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"unicode"
)

// tailType is a long-tail resource type: its ARN pattern, availability
// zone value and configuration template (tail_gen.go, generated from AWS
// Config's resource schema). Patterns and templates hold the placeholders
// ${id}, ${name}, ${arn}, ${account}, ${region}, ${time}, ${vpc},
// ${subnet}, ${sg} and ${key}.
type tailType struct {
	Type     string
	ARN      string
	AZ       string
	Template string
}

// lastPart is the resource part of a type: "Instance" of AWS::EC2::Instance.
func lastPart(typ string) string {
	if i := strings.LastIndex(typ, "::"); i >= 0 {
		return typ[i+2:]
	}
	return typ
}

// kebabCase turns "WorkGroup" into "work-group".
func kebabCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 && !unicode.IsUpper(rune(s[i-1])) {
				b.WriteByte('-')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fillARN fills an ARN pattern.
func fillARN(pattern, region, account, id string) string {
	return strings.NewReplacer("${region}", region, "${account}", account, "${id}", id).Replace(pattern)
}

// tail fills the resource's template.
func (b *builder) tail(x *resource, r *rand.Rand) json.RawMessage {
	s := b.s
	t := &tailTypes[x.n]
	vpc, subnet, sg := ec2ID(r, "vpc"), ec2ID(r, "subnet"), ec2ID(r, "sg")
	if vpcs := s.byKind[kVPC]; len(vpcs) > 0 {
		v := pick(r, vpcs)
		vpc = s.res[v].id
		subnet = s.res[pick(r, s.vpcSubs[v])].id
		sg = s.res[pick(r, s.vpcSGs[v])].id
	}
	key := uuid(r)
	if keys := s.byKind[kKMS]; len(keys) > 0 {
		key = s.res[pick(r, keys)].id
	}
	values := map[string]string{
		"id": x.id, "name": x.name, "arn": x.arn, "account": s.acct.ID, "region": s.region,
		"time": x.created.UTC().Format(isoMillis), "vpc": vpc, "subnet": subnet, "sg": sg, "key": key,
	}
	tpl := t.Template
	out := make([]byte, 0, len(tpl)+len(tpl)/4)
	for {
		i := strings.Index(tpl, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(tpl[i:], '}')
		out = append(out, tpl[:i]...)
		v := values[tpl[i+2:i+j]]
		// Values are plain: no character needs escaping in a JSON string.
		out = append(out, v...)
		tpl = tpl[i+j+1:]
	}
	return append(out, tpl...)
}
