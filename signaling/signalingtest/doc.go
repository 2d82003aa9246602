// Package signalingtest runs real signaling servers on loopback for tests:
// an httptest server with the real handler, and helpers that dial it as
// real clients.
//
// It is for tests only and holds no protocol logic of its own: it wires
// server.Handler and signaling.Dial together and never stands in for them
// with fakes. Code outside _test.go files must not import it.
package signalingtest
