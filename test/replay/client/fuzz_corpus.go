package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The corpus: every generator returns a payload the agent's inbox must reject whoever sends it, except oddValid
// (schema-valid messages with odd content, which it must accept and then handle without failing).

// valid returns a schema-valid client message of `kind`, as a map to be broken by the generators.
func (f *fuzzer) valid(kind string) map[string]any {
	m := map[string]any{"v": protocolVersion, "type": kind}
	switch kind {
	case "code":
		m["revision"], m["language"], m["text"] = f.rng.IntN(1000), "python", "print('hi')\n"
	case "hint-feedback":
		m["hintId"], m["useful"] = fmt.Sprintf("hint_%d", f.rng.IntN(1e6)), f.rng.IntN(2) == 0
	case "settings":
		m["detail"] = []string{"minimal", "normal", "verbose"}[f.rng.IntN(3)]
	case "opt-out":
		m["groups"] = []string{"voice"}
	case "consent":
		m["granted"] = false
	case "plan-update":
		m["plan"] = map[string]any{"durationMinutes": 30, "items": []any{
			map[string]any{"id": "intro", "competency": "Communication", "question": "Tell me about a project."},
		}}
	}
	return m
}

var kinds = []string{"code", "hint-feedback", "settings", "opt-out", "consent", "plan-update"}

// required fields of each kind: dropping or mistyping one makes the message invalid.
var required = map[string][]string{
	"code":          {"revision", "language", "text"},
	"hint-feedback": {"hintId", "useful"},
	"settings":      {"detail"},
	"opt-out":       {"groups"},
	"consent":       {"granted"},
	"plan-update":   {"plan"},
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (f *fuzzer) pick(xs []string) string { return xs[f.rng.IntN(len(xs))] }

// invalidJSON: cut-off messages, stray punctuation, JSON-like text.
func (f *fuzzer) invalidJSON() []byte {
	switch f.rng.IntN(4) {
	case 0: // a valid message cut anywhere before its end
		b := mustJSON(f.valid(f.pick(kinds)))
		return b[:1+f.rng.IntN(len(b)-1)]
	case 1:
		return []byte(f.pick([]string{"{", "}", "{{}}", "[,]", "{'v':2}", `{"v":2,}`, "NaN", "undefined", "{\"v\":2 \"type\":\"code\"}", "\x00", " ", "\n\t"}))
	case 2: // random printable junk
		n := 1 + f.rng.IntN(400)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(0x21 + f.rng.IntN(0x5e))
		}
		b[0] = '{'
		return b
	default: // a message with its quotes or colons damaged
		s := string(mustJSON(f.valid(f.pick(kinds))))
		return []byte(strings.Replace(s, f.pick([]string{`"`, ":", ","}), f.pick([]string{"'", "=", ";", ""}), 1+f.rng.IntN(3)))
	}
}

// wrongTypes: well-formed JSON with a missing field, a field of the wrong type, or no object at all.
func (f *fuzzer) wrongTypes() []byte {
	if f.rng.IntN(6) == 0 {
		return []byte(f.pick([]string{"null", "[]", "{}", "42", "true", `"settings"`, `[{"v":2,"type":"settings","detail":"minimal"}]`}))
	}
	kind := f.pick(kinds)
	m := f.valid(kind)
	field := f.pick(required[kind])
	if f.rng.IntN(3) == 0 {
		delete(m, field)
	} else {
		// no field of any kind takes every one of these; the choice below avoids the field's own type
		bad := []any{nil, "x", 1.5, -1, true, []any{1}, map[string]any{"$gt": ""}, strings.Repeat("9", 400)}
		switch m[field].(type) {
		case string:
			bad = []any{nil, 7, true, []any{"a"}, map[string]any{}}
		case bool:
			bad = []any{nil, "true", 1, []any{}}
		case int:
			bad = []any{nil, "1", -5, 1.5, -1e300, true}
		case []string:
			bad = []any{nil, "voice", []any{"voice", "voice"}, []any{"ears"}, []any{1}}
		case map[string]any:
			bad = []any{nil, "plan", []any{}, map[string]any{"durationMinutes": 0, "items": []any{}}}
		}
		m[field] = bad[f.rng.IntN(len(bad))]
	}
	return mustJSON(m)
}

// unknownKind: messages of types clients do not send (agent-to-interviewer ones included).
func (f *fuzzer) unknownKind() []byte {
	m := f.valid(f.pick(kinds))
	m["type"] = f.pick([]string{"signal", "hint", "stats", "plan", "coverage", "conduct", "admin", "shutdown",
		"CODE", "code ", "", "settings\u0000", "__proto__", "constructor", strings.Repeat("k", 300)})
	if f.rng.IntN(5) == 0 {
		delete(m, "type")
	}
	return mustJSON(m)
}

// badVersion: a message of a protocol version the agent does not speak.
func (f *fuzzer) badVersion() []byte {
	m := f.valid(f.pick(kinds))
	m["v"] = []any{1, 3, 0, -2, "2", 2.5, nil, 1e9, []any{2}, true}[f.rng.IntN(10)]
	return mustJSON(m)
}

