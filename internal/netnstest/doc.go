// Package netnstest puts tests in network namespaces of their own, so that
// real sockets, multicast and LANs of several "machines" can be tested as
// root without any packet reaching the host's networks. It offers the two
// shapes Peerline's tests need:
//
//   - Named namespaces (New, NewLAN): each one is a machine that runs
//     processes (Netns.Command) and that the test reaches with sockets made
//     inside it (Netns.DialContext); LANs join them with veth pairs, or a
//     bridge in a switch namespace for three or more. Every one is named
//     ple2e-<pid>-<n>, deleted in t.Cleanup after the processes in it are
//     killed, and swept by the next run (Sweep) if a crash left it behind.
//     The e2e tests use these.
//   - A private namespace for the whole test binary (Main, Require), for
//     code that runs in the test process itself and opens sockets on many
//     goroutines (mDNS): TestMain runs the binary again under
//     `unshare --net`, with only a loopback, switched on with MULTICAST.
//     No namespace is named, so none outlives its processes. Further
//     machines are more processes under their own `unshare --net`
//     (ReexecCommand). package discovery uses this.
//
// Unavailable says why neither can work here (not root, not Linux, tools
// missing); tests skip with that reason.
//
// The package only creates, configures and deletes namespaces and links it
// made itself; it must never change the host namespace's interfaces,
// addresses or routes (IP runs in whatever namespace the caller is in: call
// it only from inside a private one), and it imports nothing of Peerline.
package netnstest
