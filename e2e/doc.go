// Package e2e drives the real peerline and peerline-signal binaries end to
// end: each test builds a small network out of Linux network namespaces,
// starts `peerline --headless` instances in them and talks to each one
// through its loopback bridge, exactly as the browser UI does.
//
// Everything lives in the _test.go files; see README.md for how to run the
// tests and why they need root.
//
// It tests from the outside only: it reaches the app through its binary,
// its command line and its bridge, as a user or the browser UI would, and
// of app/ it imports only bridgetest, a client of the bridge's protocol.
// Its traffic stays on loopback and in the network namespaces the tests
// create and remove (package netnstest).
package e2e
