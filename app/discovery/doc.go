// Package discovery finds other Peerline instances on the LAN and keeps
// track of which are online.
//
// It owns the mDNS advertisement and browsing, the LAN hub's port, the
// liveness probes and the list of peers seen. It never dials calls or
// carries signaling: it only reports presence (package links dials, the
// call manager calls). It stores nothing and does not judge trust: a
// peer's announced id and name are reported as announced, and checked
// by whoever connects to it.
//
// Every instance runs a signaling hub (package signaling/server) on a LAN
// port (ListenHub: DefaultHubPort, else a free one) and, through MDNS,
//
//   - advertises it over mDNS/DNS-SD (grandcat/zeroconf);
//   - browses for other instances continuously, ignoring itself (its own
//     peer id);
//   - probes every peer's hub (GET /healthz) to decide online and offline,
//     because mDNS alone cannot (see liveness.go for the rules);
//   - reports changes as Events (PeerOnline, PeerOffline, PeerUpdated) and
//     a Peers snapshot, and explains an empty list through Diagnose.
//
// # The advertisement
//
// The service is "<instance>._peerline._tcp.local.": the hub port in SRV,
// the addresses of the chosen interfaces (IPv4, global and link-local
// IPv6) in A/AAAA, and in TXT
//
//	id=<peer id>      identity.PeerID canonical text, required
//	name=<name>       display name, UTF-8, at most MaxNameBytes bytes
//	v=<version>       signaling.Version (1), required
//
// TXT keys are case-insensitive and unknown keys are ignored; a service
// without a valid id or v is not a Peerline peer and is ignored. The
// instance name, "peerline-<short id>-<8 hex digits>", is new for every
// registration (start, interface change, SetName).
//
// Hubs added by address (AddStatic) get the same probing and events, for
// networks that block multicast.
//
// # Targets and how they are met
//
//	new peer appears          < 1 s    it registers, then browses: its query
//	                                   reaches its own responder, whose answer
//	                                   every peer hears (zeroconf's own first
//	                                   announcement comes up to 0.5 s later);
//	                                   the browser probes at once
//	peer quits                < 1 s    its hub answers 503 (draining) or
//	                                   refuses: offline on the next probe
//	                                   (ProbeInterval 500 ms)
//	peer killed (kill -9)     < 2 s    the kernel closes its sockets: refused
//	                                   on the next probe
//	peer's network vanishes   < 10 s   no answers for OfflineAfter (5 s)
//	peer comes back           ~ 1 s    offline peers are probed every
//	                                   OfflineProbeInterval; a re-announcement
//	                                   probes at once
//	interface or address      ~ 2 s    seen by polling (InterfacePoll), then
//	change                             registered again and browsed again
//
// docs/performance.md has measured figures.
//
// # grandcat/zeroconf v1.0.0, as found in its source and issues
//
//   - Browse reports each instance name once per browse: no removal on
//     goodbye (TTL 0) or expiry (issues 65, 122), no update when the TXT
//     record or addresses change, nothing when a known instance
//     re-announces. So presence comes from probing, and every registration
//     uses a fresh instance name (restarts, new addresses, SetName), which
//     a running browse does report. The browse is also restarted every
//     RebrowseInterval and whenever interfaces change.
//   - Browse gives up after about 15 minutes without an answer (its
//     backoff's default MaxElapsedTime) and closes the entries channel;
//     MDNS restarts it.
//   - Browse sends entries without watching its context, so the channel
//     must be drained until zeroconf closes it, or its goroutine and
//     sockets leak.
//   - Entries carry IPv6 link-local addresses without a zone, and the
//     receiving interface is not exposed (issue 51). Each link-local
//     address becomes one candidate per chosen interface with IPv6; the
//     probe finds the zone that answers.
//   - Register offers an interface's IPv6 link-local address only when it
//     has no global one, and resolves addresses once. MDNS uses
//     RegisterProxy with its own list (IPv4, global and link-local IPv6 of
//     the chosen interfaces) and registers again when interfaces change.
//   - SelectIfaces limits where queries and announcements are sent and
//     which interfaces join the group, but the sockets listen on the
//     wildcard address and receive what arrives on any interface that any
//     socket on the machine joined. With Config.Interfaces or
//     Config.Subnets set, peers' addresses are therefore filtered to the
//     chosen interfaces' subnets.
//   - NewResolver fails if either the IPv4 or the IPv6 socket fails (and
//     leaks the other); MDNS asks only for the families the interfaces
//     have and falls back to one.
//   - TXT strings pass through miekg/dns presentation format: a backslash
//     must be escaped when sending; received strings have '"' and '\'
//     escaped and every byte outside printable ASCII (so all non-ASCII
//     UTF-8) as \DDD. encodeTXT and parseTXT handle both.
//   - Server.Shutdown sends goodbye records but does not stop the
//     announcing goroutine, which lives on for up to ~3.5 s after
//     registration, writing to closed sockets.
//   - The library logs through the standard log package ("[zeroconf] no
//     suitable IPv6 interface") when a family is unavailable.
package discovery
