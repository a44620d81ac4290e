package generate

import (
	"strconv"
	"time"

	"github.com/starlingcfg/starling/internal/jsonstr"
)

// jw appends compact JSON to a buffer, members in the order written, so
// that documents keep the key order AWS Config records them in.
type jw struct {
	b    []byte
	need bool // a comma is due before the next value or key
}

func (w *jw) sep() {
	if w.need {
		w.b = append(w.b, ',')
	}
	w.need = false
}

// key starts a member of the current object.
func (w *jw) key(k string) {
	w.sep()
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *jw) obj()    { w.sep(); w.b = append(w.b, '{') }
func (w *jw) endObj() { w.b = append(w.b, '}'); w.need = true }
func (w *jw) arr()    { w.sep(); w.b = append(w.b, '[') }
func (w *jw) endArr() { w.b = append(w.b, ']'); w.need = true }

func (w *jw) str(s string) { w.sep(); w.b = appendJSONString(w.b, s); w.need = true }
func (w *jw) num(n int64)  { w.sep(); w.b = strconv.AppendInt(w.b, n, 10); w.need = true }
func (w *jw) flt(f float64) {
	w.sep()
	w.b = strconv.AppendFloat(w.b, f, 'f', 1, 64)
	w.need = true
}
func (w *jw) boolean(v bool) { w.sep(); w.b = strconv.AppendBool(w.b, v); w.need = true }
func (w *jw) null()          { w.sep(); w.b = append(w.b, "null"...); w.need = true }
func (w *jw) raw(s string)   { w.sep(); w.b = append(w.b, s...); w.need = true }
func (w *jw) time(t time.Time) {
	w.sep()
	w.b = append(w.b, '"')
	w.b = t.UTC().AppendFormat(w.b, isoMillis)
	w.b = append(w.b, '"')
	w.need = true
}

// Members: key and value at once.
func (w *jw) kstr(k, v string)            { w.key(k); w.str(v) }
func (w *jw) knum(k string, n int64)      { w.key(k); w.num(n) }
func (w *jw) kbool(k string, v bool)      { w.key(k); w.boolean(v) }
func (w *jw) knull(k string)              { w.key(k); w.null() }
func (w *jw) kraw(k, v string)            { w.key(k); w.raw(v) }
func (w *jw) ktime(k string, t time.Time) { w.key(k); w.time(t) }

// kstrs writes a list of strings.
func (w *jw) kstrs(k string, vs ...string) {
	w.key(k)
	w.arr()
	for _, v := range vs {
		w.str(v)
	}
	w.endArr()
}

// bytes returns the document and resets the writer.
func (w *jw) bytes() []byte {
	b := w.b
	w.b, w.need = nil, false
	return b
}

// isoMillis is how AWS Config writes times: UTC with milliseconds.
const isoMillis = "2006-01-02T15:04:05.000Z"

// appendJSONString writes s as a JSON string.
func appendJSONString(dst []byte, s string) []byte { return jsonstr.Append(dst, s, jsonstr.Plain) }
