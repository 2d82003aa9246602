package signaling

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/peerline/peerline/signaling/identity"
)

// Envelope is one protocol message: the routing header and a type-specific
// body that stays raw JSON, so a relay never decodes what it only forwards.
type Envelope struct {
	// V is the protocol version; Encode writes Version when it is zero.
	V int
	// Type is the message type.
	Type Type
	// ID is an optional sender-chosen message id (at most MaxIDLen of
	// [A-Za-z0-9._:-]); errors caused by the message carry it as "ref".
	ID string
	// From is the sender. Clients leave it empty or set it to themselves;
	// the server always overwrites it with the authenticated id.
	From identity.PeerID
	// To is the addressee of routed messages.
	To identity.PeerID
	// Call is the call id of routed messages (same charset and limit as ID).
	Call string
	// Body is the type-specific JSON object, or nil.
	Body json.RawMessage

	// bodyChecked records that Decode or New already validated Body, so
	// relaying does not scan it twice.
	bodyChecked bool
}

// wireEnvelope is the JSON shape of an Envelope.
type wireEnvelope struct {
	V    *int            `json:"v"`
	Type string          `json:"type"`
	ID   string          `json:"id"`
	From string          `json:"from"`
	To   string          `json:"to"`
	Call string          `json:"call"`
	Body json.RawMessage `json:"body"`
}

// Decode parses and checks one frame. Every failure is an *Error whose code
// the server sends back: bad_json, bad_version, unknown_type or
// bad_message. The returned Body aliases data.
func Decode(data []byte) (Envelope, error) { return decode(data, nil) }

func decode(data []byte, memo *Codec) (Envelope, error) {
	if first := firstByte(data); first != '{' {
		return Envelope{}, errorf(CodeBadJSON, "want a JSON object")
	}
	w, ok := scanEnvelope(data)
	if !ok {
		var slow wireEnvelope
		if err := json.Unmarshal(data, &slow); err != nil {
			return Envelope{}, errorf(CodeBadJSON, "%s", jsonProblem(err))
		}
		w = rawFromWire(&slow)
	}
	env := Envelope{Body: w.body, bodyChecked: true}
	if !validToken(w.id) {
		return env, errorf(CodeBadMessage, "id: at most %d characters of [A-Za-z0-9._:-]", MaxIDLen)
	}
	env.ID = string(w.id) // only now: never echo an invalid id back as "ref"
	if !w.hasV {
		return env, errorf(CodeBadVersion, "missing \"v\"; this end speaks version %d", Version)
	}
	env.V = w.v
	if env.V != Version {
		return env, errorf(CodeBadVersion, "version %d; this end speaks version %d", env.V, Version)
	}
	env.Type = parseTypeBytes(w.typ)
	if env.Type == TypeUnknown {
		return env, errorf(CodeUnknownType, "type %.64q", w.typ)
	}
	if !validToken(w.call) {
		return env, errorf(CodeBadMessage, "call: at most %d characters of [A-Za-z0-9._:-]", MaxIDLen)
	}
	env.Call = string(w.call)
	var err error
	if len(w.from) > 0 {
		if env.From, err = memo.parsePeer(w.from); err != nil {
			return env, errorf(CodeBadMessage, "from: not a peer id")
		}
	}
	if len(w.to) > 0 {
		if env.To, err = memo.parsePeer(w.to); err != nil {
			return env, errorf(CodeBadMessage, "to: not a peer id")
		}
	}
	if len(env.Body) > 0 && (env.Body[0] != '{') {
		if string(env.Body) == "null" {
			env.Body = nil
		} else {
			return env, errorf(CodeBadMessage, "body: want a JSON object")
		}
	}
	if env.Type.Routed() && (env.To.IsZero() || env.Call == "") {
		return env, errorf(CodeBadMessage, "%s needs \"to\" and \"call\"", env.Type)
	}
	return env, nil
}

// parseTypeBytes is ParseType without turning b into a string.
func parseTypeBytes(b []byte) Type {
	for t := TypeChallenge; t < typeCount; t++ {
		if typeNames[t] == string(b) {
			return t
		}
	}
	return TypeUnknown
}

func firstByte(data []byte) byte {
	for _, c := range data {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return "invalid JSON at byte " + strconv.FormatInt(e.Offset, 10)
	case *json.UnmarshalTypeError:
		return "field " + strconv.Quote(e.Field) + " has the wrong JSON type"
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// validToken reports whether s is empty or a legal id/call value.
func validToken[S string | []byte](s S) bool {
	if len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// Encode returns the JSON form of e. Routed messages relayed by the server
// are encoded with this, copying Body untouched.
func (e *Envelope) Encode() ([]byte, error) {
	return e.AppendEncode(make([]byte, 0, 160+len(e.Body)))
}

// AppendEncode appends the JSON form of e to dst.
func (e *Envelope) AppendEncode(dst []byte) ([]byte, error) { return e.appendEncode(dst, nil) }

func (e *Envelope) appendEncode(dst []byte, memo *Codec) ([]byte, error) {
	if e.Type == TypeUnknown || e.Type >= typeCount {
		return dst, errorf(CodeUnknownType, "encode: type %d", uint8(e.Type))
	}
	v := e.V
	if v == 0 {
		v = Version
	}
	dst = append(dst, `{"v":`...)
	dst = strconv.AppendInt(dst, int64(v), 10)
	dst = append(dst, `,"type":"`...)
	dst = append(dst, typeNames[e.Type]...)
	dst = append(dst, '"')
	if e.ID != "" {
		dst = appendField(dst, `,"id":`, e.ID)
	}
	if !e.From.IsZero() {
		dst = append(dst, `,"from":"`...)
		dst = memo.appendPeer(dst, e.From)
		dst = append(dst, '"')
	}
	if !e.To.IsZero() {
		dst = append(dst, `,"to":"`...)
		dst = memo.appendPeer(dst, e.To)
		dst = append(dst, '"')
	}
	if e.Call != "" {
		dst = appendField(dst, `,"call":`, e.Call)
	}
	if len(e.Body) > 0 {
		body := bytes.TrimSpace(e.Body)
		if !e.bodyChecked && !json.Valid(body) {
			return dst, errorf(CodeBadMessage, "encode: body is not valid JSON")
		}
		dst = append(dst, `,"body":`...)
		dst = append(dst, body...)
	}
	return append(dst, '}'), nil
}

func appendField(dst []byte, key, val string) []byte {
	dst = append(dst, key...)
	if validToken(val) {
		dst = append(dst, '"')
		dst = append(dst, val...)
		return append(dst, '"')
	}
	q, _ := json.Marshal(val) // cannot fail for a string
	return append(dst, q...)
}

// MarshalJSON implements json.Marshaler.
func (e Envelope) MarshalJSON() ([]byte, error) { return e.Encode() }

// UnmarshalJSON implements json.Unmarshaler with Decode's checks.
func (e *Envelope) UnmarshalJSON(b []byte) error {
	env, err := Decode(b)
	if err != nil {
		return err
	}
	env.Body = append(json.RawMessage(nil), env.Body...)
	*e = env
	return nil
}

// New builds an envelope of type t with body marshalled from v (nil for no
// body).
func New(t Type, v any) (Envelope, error) {
	env := Envelope{V: Version, Type: t, bodyChecked: true}
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return env, errorf(CodeBadMessage, "encode %s body: %v", t, err)
		}
		env.Body = b
	}
	return env, nil
}
