package query

import (
	"reflect"
	"testing"
)

// tk is a token as the tests write it: kind, value, line, column.
type tk struct {
	kind      tokenKind
	val       string
	line, col int
}

func TestScanner(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []tk
	}{
		{"empty", "", []tk{{tokEOF, "", 1, 1}}},
		{"blanks only", " \t\r\n\f ", []tk{{tokEOF, "", 2, 3}}},
		{"punctuation", "*,.()", []tk{
			{tokStar, "*", 1, 1}, {tokComma, ",", 1, 2}, {tokDot, ".", 1, 3},
			{tokLParen, "(", 1, 4}, {tokRParen, ")", 1, 5}, {tokEOF, "", 1, 6},
		}},
		{"operators", "= != <> < <= > >= =<", []tk{
			{tokOp, OpEq, 1, 1}, {tokOp, OpNe, 1, 3}, {tokOp, OpNe, 1, 6},
			{tokOp, OpLt, 1, 9}, {tokOp, OpLe, 1, 11}, {tokOp, OpGt, 1, 14},
			{tokOp, OpGe, 1, 16}, {tokOp, OpEq, 1, 19}, {tokOp, OpLt, 1, 20},
			{tokEOF, "", 1, 21},
		}},
		{"operators without blanks", "a>=1", []tk{
			{tokIdent, "a", 1, 1}, {tokOp, OpGe, 1, 2}, {tokNumber, "1", 1, 4}, {tokEOF, "", 1, 5},
		}},
		{"keywords in any case", "select Where gRoUp BY order asc DESC and Or not in between like true False", []tk{
			{tokKeyword, "SELECT", 1, 1}, {tokKeyword, "WHERE", 1, 8}, {tokKeyword, "GROUP", 1, 14},
			{tokKeyword, "BY", 1, 20}, {tokKeyword, "ORDER", 1, 23}, {tokKeyword, "ASC", 1, 29},
			{tokKeyword, "DESC", 1, 33}, {tokKeyword, "AND", 1, 38}, {tokKeyword, "OR", 1, 42},
			{tokKeyword, "NOT", 1, 45}, {tokKeyword, "IN", 1, 49}, {tokKeyword, "BETWEEN", 1, 52},
			{tokKeyword, "LIKE", 1, 60}, {tokKeyword, "TRUE", 1, 65}, {tokKeyword, "FALSE", 1, 70},
			{tokEOF, "", 1, 75},
		}},
		{"unsupported keywords", "from As distinct HAVING join union all limit is null", []tk{
			{tokKeyword, "FROM", 1, 1}, {tokKeyword, "AS", 1, 6}, {tokKeyword, "DISTINCT", 1, 9},
			{tokKeyword, "HAVING", 1, 18}, {tokKeyword, "JOIN", 1, 25}, {tokKeyword, "UNION", 1, 30},
			{tokKeyword, "ALL", 1, 36}, {tokKeyword, "LIMIT", 1, 40}, {tokKeyword, "IS", 1, 46},
			{tokKeyword, "NULL", 1, 49}, {tokEOF, "", 1, 53},
		}},
		{"function names are identifiers", "count Max", []tk{
			{tokIdent, "count", 1, 1}, {tokIdent, "Max", 1, 7}, {tokEOF, "", 1, 10},
		}},
		{"identifiers keep case, hold digits and _", "configuration.LogPublishingOptions.ES_APPLICATION_LOGS.Enabled _x a1", []tk{
			{tokIdent, "configuration", 1, 1}, {tokDot, ".", 1, 14},
			{tokIdent, "LogPublishingOptions", 1, 15}, {tokDot, ".", 1, 35},
			{tokIdent, "ES_APPLICATION_LOGS", 1, 36}, {tokDot, ".", 1, 55},
			{tokIdent, "Enabled", 1, 56}, {tokIdent, "_x", 1, 64}, {tokIdent, "a1", 1, 67},
			{tokEOF, "", 1, 69},
		}},
		{"keyword after a dot is still scanned as a keyword", "a.order", []tk{
			{tokIdent, "a", 1, 1}, {tokDot, ".", 1, 2}, {tokKeyword, "ORDER", 1, 3}, {tokEOF, "", 1, 8},
		}},
		{"numbers", "0 22 -1 100.0 -0.5 1e5 1.5E-3 2e+10 007", []tk{
			{tokNumber, "0", 1, 1}, {tokNumber, "22", 1, 3}, {tokNumber, "-1", 1, 6},
			{tokNumber, "100.0", 1, 9}, {tokNumber, "-0.5", 1, 15}, {tokNumber, "1e5", 1, 20},
			{tokNumber, "1.5E-3", 1, 24}, {tokNumber, "2e+10", 1, 31}, {tokNumber, "007", 1, 37},
			{tokEOF, "", 1, 40},
		}},
		{"number stops before a dot or e without digits", "7. 1e 2e- 3x", []tk{
			{tokNumber, "7", 1, 1}, {tokDot, ".", 1, 2}, {tokNumber, "1", 1, 4}, {tokIdent, "e", 1, 5},
			{tokNumber, "2", 1, 7}, {tokIdent, "e", 1, 8}, {tokIllegal, "-", 1, 9},
		}},
		{"a dot then digits is not a number", "a.5", []tk{
			{tokIdent, "a", 1, 1}, {tokDot, ".", 1, 2}, {tokNumber, "5", 1, 3}, {tokEOF, "", 1, 4},
		}},
		{"minus without a digit is illegal", "- 1", []tk{{tokIllegal, "-", 1, 1}}},
		{"strings", `'' 'AWS::EC2::Instance' 'it''s' '''' 'a"b\n'`, []tk{
			{tokString, "", 1, 1}, {tokString, "AWS::EC2::Instance", 1, 4},
			{tokString, "it's", 1, 25}, {tokString, "'", 1, 33}, {tokString, `a"b\n`, 1, 38},
			{tokEOF, "", 1, 45},
		}},
		{"string across lines", "'a\nb' x", []tk{
			{tokString, "a\nb", 1, 1}, {tokIdent, "x", 2, 4}, {tokEOF, "", 2, 5},
		}},
		{"columns count characters", "'é€' x", []tk{
			{tokString, "é€", 1, 1}, {tokIdent, "x", 1, 6}, {tokEOF, "", 1, 7},
		}},
		{"unterminated string is illegal at its quote", "a = 'abc", []tk{
			{tokIdent, "a", 1, 1}, {tokOp, OpEq, 1, 3}, {tokIllegal, "'abc", 1, 5},
		}},
		{"unterminated after a doubled quote", "'it''", []tk{{tokIllegal, "'it''", 1, 1}}},
		{"double quotes are illegal", `"x"`, []tk{{tokIllegal, `"`, 1, 1}}},
		{"semicolon is illegal", "a;", []tk{{tokIdent, "a", 1, 1}, {tokIllegal, ";", 1, 2}}},
		{"lone bang is illegal", "a ! b", []tk{{tokIdent, "a", 1, 1}, {tokIllegal, "!", 1, 3}}},
		{"non-ASCII letter is illegal", "é", []tk{{tokIllegal, "é", 1, 1}}},
		{"lines and tabs", "SELECT\n\ta\r\n  , b", []tk{
			{tokKeyword, "SELECT", 1, 1}, {tokIdent, "a", 2, 2}, {tokComma, ",", 3, 3},
			{tokIdent, "b", 3, 5}, {tokEOF, "", 3, 6},
		}},
		{"EOF after a trailing newline is on the next line", "a\n", []tk{
			{tokIdent, "a", 1, 1}, {tokEOF, "", 2, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []tk
			for _, x := range scanAll(tt.src) {
				got = append(got, tk{x.kind, x.val, x.pos.line, x.pos.col})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("scan %q:\n got %v\nwant %v", tt.src, got, tt.want)
			}
		})
	}
}

func TestScannerText(t *testing.T) {
	// text is the token as written; val is its value.
	toks := scanAll("sElEcT 'it''s' <> a")
	want := []struct{ text, val string }{
		{"sElEcT", "SELECT"}, {"'it''s'", "it's"}, {"<>", OpNe}, {"a", "a"}, {"", ""},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d", len(toks), len(want))
	}
	for i, w := range want {
		if toks[i].text != w.text || toks[i].val != w.val {
			t.Errorf("token %d: text %q val %q; want %q %q", i, toks[i].text, toks[i].val, w.text, w.val)
		}
	}
}

func TestScannerEOFRepeats(t *testing.T) {
	s := newScanner("a ")
	s.next()
	for range 3 {
		if tok := s.next(); tok.kind != tokEOF || tok.pos != (pos{1, 3}) {
			t.Fatalf("next at end = %v at %v; want EOF at 1:3", tok.kind, tok.pos)
		}
	}
}
