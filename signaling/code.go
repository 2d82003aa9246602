package signaling

import "fmt"

// Code is the machine-readable reason carried by an error message. The zero
// value CodeUnknown is never sent.
type Code uint8

// Error codes. Each comment says whether the server closes the connection
// after sending it.
const (
	CodeUnknown      Code = iota
	CodeBadJSON           // the frame is not a JSON object; connection stays open
	CodeBadVersion        // "v" is missing or not a version this end speaks; stays open
	CodeUnknownType       // "type" is not one this end knows; stays open
	CodeBadMessage        // a field is missing, malformed or too long; stays open
	CodeTooLarge          // the frame exceeds the size limit; closed (1009)
	CodeBinaryFrame       // a binary frame: the protocol is text only; stays open
	CodeAuthRequired      // anything but auth before the welcome; closed (1008)
	CodeAuthFailed        // bad, stale, replayed or misaddressed signature, bad token; closed (1008)
	CodeForbidden         // a forged "from", or a type the client may not send; stays open
	CodeUnavailable       // the addressed peer is not connected; stays open
	CodeRateLimited       // message dropped by the rate limit; stays open until the flood persists, then closed (1008)
	CodeReplaced          // the same peer connected again elsewhere; closed (1000)
	CodeSlowConsumer      // the client did not read its messages in time; TCP cut without a close frame (the client is not reading)
	CodeShuttingDown      // the server is going away; reconnect after retry_ms; closed (1012)
	CodeInternal          // a server fault; closed (1011)
	CodeTooManyPeers      // a subscribe lists more peers than a connection may watch; refused, the previous set stays; stays open
	codeCount
)

var codeNames = [codeCount]string{
	CodeUnknown:      "unknown",
	CodeBadJSON:      "bad_json",
	CodeBadVersion:   "bad_version",
	CodeUnknownType:  "unknown_type",
	CodeBadMessage:   "bad_message",
	CodeTooLarge:     "too_large",
	CodeBinaryFrame:  "binary_frame",
	CodeAuthRequired: "auth_required",
	CodeAuthFailed:   "auth_failed",
	CodeForbidden:    "forbidden",
	CodeUnavailable:  "unavailable",
	CodeRateLimited:  "rate_limited",
	CodeReplaced:     "replaced",
	CodeSlowConsumer: "slow_consumer",
	CodeShuttingDown: "shutting_down",
	CodeInternal:     "internal",
	CodeTooManyPeers: "too_many_peers",
}

// String returns the wire name of c.
func (c Code) String() string {
	if c < codeCount {
		return codeNames[c]
	}
	return fmt.Sprintf("Code(%d)", uint8(c))
}

// ParseCode maps a wire name to its Code; unknown names give CodeUnknown,
// so a newer server's codes still decode.
func ParseCode(s string) Code {
	for c := CodeBadJSON; c < codeCount; c++ {
		if codeNames[c] == s {
			return c
		}
	}
	return CodeUnknown
}

// MarshalText implements encoding.TextMarshaler.
func (c Code) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Code) UnmarshalText(b []byte) error {
	*c = ParseCode(string(b))
	return nil
}

// Closes reports whether the server closes the connection after sending c.
func (c Code) Closes() bool {
	switch c {
	case CodeTooLarge, CodeAuthRequired, CodeAuthFailed, CodeReplaced,
		CodeSlowConsumer, CodeShuttingDown, CodeInternal:
		return true
	}
	return false
}
