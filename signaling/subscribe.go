package signaling

import (
	"github.com/peerline/peerline/signaling/identity"
)

// SubscribeDecoder decodes subscribe bodies as DecodeBody(&Subscribe{})
// would, but without encoding/json's per-element cost on the plain shape
// every client sends ({"peers":[...]}, {"add":[...],"remove":[...]}, with
// any spacing), and into one buffer it keeps. Anything else takes
// DecodeBody. Its errors are DecodeBody's codes; more than
// MaxSubscribeIDs ids fail with too_many_peers, and the ids past the cap
// are only scanned, never parsed. The zero value is ready to use.
type SubscribeDecoder struct {
	buf []identity.PeerID
}

// Decode decodes env's body. The slices of the result alias the
// decoder's buffer: they are valid until the next Decode.
func (d *SubscribeDecoder) Decode(env Envelope) (Subscribe, error) {
	if d.buf == nil {
		d.buf = make([]identity.PeerID, 0, MaxSubscribeIDs)
	}
	s, n, ok := d.scan(env.Body)
	if ok {
		if n > MaxSubscribeIDs {
			e := tooManyIDs(n)
			e.Message = env.Type.String() + " body: " + e.Message
			e.Ref = env.ID
			return Subscribe{}, e
		}
		if s.Peers != nil && s.Incremental() {
			return Subscribe{}, &Error{Code: CodeBadMessage, Message: env.Type.String() + " body: " + errMixedSubscribe, Ref: env.ID}
		}
		return s, nil
	}
	var js Subscribe
	if err := env.DecodeBody(&js); err != nil {
		return Subscribe{}, err
	}
	return js, nil
}

// scan is Decode's fast path: the body's lists, and n, how many ids they
// hold (past MaxSubscribeIDs only counted). ok false means the body has
// another shape (escapes, other or repeated keys, a bad id): the caller
// decodes it with encoding/json, which also words every error.
func (d *SubscribeDecoder) scan(b []byte) (s Subscribe, n int, ok bool) {
	buf := d.buf[:0]
	if len(b) == 0 { // no body: watch nothing
		return s, 0, true
	}
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return s, 0, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return s, 0, skipSpace(b, i+1) == len(b)
	}
	var seen [3]bool
	for {
		key, j, okKey := scanPlainString(b, i)
		if !okKey {
			return s, 0, false
		}
		k := -1
		switch string(key) {
		case "peers":
			k = 0
		case "add":
			k = 1
		case "remove":
			k = 2
		}
		if k < 0 || seen[k] {
			return s, 0, false
		}
		seen[k] = true
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return s, 0, false
		}
		i = skipSpace(b, i+1)
		start := len(buf)
		var list []identity.PeerID
		if j, isNull := skipLiteral(b, i, "null"); isNull {
			i = j
		} else {
			if i >= len(b) || b[i] != '[' {
				return s, 0, false
			}
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
			} else {
				for {
					str, j, okStr := scanPlainString(b, i)
					if !okStr {
						return s, 0, false
					}
					n++
					if n <= MaxSubscribeIDs {
						var id identity.PeerID
						if len(str) > 0 {
							var perr error
							if id, perr = identity.ParseBytes(str); perr != nil {
								return s, 0, false // DecodeBody words the error
							}
						}
						buf = append(buf, id)
					}
					i = skipSpace(b, j)
					if i < len(b) && b[i] == ',' {
						i = skipSpace(b, i+1)
						continue
					}
					if i < len(b) && b[i] == ']' {
						i++
						break
					}
					return s, 0, false
				}
			}
			list = buf[start:len(buf):len(buf)] // non-nil: buf always is
		}
		switch k {
		case 0:
			s.Peers = list
		case 1:
			s.Add = list
		case 2:
			s.Remove = list
		}
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if i >= len(b) || b[i] != '}' || skipSpace(b, i+1) != len(b) {
			return s, 0, false
		}
		d.buf = buf
		return s, n, true
	}
}
