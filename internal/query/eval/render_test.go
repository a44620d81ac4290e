package eval

import (
	"encoding/json"
	"math"
	"testing"
)

func TestFormatDouble(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		// B.3 item 4's recorded values.
		{60, "60.0"},
		{128, "128.0"},
		{8830136, "8830136.0"},
		{3306, "3306.0"},
		{22, "22.0"},
		{100, "100.0"},
		{1609308615222, "1.609308615222E12"},
		{1611066134335, "1.611066134335E12"},
		{1645468867743, "1.645468867743E12"},
		// The bounds of the plain form: 10^-3 <= |f| < 10^7.
		{9999999, "9999999.0"},
		{9999999.5, "9999999.5"},
		{1e7, "1.0E7"},
		{12345678.9, "1.23456789E7"},
		{0.001, "0.001"},
		{0.00099, "9.9E-4"},
		{0.0001, "1.0E-4"},
		{1.5e-5, "1.5E-5"},
		{0.1, "0.1"},
		{0.5, "0.5"},
		{1, "1.0"},
		{-1.5, "-1.5"},
		{123456.789, "123456.789"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{308.0 / 3, "102.66666666666667"},
		{1e21, "1.0E21"},
		{1e23, "1.0E23"},
		{2e-3, "0.002"},
		{-1e-10, "-1.0E-10"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{2.2250738585072014e-308, "2.2250738585072014E-308"},
		{9.223372036854776e18, "9.223372036854776E18"},
		// One-digit shortest decimals: Java takes the closest decimal of
		// one or two digits.
		{5e-324, "4.9E-324"},
		{1e-323, "9.9E-324"},
		{2e22, "2.0E22"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{math.NaN(), "NaN"},
	} {
		if got := FormatDouble(c.f); got != c.want {
			t.Errorf("FormatDouble(%v) = %s, want %s", c.f, got, c.want)
		}
	}
}

func TestRenderEscaping(t *testing.T) {
	for _, c := range []struct {
		s, want string
	}{
		// B.3 item 5: Lambda's codeSha256.
		{"ywUl4fK2mG7bNBhHDx8A+PQ1LRM9Y2NKhGiEmGsPIA=", `"ywUl4fK2mG7bNBhHDx8A+PQ1LRM9Y2NKhGiEmGsPIA\u003d"`},
		{`<a href='x'>&</a>`, `"\u003ca href\u003d\u0027x\u0027\u003e\u0026\u003c/a\u003e"`},
		{"q\"b\\s/", `"q\"b\\s/"`},
		{"\t\b\n\r\f", `"\t\b\n\r\f"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"é ü 日本 😀", `"é ü 日本 😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"%7B%22Version%22%3A%222012-10-17%22%7D", `"%7B%22Version%22%3A%222012-10-17%22%7D"`},
	} {
		if got := Render(Row{"k": c.s}); got != `{"k":`+c.want+`}` {
			t.Errorf("Render(%q) = %s, want {\"k\":%s}", c.s, got, c.want)
		}
	}
}

func TestRender(t *testing.T) {
	row := Row{
		"z":        json.Number("1e400"), // too large for a double: as recorded
		"COUNT(*)": int64(163),
		"a":        []any{json.Number("-0"), json.Number("2.50"), true, "s", map[string]any{}},
		"m":        map[string]any{"y": 1.5, "x": int64(-2), "Y": []any{}},
		"i":        7,
	}
	const want = `{"COUNT(*)":163,"a":[-0.0,2.5,true,"s",{}],"i":7,"m":{"Y":[],"x":-2,"y":1.5},"z":1e400}`
	if got := Render(row); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := Render(Row{}); got != "{}" {
		t.Errorf("empty row: %s", got)
	}
}
