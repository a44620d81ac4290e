package eval

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/starlingcfg/starling/internal/jsonstr"
)

// Row is one result of a query before rendering: an object whose members
// are the document's projected members (nested as in the document) and, in
// aggregate queries, the group's keys and the aggregates' values under
// their names ("COUNT(*)"). Its values are map[string]any, []any, string,
// bool, json.Number (a number of the document), float64 (a computed
// number: SUM, AVG) and int64 (a count).
type Row map[string]any

// Render returns the row as AWS's Results hold it (B.3): compact JSON, with
//
//   - object members in byte order of their names at every depth (AWS's
//     order is neither the select order nor the recorded one, B.3 item 3;
//     this is a stable choice, and it happens to give AWS's documented
//     {"COUNT(*)":163,"configuration":…}, since 'C' sorts before 'a');
//   - every number of the document (json.Number) and every float64 as
//     Java's Double.toString writes it (FormatDouble): 60 is 60.0,
//     1645468867743 is 1.645468867743E12 (B.3 item 4); a number too large
//     for a double is written as recorded;
//   - int64 (counts) as plain integers ("COUNT(*)":163);
//   - strings escaped as Gson does by default (HTML-safe): ", \ and the
//     control characters, and <, >, &, = and ' as \u003c, \u003e, \u0026,
//     \u003d, \u0027 (B.3 item 5), with U+2028 and U+2029 escaped too;
//     other characters are written as UTF-8 (invalid UTF-8 as \ufffd).
func Render(row Row) string {
	var b strings.Builder
	writeValue(&b, map[string]any(row))
	return b.String()
}

func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeValue(b, x[k])
		}
		b.WriteByte('}')
	case Row:
		writeValue(b, map[string]any(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	case string:
		writeString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || math.IsInf(f, 0) {
			b.WriteString(string(x))
		} else {
			b.WriteString(FormatDouble(f))
		}
	case float64:
		b.WriteString(FormatDouble(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("eval: cannot render %T", v))
	}
}

// writeString writes s as a JSON string escaped as Gson's JsonWriter does
// with HTML-safe escaping (its default).
func writeString(b *strings.Builder, s string) {
	b.Write(jsonstr.Append(nil, s, jsonstr.Gson))
}

// FormatDouble returns f as Java's Double.toString does (JDK 19 and later,
// which specify the digits exactly):
//
//   - the digits are those of the shortest decimal that rounds to f, the
//     closest to f among several (ties to an even last digit); when that
//     decimal has one digit, the closest decimal of at most two digits that
//     rounds to f is taken instead (so Double.MIN_VALUE is 4.9E-324, not
//     5.0E-324);
//   - for 10^-3 <= |f| < 10^7 they are written as a plain decimal with at
//     least one digit after the point (60.0, 0.001, 1234567.5);
//   - otherwise in computerized scientific notation, one digit before the
//     point, at least one after, and the exponent without a + sign or
//     leading zeros (1.0E7, 1.645468867743E12, 9.99E-4);
//   - zero is 0.0 or -0.0, and NaN and the infinities are NaN, Infinity and
//     -Infinity (JSON cannot hold them; Render never meets them).
func FormatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	digits, exp := shortest(f)
	if len(digits) == 1 {
		// Java considers the decimals of one or two digits and takes the
		// one closest to f.
		// FormatFloat rounds correctly (ties to even), so its two-digit
		// decimal is the closest; it qualifies if it rounds back to f.
		two := strconv.FormatFloat(f, 'e', 1, 64)
		if g, err := strconv.ParseFloat(two, 64); err == nil && g == f {
			d, e := decimal(two)
			digits, exp = strings.TrimRight(d, "0"), e
		}
	}
	// f = 0.d1d2d3… × 10^(exp+1) = d1.d2d3… × 10^exp.
	if exp >= -3 && exp < 7 {
		var s string
		if exp >= 0 {
			whole := digits
			frac := ""
			if len(digits) > exp+1 {
				whole, frac = digits[:exp+1], digits[exp+1:]
			} else {
				whole += strings.Repeat("0", exp+1-len(digits))
			}
			if frac == "" {
				frac = "0"
			}
			s = whole + "." + frac
		} else {
			s = "0." + strings.Repeat("0", -exp-1) + digits
		}
		return sign + s
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}

// shortest returns the digits (no leading or trailing zeros) and decimal
// exponent of the shortest decimal that rounds to f > 0: f ≈ d1.d2… ×
// 10^exp.
func shortest(f float64) (string, int) {
	return decimal(strconv.FormatFloat(f, 'e', -1, 64))
}

// decimal splits strconv's 'e' format (d.ddde±XX) into its digits and
// exponent.
func decimal(s string) (string, int) {
	mant, e, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(e)
	return strings.Replace(mant, ".", "", 1), exp
}
