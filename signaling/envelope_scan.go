package signaling

import (
	"encoding/binary"
	"encoding/json"
)

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// rawEnvelope is a frame's envelope fields before they are checked, as
// byte slices aliasing the frame: Decode turns only what it keeps into
// strings, so a relayed message costs no allocation for its keys, type and
// peer ids.
type rawEnvelope struct {
	v                       int
	hasV                    bool
	typ, id, from, to, call []byte
	body                    json.RawMessage
}

// rawFromWire converts encoding/json's result (the slow path).
func rawFromWire(w *wireEnvelope) rawEnvelope {
	r := rawEnvelope{typ: []byte(w.Type), id: []byte(w.ID), from: []byte(w.From),
		to: []byte(w.To), call: []byte(w.Call), body: w.Body}
	if w.V != nil {
		r.v, r.hasV = *w.V, true
	}
	return r
}

// scanEnvelope is Decode's fast path: one pass over a frame in the form
// every well-behaved sender writes (only the envelope's own keys, spelled
// exactly; plain ASCII strings without escapes; an integer "v"). It
// validates the body as JSON on the way; every field it returns aliases
// data. For anything else it reports ok=false and Decode falls back to
// encoding/json, which gives the same result (and the error messages).
func scanEnvelope(data []byte) (w rawEnvelope, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return w, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return w, skipSpace(data, i+1) == len(data)
	}
	for {
		key, j, ok := scanPlainString(data, i)
		if !ok {
			return w, false
		}
		i = skipSpace(data, j)
		if i >= len(data) || data[i] != ':' {
			return w, false
		}
		i = skipSpace(data, i+1)
		switch string(key) { // no allocation: the compiler compares in place
		case "v":
			v, j, ok := scanSmallInt(data, i)
			if !ok {
				return w, false
			}
			w.v, w.hasV, i = v, true, j
		case "type", "id", "from", "to", "call":
			s, j, ok := scanPlainString(data, i)
			if !ok {
				return w, false
			}
			switch string(key) {
			case "type":
				w.typ = s
			case "id":
				w.id = s
			case "from":
				w.from = s
			case "to":
				w.to = s
			case "call":
				w.call = s
			}
			i = j
		case "body":
			j, ok := skipValue(data, i, 0)
			if !ok {
				return w, false
			}
			w.body, i = json.RawMessage(data[i:j:j]), j
		default:
			return w, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return w, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return w, skipSpace(data, i+1) == len(data)
		default:
			return w, false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanPlainString reads a string of printable ASCII without escapes and
// returns its contents, aliasing data (capacity capped, so nothing can
// append into the frame).
func scanPlainString(data []byte, i int) ([]byte, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(data); j++ {
		c := data[j]
		if c == '"' {
			return data[i+1 : j : j], j + 1, true
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return nil, j, false
		}
	}
	return nil, len(data), false
}

// scanSmallInt reads a non-negative integer of at most 9 digits in JSON's
// form (no leading zeros).
func scanSmallInt(data []byte, i int) (int, int, bool) {
	v, j := 0, i
	for j < len(data) && j-i < 10 && data[j] >= '0' && data[j] <= '9' {
		v = v*10 + int(data[j]-'0')
		j++
	}
	n := j - i
	if n == 0 || n > 9 || (n > 1 && data[i] == '0') {
		return 0, j, false
	}
	if j < len(data) {
		switch data[j] {
		case '.', 'e', 'E':
			return 0, j, false
		}
	}
	return v, j, true
}

// maxScanDepth bounds nesting on the fast path; deeper bodies take the slow
// path, which has encoding/json's own limit.
const maxScanDepth = 64

// skipValue validates the JSON value at data[i:] and returns where it ends.
func skipValue(data []byte, i, depth int) (int, bool) {
	if i >= len(data) {
		return i, false
	}
	switch c := data[i]; {
	case c == '"':
		return skipString(data, i)
	case c == '{':
		if depth >= maxScanDepth {
			return i, false
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			return i + 1, true
		}
		for {
			j, ok := skipString(data, i)
			if !ok {
				return j, false
			}
			i = skipSpace(data, j)
			if i >= len(data) || data[i] != ':' {
				return i, false
			}
			if i, ok = skipValue(data, skipSpace(data, i+1), depth+1); !ok {
				return i, false
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return i, false
			}
			if data[i] == '}' {
				return i + 1, true
			}
			if data[i] != ',' {
				return i, false
			}
			i = skipSpace(data, i+1)
		}
	case c == '[':
		if depth >= maxScanDepth {
			return i, false
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = skipValue(data, i, depth+1); !ok {
				return i, false
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return i, false
			}
			if data[i] == ']' {
				return i + 1, true
			}
			if data[i] != ',' {
				return i, false
			}
			i = skipSpace(data, i+1)
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return skipNumber(data, i)
	case c == 't':
		return skipLiteral(data, i, "true")
	case c == 'f':
		return skipLiteral(data, i, "false")
	case c == 'n':
		return skipLiteral(data, i, "null")
	}
	return i, false
}

// skipString validates a JSON string (escapes included; any bytes >= 0x20
// otherwise, as encoding/json accepts) and returns where it ends.
func skipString(data []byte, i int) (int, bool) {
	if i >= len(data) || data[i] != '"' {
		return i, false
	}
	i++
	for i < len(data) {
		// Eight bytes at a time while none is '"', '\\' or a control
		// character (the common case: long SDP and candidate strings).
		for i+8 <= len(data) {
			v := binary.LittleEndian.Uint64(data[i:])
			q, b := v^(ones*'"'), v^(ones*'\\')
			if ((q-ones)&^q|(b-ones)&^b|(v-ones*0x20)&^v)&highs != 0 {
				break
			}
			i += 8
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		switch {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			if i+1 >= len(data) {
				return i, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) {
					return i, false
				}
				for _, h := range data[i+2 : i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return i, false
					}
				}
				i += 6
			default:
				return i, false
			}
		default:
			i++
		}
	}
	return i, false
}

// skipNumber validates a JSON number.
func skipNumber(data []byte, i int) (int, bool) {
	digits := func(i int) (int, bool) {
		j := i
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else {
		var ok bool
		if i, ok = digits(i); !ok {
			return i, false
		}
	}
	if i < len(data) && data[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			return i, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			return i, false
		}
	}
	return i, true
}

func skipLiteral(data []byte, i int, lit string) (int, bool) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}
