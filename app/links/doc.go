// Package links carries signaling messages between this app and its peers
// over whatever path reaches them:
//
//   - a peer that dialed our LAN hub is reached through the hub;
//   - a LAN peer we know an address for is dialed directly, with mutual
//     key authentication (the listener must prove the id we expect);
//   - anyone else is reached through a signaling server the user set up.
//
// Messages for us arrive on all three paths and go to one Handler (the
// call manager); so do dropped links, so a call that has not connected yet
// can end with a clear reason.
//
// It owns the connections that carry messages (LAN dials, server clients,
// the local end on our own hub) and the choice of path per peer. It reads
// envelopes only to route them (and presence bodies, for Config.Presence):
// call state, signatures and trust are the Handler's. It finds peers only
// through its Resolver (discovery and the contacts) and stores nothing.
package links
