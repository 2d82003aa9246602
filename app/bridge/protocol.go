package bridge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/peerline/peerline/app/errcode"
)

// ProtocolVersion is the wire protocol version reported by /api/info.
const ProtocolVersion = 1

// maxID is the largest request id: the largest integer a JavaScript number
// holds exactly (2^53-1).
const maxID = 1<<53 - 1

// Code is the machine-readable kind of an error response: one table for
// the whole app (package errcode), so the window and the bridge send the
// same codes. See the package comment for when the bridge sends its own.
type Code = errcode.Code

// The bridge's own error codes, from the app's table.
const (
	CodeBadRequest  = errcode.BadRequest  // not a valid request, or wrong arguments
	CodeNotFound    = errcode.NotFound    // no such method
	CodeFailed      = errcode.Failed      // the method returned an error without a code
	CodeInternal    = errcode.Internal    // the method panicked or its result can't be encoded
	CodeTooLarge    = errcode.TooLarge    // the frame exceeds the size limit; the connection closes
	CodeRateLimited = errcode.RateLimited // too many requests per second on this connection
	CodeOverloaded  = errcode.Overloaded  // too many calls in flight on this connection
)

// Coder is implemented by errors that choose their own error code. When a
// method's error (or any error it wraps) implements Coder and the code is a
// lower-case word ([a-z][a-z0-9_]*, at most 64 bytes), the error response
// carries that code instead of "failed".
type Coder interface {
	ErrorCode() string
}

var validCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// codeOf returns the wire code for an error a method returned: a Coder's
// code, else what errcode.Of reads (a bare errcode.Code among them), so
// the bridge and the Wails window (errcode.Format) agree on every error.
func codeOf(err error) Code {
	var c Coder
	if errors.As(err, &c) && validCode.MatchString(c.ErrorCode()) {
		return Code(c.ErrorCode())
	}
	return errcode.Of(err)
}

// request is one decoded call.
type request struct {
	ID     uint64
	Method string
	Args   []json.RawMessage
}

// wireRequest is a request as it arrives, before validation.
type wireRequest struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
	Args   json.RawMessage `json:"args"`
}

// response is the answer to one request. ID is null when the request's id
// could not be read.
type response struct {
	ID     *uint64         `json:"id"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *wireError      `json:"error,omitempty"`
}

// wireError is the error member of a response.
type wireError struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// push is an event sent to the client unasked.
type push struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
}

// callError is an error that becomes an error response.
type callError struct {
	code    Code
	message string
}

func (e *callError) Error() string { return string(e.code) + ": " + e.message }

func errorf(code Code, format string, args ...any) *callError {
	return &callError{code: code, message: fmt.Sprintf(format, args...)}
}

// decodeRequest parses one text frame. On error it still returns the id
// when the frame had a valid one, so the error response can carry it.
func decodeRequest(data []byte) (req request, hasID bool, err *callError) {
	var w wireRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	decodeErr := dec.Decode(&w)
	req.ID, hasID = parseID(w.ID)
	if decodeErr != nil {
		if !hasID { // a syntax error leaves w empty; the id may still lead
			req.ID, hasID = peekID(data)
		}
		return req, hasID, errorf(CodeBadRequest, "request must be a JSON object {\"id\", \"method\", \"args\"}: %s", decodeErr.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, hasID, errorf(CodeBadRequest, "unexpected data after the request object")
	}
	if !hasID {
		return req, false, errorf(CodeBadRequest, "request needs an \"id\": an integer from 0 to 2^53-1")
	}
	if w.Method == nil || *w.Method == "" {
		return req, true, errorf(CodeBadRequest, "request needs a \"method\": \"Service.Method\"")
	}
	req.Method = *w.Method
	if len(w.Args) > 0 && !bytes.Equal(w.Args, []byte("null")) {
		if err := json.Unmarshal(w.Args, &req.Args); err != nil {
			return req, true, errorf(CodeBadRequest, "\"args\" must be an array")
		}
	}
	return req, true, nil
}

// parseID reads a request id: a JSON integer from 0 to maxID.
func parseID(raw json.RawMessage) (uint64, bool) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, false
	}
	var id uint64
	if json.Unmarshal(raw, &id) != nil || id > maxID {
		return 0, false
	}
	return id, true
}

// peekID reads the id of a frame that won't be decoded in full (too large or
// rate-limited): only when "id" is the object's first member, as the
// clients send it. It reads no further than the id.
func peekID(data []byte) (uint64, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, false
	}
	if tok, err := dec.Token(); err != nil || tok != "id" {
		return 0, false
	}
	var raw json.RawMessage
	if dec.Decode(&raw) != nil {
		return 0, false
	}
	// A number cut off by the end of the data may be the start of a longer one.
	rest := bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")
	if len(rest) == 0 || (rest[0] != ',' && rest[0] != '}') {
		return 0, false
	}
	return parseID(raw)
}

// encodeError builds an error response frame.
func encodeError(id uint64, hasID bool, e *callError) []byte {
	r := response{Error: &wireError{Code: e.code, Message: e.message}}
	if hasID {
		r.ID = &id
	}
	b, err := json.Marshal(r)
	if err != nil { // only strings and a number: can't fail
		panic("bridge: encoding an error response: " + err.Error())
	}
	return b
}

// encodeResult builds a success response frame from an encoded result.
func encodeResult(id uint64, result json.RawMessage) []byte {
	b, err := json.Marshal(response{ID: &id, Result: result})
	if err != nil { // result is valid JSON from json.Marshal: can't fail
		panic("bridge: encoding a response: " + err.Error())
	}
	return b
}