// badUTF8: a valid message with bytes that are not UTF-8 between its tokens (so a lenient decoder would still
// not make a message of it): lone continuation bytes, a cut multi-byte sequence, overlong forms, surrogates.
func (f *fuzzer) badUTF8() []byte {
	b := mustJSON(f.valid(f.pick(kinds)))
	junk := [][]byte{{0xff}, {0x80}, {0xc3}, {0xe2, 0x82}, {0xf0, 0x9f, 0x98}, {0xc0, 0xaf}, {0xed, 0xa0, 0x80}, {0xfe, 0xfe}}[f.rng.IntN(8)]
	if f.rng.IntN(3) == 0 { // cut off at the end
		return append(b, junk...)
	}
	at := strings.IndexByte(string(b), ',') + 1 // right after the first comma: between two members
	out := append([]byte{}, b[:at]...)
	out = append(out, junk...)
	return append(out, b[at:]...)
}

// binary: random bytes.
func (f *fuzzer) binary() []byte {
	b := make([]byte, 1+f.rng.IntN(2048))
	for i := range b {
		b[i] = byte(f.rng.IntN(256))
	}
	if b[0] >= '0' && b[0] <= '9' || b[0] == '"' || b[0] == '[' || b[0] == '{' || b[0] == ' ' {
		b[0] = 0xff
	}
	return b
}

// huge: a large body of printable text that is not a message (valid UTF-8, so it can travel as a text stream).
func (f *fuzzer) huge(lo, hi int) []byte {
	n := lo + f.rng.IntN(hi-lo)
	prefix := `{"v":2,"type":"code","revision":1,"language":"text","text":"`
	b := make([]byte, n)
	copy(b, prefix)
	for i := len(prefix); i < n; i++ {
		b[i] = byte('a' + f.rng.IntN(26))
	}
	return b // the string is never closed
}

// pathological: deep nesting, very many keys, oversized fields, huge numbers, prototype keys.
func (f *fuzzer) pathological() []byte {
	switch f.rng.IntN(6) {
	case 0:
		d := 1000 + f.rng.IntN(6000)
		return []byte(strings.Repeat("[", d) + strings.Repeat("]", d))
	case 1:
		var sb strings.Builder
		sb.WriteString(`{"v":2,"type":"settings","detail":"minimal","triggers":{"long-pause":`)
		d := 50 + f.rng.IntN(500)
		sb.WriteString(strings.Repeat(`{"a":`, d) + "1" + strings.Repeat("}", d) + "}}")
		return []byte(sb.String())
	case 2:
		m := f.valid("hint-feedback")
		m["hintId"] = strings.Repeat("h", 129+f.rng.IntN(5000))
		return mustJSON(m)
	case 3:
		m := f.valid("code")
		m["revision"] = json.Number("1" + strings.Repeat("0", 400))
		return mustJSON(m)
	case 4:
		return []byte(`{"__proto__":{"v":2,"type":"settings","detail":"minimal"},"constructor":{"prototype":{"x":1}}}`)
	default:
		var sb strings.Builder
		sb.WriteString(`{"v":2,"type":"opt-out","groups":[`)
		for i := range 500 + f.rng.IntN(1000) {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`"voice"`)
		}
		sb.WriteString("]}")
		return []byte(sb.String())
	}
}

// forgedRole: a schema-valid message from the seat that may not send it, claiming the other seat's identity
// and role in extra fields and (for packets) in the packet's sender fields. Returns the seat it is sent from.
func (f *fuzzer) forgedRole(i int) (from string, payload []byte, forged string) {
	kind := []string{"settings", "hint-feedback", "plan-update", "code", "opt-out"}[i%5]
	from, other := "candidate", "interviewer"
	if kind == "code" || kind == "opt-out" {
		from, other = "interviewer", "candidate"
	}
	m := f.valid(kind)
	if i%3 == 0 {
		m["role"], m["identity"] = other, f.seats[other].Identity
		m["sender"] = map[string]any{"identity": f.seats[other].Identity, "role": other}
	}
	return from, mustJSON(m), f.seats[other].Identity
}

// oddValid: schema-valid messages with odd content (feedback on hints that never existed, extreme or unknown
// trigger settings, a prototype key, consent withdrawn for someone else, code revisions out of order).
func (f *fuzzer) oddValid(i int) (from string, payload []byte) {
	switch i % 6 {
	case 0:
		m := f.valid("hint-feedback")
		m["hintId"] = f.pick([]string{"hint_nope", "__proto__", "constructor", strings.Repeat("z", 128)})
		return "interviewer", mustJSON(m)
	case 1:
		m := f.valid("settings")
		m["triggers"] = map[string]any{
			f.pick([]string{"no-such-trigger", "__proto__", "constructor", "long-pause"}): map[string]any{
				f.pick([]string{"enabled", "minMs", "__proto__", "toString"}): []any{true, false, 0, -1, 1e308, 1e-308}[f.rng.IntN(6)],
			},
		}
		return "interviewer", mustJSON(m)
	case 2:
		m := f.valid("consent")
		m["participant"] = f.plan.Victim
		return f.pick([]string{"interviewer", "candidate"}), mustJSON(m)
	case 3:
		m := f.valid("code")
		m["revision"] = []int{0, 9007199254740991, 3, 2, 1}[f.rng.IntN(5)]
		m["language"] = f.pick([]string{"x", strings.Repeat("l", 32), "<script>"})
		m["text"] = f.pick([]string{"", "\u0000\u0001\u0002", strings.Repeat("\u202e", 100), "🙂🙂🙂"})
		return "candidate", mustJSON(m)
	case 4:
		m := f.valid("consent")
		m["granted"], m["disclosureVersion"], m["groups"] = true, "0.0-forged", []string{"voice"}
		return "candidate", mustJSON(m)
	default:
		m := f.valid("settings")
		m["detail"] = "verbose"
		m["extra"] = map[string]any{"__proto__": map[string]any{"polluted": true}}
		return "interviewer", mustJSON(m)
	}
}
