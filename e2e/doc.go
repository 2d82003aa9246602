// Package e2e drives the real peerline and peerline-signal binaries end to
// end: each test builds a small network out of Linux network namespaces,
// starts `peerline --headless` instances in them and talks to each one
// through its loopback bridge, exactly as the browser UI does.
//
// Everything lives in the _test.go files; see README.md for how to run the
// tests and why they need root.
package e2e
