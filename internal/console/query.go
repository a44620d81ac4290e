package console

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/starlingcfg/starling/internal/api/configapi"
)

// The advanced query page: an editor, the error at its position, one page
// of results, and the whole result as CSV or JSON.

// queryPageSize is the page of SelectAggregateResourceConfig (its Limit
// is at most 100).
const queryPageSize = 100

// exampleQuery fills the editor the first time.
const exampleQuery = "SELECT resourceType, COUNT(*) GROUP BY resourceType ORDER BY COUNT(*) DESC"

// errorPosition finds the position in the query's error messages: "syntax
// error at line 1, column 8" and "<message> (line 1, column 8)" (package
// query, Error).
var errorPosition = regexp.MustCompile(`line (\d+), column (\d+)`)

// queryPage is the model of the query page.
type queryPage struct {
	Query   string
	Ran     bool
	Error   *errorPage
	Line    int    // 1-based; 0 when the error has no position
	Column  int    // 1-based, in characters
	ErrLine string // the query's line with the error
	Fields  []string
	Rows    [][]string
	Next    string
	Token   string
}

func (c *Console) query(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PathValue("name")
	p := &queryPage{Query: r.FormValue("q"), Token: r.FormValue("token")}
	if _, ran := r.Form["q"]; !ran {
		p.Query = exampleQuery
		c.render(w, r, s, http.StatusOK, "query", p)
		return
	}
	p.Ran = true
	out, err := c.selectPage(r, s, name, p.Query, p.Token)
	if err != nil {
		e := apiError(err)
		if e == nil {
			c.fail(w, r, s, err)
			return
		}
		p.Error = &errorPage{Code: e.Code, Message: e.Message}
		if m := errorPosition.FindStringSubmatch(e.Message); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Column, _ = strconv.Atoi(m[2])
			if lines := strings.Split(p.Query, "\n"); p.Line >= 1 && p.Line <= len(lines) {
				p.ErrLine = lines[p.Line-1]
			}
		}
		c.render(w, r, s, e.HTTPStatus(), "query", p)
		return
	}
	p.Fields = fieldNames(out)
	for _, res := range out.Results {
		p.Rows = append(p.Rows, row(p.Fields, res))
	}
	p.Next = deref(out.NextToken)
	c.render(w, r, s, http.StatusOK, "query", p)
}

// selectPage runs one page of the query.
func (c *Console) selectPage(r *http.Request, s *session, name, q, token string) (*configapi.SelectAggregateResourceConfigResponse, error) {
	var out configapi.SelectAggregateResourceConfigResponse
	err := c.call(r.Context(), s, "SelectAggregateResourceConfig", &configapi.SelectAggregateResourceConfigRequest{
		ConfigurationAggregatorName: &name, Expression: &q, Limit: ptr(int32(queryPageSize)), NextToken: opt(token),
	}, &out)
	return &out, err
}

// fieldNames returns the names of the query's select fields.
func fieldNames(out *configapi.SelectAggregateResourceConfigResponse) []string {
	var names []string
	if out.QueryInfo != nil {
		for _, f := range out.QueryInfo.SelectFields {
			names = append(names, deref(f.Name))
		}
	}
	return names
}

// row returns the values of a result (a JSON object) for the fields: a
// field's value is at its dotted path, or under its whole name (COUNT(*)).
// Strings are shown as they are, other values as JSON.
func row(fields []string, result string) []string {
	var doc map[string]any
	if err := json.Unmarshal([]byte(result), &doc); err != nil {
		return []string{result}
	}
	out := make([]string, len(fields))
	for i, f := range fields {
		v, ok := doc[f]
		if !ok {
			v, ok = lookup(doc, strings.Split(f, "."))
		}
		if !ok {
			continue
		}
		if s, isStr := v.(string); isStr {
			out[i] = s
		} else {
			b, _ := json.Marshal(v)
			out[i] = string(b)
		}
	}
	return out
}

// lookup follows path through nested objects.
func lookup(v any, path []string) (any, bool) {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

// export streams every page of the query's results as CSV or JSON, one
// page at a time: the first page's error is answered as a page, a later
// one ends the download early (the status is sent by then), and the
// client sees a truncated file.
func (c *Console) export(w http.ResponseWriter, r *http.Request, s *session) {
	name, q, format := r.PathValue("name"), r.FormValue("q"), r.FormValue("format")
	if format != "csv" && format != "json" {
		c.render(w, r, s, http.StatusBadRequest, "error", &errorPage{Code: "ValidationException", Message: "format must be csv or json."})
		return
	}
	out, err := c.selectPage(r, s, name, q, "")
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	fields := fieldNames(out)
	h := w.Header()
	h.Set("Content-Disposition", `attachment; filename="query-results.`+format+`"`)
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	var cw *csv.Writer
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		cw = csv.NewWriter(bw)
		_ = cw.Write(fields)
	} else {
		h.Set("Content-Type", "application/json")
		_, _ = bw.WriteString("[")
	}
	first := true
	for {
		for _, res := range out.Results {
			if cw != nil {
				_ = cw.Write(row(fields, res))
				continue
			}
			if !first {
				_, _ = bw.WriteString(",\n")
			}
			first = false
			_, _ = bw.WriteString(res)
		}
		token := deref(out.NextToken)
		if token == "" {
			break
		}
		if out, err = c.selectPage(r, s, name, q, token); err != nil {
			c.log.Warn("console export stopped", "error", err.Error())
			if cw != nil {
				cw.Flush()
			}
			return
		}
	}
	if cw != nil {
		cw.Flush()
	} else {
		_, _ = bw.WriteString("]\n")
	}
}
