package calls

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"time"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// seenTTL is how long call ids are remembered against replays: longer
// than the signature freshness window, after which old invites fail the
// time check anyway.
const seenTTL = 2*signaling.MaxClockSkew + time.Minute

// Handle processes one routed message from a link. env.From is the
// authenticated sender (stamped by the hub that relayed it). Invalid or
// unexpected messages are logged and dropped: nothing a peer sends can
// change a call it is not part of.
func (m *Manager) Handle(ctx context.Context, env signaling.Envelope) {
	log := m.cfg.Logger.With("type", env.Type.String(), "from", env.From.Short(), "call", env.Call)
	if env.From.IsZero() {
		log.Warn("calls: message without sender dropped")
		return
	}
	if env.Type == signaling.TypeInvite {
		m.handleInvite(ctx, env)
		return
	}
	m.mu.Lock()
	c := m.calls[env.Call]
	if c == nil || c.peer != env.From || !c.info.State.Live() {
		m.mu.Unlock()
		log.Debug("calls: message for no live call dropped")
		return
	}
	state, dir := c.info.State, c.info.Direction
	m.mu.Unlock()

	switch env.Type {
	case signaling.TypeRinging:
		if dir == DirectionOutgoing && state == StateCalling {
			m.setState(c, StateRinging)
		}
	case signaling.TypeAccept:
		m.handleAccept(ctx, c, env)
	case signaling.TypeReject:
		if dir != DirectionOutgoing {
			log.Warn("calls: reject for an incoming call dropped")
			return
		}
		var r signaling.Reject
		if err := env.DecodeBody(&r); err != nil {
			// The callee said no in words this build does not know (a
			// newer reason): the call is over all the same.
			log.Warn("calls: unreadable reject ends the call as unavailable", "err", err)
			r = signaling.Reject{Reason: signaling.ReasonUnavailable}
		}
		cause, outcome, reason := rejectOutcome(r)
		m.finish(c, cause, outcome, reason)
	case signaling.TypeCancel:
		if dir == DirectionIncoming {
			m.finish(c, "", OutcomeMissed, "the caller hung up")
		}
	case signaling.TypeHangup:
		if state <= StateRinging {
			// Before an answer a hangup means the same as cancel/decline.
			if dir == DirectionIncoming {
				m.finish(c, "", OutcomeMissed, "the caller hung up")
			} else {
				m.finish(c, "", OutcomeDeclined, "the call was declined")
			}
			return
		}
		// A hangup because the path never came up ends here with the
		// same cause (an old peer's, or a malformed, body is a plain hangup).
		var h signaling.Hangup
		decoded := env.DecodeBody(&h) == nil
		if decoded && h.Reason == signaling.ReasonConnectionFailed && m.connectedOutcome(c) == OutcomeFailed {
			m.finish(c, errcode.ConnectionFailed, OutcomeFailed, ReasonNoPath)
			return
		}
		if decoded && h.Detail == signaling.DetailCallFull && m.groupLeg(c) {
			// A member gave our place to the other newcomer of a race.
			m.finish(c, errcode.CallFull, OutcomeBusy, ReasonCallFull)
			return
		}
		m.finish(c, "", m.connectedOutcome(c), "the other side hung up")
	case signaling.TypeCandidate:
		var cand signaling.Candidate
		if err := env.DecodeBody(&cand); err != nil {
			log.Warn("calls: bad candidate", "err", err)
			return
		}
		if dir == DirectionIncoming && state <= StateRinging {
			m.keepEarly(c, &cand)
		}
		m.emit(EventSignal, Signal{Call: c.info.ID, Kind: "candidate", Candidate: &cand})
	case signaling.TypeEndOfCandidates:
		if dir == DirectionIncoming && state <= StateRinging {
			m.keepEarly(c, nil)
		}
		m.emit(EventSignal, Signal{Call: c.info.ID, Kind: "end_of_candidates"})
	case signaling.TypeRenegotiate:
		var r signaling.Renegotiate
		if err := env.DecodeBody(&r); err != nil || state < StateConnecting {
			log.Warn("calls: bad renegotiate", "err", err)
			return
		}
		if err := signaling.VerifyDescription(c.peerKey, r.Sig, r.Kind, c.info.ID, c.peer, m.cfg.Identity.ID(), r.Time, r.SDP, m.cfg.Now()); err != nil {
			log.Warn("calls: renegotiation signature refused", "err", err)
			return
		}
		m.emit(EventSignal, Signal{Call: c.info.ID, Kind: "renegotiate", Description: r.Kind.String(), SDP: r.SDP})
	}
}

// rejectOutcome is how a reject ends our outgoing call: its cause (for
// the UI), outcome and words.
func rejectOutcome(r signaling.Reject) (errcode.Code, Outcome, string) {
	switch r.Reason {
	case signaling.ReasonBusy:
		if r.Detail == signaling.DetailCallFull {
			return errcode.CallFull, OutcomeBusy, ReasonCallFull
		}
		return "", OutcomeBusy, "busy in another call"
	case signaling.ReasonDeclined:
		return "", OutcomeDeclined, "the call was declined"
	case signaling.ReasonTimeout:
		return "", OutcomeNoAnswer, "no answer"
	}
	if r.Detail == signaling.DetailDoNotDisturb {
		return errcode.DoNotDisturb, OutcomeUnavailable, ReasonNotTaking
	}
	return "", OutcomeUnavailable, "unavailable"
}

func (m *Manager) setState(c *call, s State) {
	m.mu.Lock()
	if !c.info.State.Live() {
		m.mu.Unlock()
		return
	}
	c.info.State = s
	info := c.snapshot()
	m.mu.Unlock()
	m.emit(EventState, info)
}

func (m *Manager) handleAccept(ctx context.Context, c *call, env signaling.Envelope) {
	log := m.cfg.Logger.With("from", env.From.Short(), "call", env.Call)
	var a signaling.Accept
	if err := env.DecodeBody(&a); err != nil {
		log.Warn("calls: bad accept", "err", err)
		return
	}
	if err := signaling.VerifyDescription(a.Key, a.Sig, signaling.KindAnswer, env.Call, env.From, m.cfg.Identity.ID(), a.Time, a.SDP, m.cfg.Now()); err != nil {
		log.Warn("calls: answer signature refused", "err", err)
		return
	}
	adm, err := m.cfg.Gate.Admit(ctx, env.From, a.Key)
	if err != nil {
		log.Error("calls: trust check", "err", err)
		adm = AdmitUnknown
	}
	switch adm {
	case HoldChanged, RefuseBlocked:
		m.reply(ctx, c, signaling.TypeHangup, signaling.Hangup{})
		reason := "this contact's identity key changed: check it before calling"
		if adm == RefuseBlocked {
			reason = "this contact is blocked"
		}
		m.finish(c, "", OutcomeUnavailable, reason)
		return
	}
	if g := a.Group; g != nil && g.ID == c.group {
		// The others the callee is in the call with: the UI joins those it was not told of.
		if err := signaling.VerifyGroup(a.Key, signaling.KindAnswer, env.Call, env.From, m.cfg.Identity.ID(), a.Time, g); err != nil {
			log.Warn("calls: roster signature refused", "err", err)
		} else {
			m.mu.Lock()
			c.members, c.info.Members = g.Members, peerStrings(g.Members)
			c.voucher = signaling.VoucherOf(true, env.Call, env.From, a.Time, g)
			m.mu.Unlock()
		}
	}
	m.mu.Lock()
	if c.info.State != StateCalling && c.info.State != StateRinging {
		m.mu.Unlock()
		return
	}
	c.timer.Stop()
	c.peerKey = ed25519.PublicKey(a.Key)
	c.remoteFP = Fingerprint(a.SDP)
	c.video = c.video && hasVideo(a.Media)
	c.info.Media = mediaNames(c.video)
	c.info.Verified = adm == AdmitVerified
	c.info.State = StateConnecting
	c.info.SafetyCode = m.safety(c)
	info, pin := c.snapshot(), !c.join
	m.mu.Unlock()
	// The answer before the state: the UI applies the answer the moment it
	// arrives, while "connecting" makes it draw the call screen, which
	// takes the page a while (tens of ms); in this order the peer
	// connection's work starts first.
	m.emit(EventSignal, Signal{Call: c.info.ID, Kind: "answer", SDP: a.SDP})
	m.emit(EventState, info)
	if adm == AdmitUnknown && pin {
		// Trust on first use, after the UI has the answer: the database
		// write (an fsync) stays off the call's setup path. Not for a
		// join: the UI placed it unasked, to someone a member named.
		if err := m.cfg.Gate.Pin(ctx, env.From, a.Key, ""); err != nil {
			log.Warn("calls: pin key", "err", err)
		}
	}
}

func (m *Manager) handleInvite(ctx context.Context, env signaling.Envelope) {
	log := m.cfg.Logger.With("from", env.From.Short(), "call", env.Call)
	var inv signaling.Invite
	if err := env.DecodeBody(&inv); err != nil {
		log.Warn("calls: bad invite", "err", err)
		return
	}
	now := m.cfg.Now()
	if err := signaling.VerifyDescription(inv.Key, inv.Sig, signaling.KindOffer, env.Call, env.From, m.cfg.Identity.ID(), inv.Time, inv.SDP, now); err != nil {
		log.Warn("calls: offer signature refused", "err", err)
		return
	}
	if inv.Group != nil {
		if err := signaling.VerifyGroup(inv.Key, signaling.KindOffer, env.Call, env.From, m.cfg.Identity.ID(), inv.Time, inv.Group); err != nil {
			log.Warn("calls: group signature refused", "err", err)
			return
		}
	}
	adm, err := m.cfg.Gate.Admit(ctx, env.From, inv.Key)
	if err != nil {
		log.Error("calls: trust check", "err", err)
		return
	}
	refuseWith := func(body signaling.Reject) {
		out, _ := signaling.New(signaling.TypeReject, body)
		out.To, out.Call, out.ID = env.From, env.Call, msgID(env.Call, signaling.TypeReject)
		if err := m.cfg.Sender.Send(ctx, out); err != nil {
			log.Debug("calls: send reject", "err", err)
		}
	}
	refuse := func(reason signaling.Reason) { refuseWith(signaling.Reject{Reason: reason}) }
	// refuseFull refuses an invite into a full group; m.mu is held and let go here.
	refuseFull := func(why string) {
		rec := m.fullLocked(env, inv, now)
		m.mu.Unlock()
		log.Info(why)
		refuseWith(signaling.Reject{Reason: signaling.ReasonBusy, Detail: signaling.DetailCallFull})
		m.record(rec)
	}
	switch adm {
	case RefuseBlocked:
		log.Info("calls: blocked peer refused")
		refuse(signaling.ReasonUnavailable)
		return
	case HoldChanged:
		log.Warn("calls: call held: the caller's key differs from the pinned one")
		refuse(signaling.ReasonUnavailable)
		m.recordRefused(env, inv, now, OutcomeUnavailable, "held: this contact's identity key changed")
		m.emit(EventState, Info{ID: env.Call, Peer: env.From.String(), PeerName: inv.Name, Direction: DirectionIncoming,
			Media: mediaNames(hasVideo(inv.Media)), State: StateEnded, Outcome: OutcomeUnavailable,
			Reason: "a call was held because this contact's identity key changed", StartedAt: now, EndedAt: &now})
		return
	}

	// Asked before the lock, as the invite arrives: an expired do not
	// disturb is off (package dnd compares the time).
	available := m.cfg.Availability == nil || m.cfg.Availability.Available()
	var sameName string
	if nm, ok := m.cfg.Gate.(NameMatcher); ok && adm == AdmitUnknown && inv.Name != "" {
		// Looked up before the lock: it reads the store.
		sameName, _ = nm.SameNameAs(ctx, env.From, inv.Name)
	}
	m.mu.Lock()
	m.pruneSeen(now)
	// A call we have (going on, or just ended) keeps its id past seenTTL:
	// an invite under it is a replay or someone who knows it (the first
	// leg's id is its group's, which everyone added has), and recording
	// it would put another call under that call's id in the history.
	if _, dup := m.seen[env.Call]; dup || m.calls[env.Call] != nil {
		m.mu.Unlock()
		log.Warn("calls: repeated call id dropped (replay?)")
		return
	}
	m.seen[env.Call] = now
	fit := m.fitLocked(env.From, inv.Group, now)
	switch fit {
	case legStale:
		m.mu.Unlock()
		log.Info("calls: a join for a group call we are not in, or that no member of ours vouched for, refused")
		refuse(signaling.ReasonUnavailable)
		return
	case legFull:
		rival := m.raceRivalLocked(env.From, inv.Group)
		if rival == nil {
			refuseFull("calls: the group call is full: invite refused")
			return
		}
		// Two newcomers raced for the group's last place and their joins
		// crossed: the lower peer id gets it, at every member alike, so
		// one of them is in rather than neither (protocol.md §7.6.1).
		m.mu.Unlock()
		log.Info("calls: two newcomers raced for the last place: the lower id takes it", "gives_way", rival.peer.Short())
		m.reply(ctx, rival, signaling.TypeHangup, signaling.Hangup{Detail: signaling.DetailCallFull})
		m.finish(rival, errcode.CallFull, OutcomeBusy, ReasonCallFull)
		m.mu.Lock()
		if fit = m.fitLocked(env.From, inv.Group, now); fit != legTake {
			refuseFull("calls: the group call is full: invite refused")
			return
		}
	}
	if adm == AdmitUnknown && fit != legTake {
		if ring, rec := m.strangerRingLocked(env, inv, now); !ring {
			m.mu.Unlock()
			log.Info("calls: stranger rang again: refused and counted", "attempts", rec.Attempts)
			refuse(signaling.ReasonUnavailable)
			m.record(*rec)
			return
		}
	}
	if !available && fit != legTake && m.glareLocked(env.From) == nil {
		// Do not disturb: no ring, no incoming event; a missed entry,
		// and the caller hears why. A stranger's refusals are counted on
		// one entry per interval, and it may call again once it is off.
		rec := Record{CallID: env.Call, Peer: env.From, PeerName: inv.Name, Direction: DirectionIncoming,
			Video: hasVideo(inv.Media), StartedAt: now, EndedAt: now, Outcome: OutcomeMissed, Reason: ReasonDoNotDisturbOn}
		if adm == AdmitUnknown {
			rec = m.strangerDNDLocked(env, inv, now)
		}
		m.mu.Unlock()
		log.Info("calls: do not disturb: invite refused")
		refuseWith(signaling.Reject{Reason: signaling.ReasonUnavailable, Detail: signaling.DetailDoNotDisturb})
		m.record(rec)
		return
	}
	// A further leg of our group call: its UI answers at once.
	autoAccept := fit == legTake
	if live := m.liveLocked(); fit != legTake && len(live) > 0 {
		gc := m.glareLocked(env.From)
		glare := gc != nil
		cur := live[0]
		// A contact's call takes over a stranger's that only rings: a
		// stranger ringing (again) cannot keep the user's people out.
		takeOver := len(live) == 1 && adm == AdmitVerified && cur.peer != env.From && cur.info.Direction == DirectionIncoming &&
			cur.info.State == StateRinging && !cur.info.Verified
		switch {
		case takeOver:
			m.mu.Unlock()
			log.Info("calls: a contact's call takes over a stranger's ring", "stranger", cur.peer.Short())
			m.reply(ctx, cur, signaling.TypeReject, signaling.Reject{Reason: signaling.ReasonBusy})
			m.finish(cur, "", OutcomeMissed, "a contact called meanwhile")
			m.mu.Lock()
			if len(m.liveLocked()) > 0 {
				// Someone else got in between: busy, as before.
				m.mu.Unlock()
				refuse(signaling.ReasonBusy)
				m.recordRefused(env, inv, now, OutcomeBusy, "called while you were in another call")
				return
			}
		case glare && lowerID(m.cfg.Identity.ID(), env.From):
			// Our call survives; theirs is dropped when they see ours.
			m.mu.Unlock()
			log.Info("calls: glare: keeping our call")
			return
		case glare:
			// Their call survives: drop ours, take theirs.
			m.mu.Unlock()
			log.Info("calls: glare: yielding to the peer's call")
			m.reply(ctx, gc, signaling.TypeCancel, signaling.Cancel{})
			m.finish(gc, "", OutcomeCancelled, "both called at once; joined the other call")
			autoAccept = true
			m.mu.Lock()
			// The lock was let go: another leg may have come in meanwhile
			// (a join, the UI's Add). Count again, and keep to one group.
			if live := m.liveLocked(); len(live) > 0 {
				if inv.Group == nil || inv.Group.ID != groupOf(live[0]) {
					m.mu.Unlock()
					refuse(signaling.ReasonBusy)
					m.recordRefused(env, inv, now, OutcomeBusy, "called while you were in another call")
					return
				}
				if len(live) >= MaxParticipants-1 {
					refuseFull("calls: glare: the group call filled meanwhile: invite refused")
					return
				}
			}
		case adm == AdmitUnknown:
			rec := m.strangerBusyLocked(env, inv, now)
			m.mu.Unlock()
			refuse(signaling.ReasonBusy)
			m.record(rec)
			return
		default:
			m.mu.Unlock()
			refuse(signaling.ReasonBusy)
			m.recordRefused(env, inv, now, OutcomeBusy, "called while you were in another call")
			return
		}
	}
	video := hasVideo(inv.Media)
	c := &call{offer: inv.SDP, peer: env.From, peerKey: ed25519.PublicKey(inv.Key), video: video, remoteFP: Fingerprint(inv.SDP), info: Info{
		ID: env.Call, Peer: env.From.String(), PeerName: inv.Name, Direction: DirectionIncoming,
		Media: mediaNames(video), State: StateRinging, Verified: adm == AdmitVerified, AutoAccept: autoAccept, StartedAt: now,
		SameNameAs: sameName,
	}}
	if g := inv.Group; g != nil {
		c.group, c.members, c.info.Group, c.info.Members = g.ID, g.Members, g.ID, peerStrings(g.Members)
		c.join = g.Join
		if !g.Join {
			c.voucher = signaling.VoucherOf(false, env.Call, env.From, inv.Time, g)
		}
		c.addedTo = addedToOf(g)
	}
	c.timer = time.AfterFunc(m.cfg.RingTimeout, func() { m.expire(c, true) })
	m.addLocked(c)
	info := c.snapshot()
	m.mu.Unlock()

	out, _ := signaling.New(signaling.TypeRinging, signaling.Ringing{})
	out.To, out.Call, out.ID = env.From, env.Call, msgID(env.Call, signaling.TypeRinging)
	if err := m.cfg.Sender.Send(ctx, out); err != nil {
		log.Info("calls: caller unreachable after invite", "err", err)
		m.finish(c, errcode.Offline, OutcomeFailed, "the caller can no longer be reached")
		return
	}
	m.emit(EventIncoming, Incoming{Call: info, Offer: inv.SDP})
	m.emit(EventState, info)
}

// glareLocked returns our own call to peer that is still waiting for an
// answer, if any, so that peer's invite is the other half of both calling
// at once. m.mu is held.
func (m *Manager) glareLocked(peer identity.PeerID) *call {
	for _, cur := range m.liveLocked() {
		if cur.peer == peer && cur.info.Direction == DirectionOutgoing &&
			(cur.info.State == StateCalling || cur.info.State == StateRinging) {
			return cur
		}
	}
	return nil
}

// ReasonCallFull is the words of a call refused because the group call
// had MaxParticipants people already, on both sides.
const ReasonCallFull = "the call is full (four people at most)"

func (m *Manager) recordRefused(env signaling.Envelope, inv signaling.Invite, now time.Time, outcome Outcome, reason string) {
	if m.cfg.Recorder == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.cfg.Recorder.RecordCall(ctx, Record{CallID: env.Call, Peer: env.From, PeerName: inv.Name, Direction: DirectionIncoming,
		Video: hasVideo(inv.Media), StartedAt: now, EndedAt: now, Outcome: outcome, Reason: reason})
}

// pruneSeen forgets old call ids; m.mu is held.
func (m *Manager) pruneSeen(now time.Time) {
	for id, t := range m.seen {
		if now.Sub(t) > seenTTL {
			delete(m.seen, id)
		}
	}
}

// maxEarlyCandidates bounds the caller's candidates kept while ringing; a
// browser gathers a handful per network interface.
const maxEarlyCandidates = 64

// keepEarly remembers the caller's candidates (nil: the end of them) that
// arrive while the call rings, for Incoming: a window opened after they
// were sent (the call window) still gets them.
func (m *Manager) keepEarly(c *call, cand *signaling.Candidate) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case cand == nil:
		c.earlyEnd = true
	case len(c.early) < maxEarlyCandidates:
		c.early = append(c.early, *cand)
	}
}

// lowerID reports whether a sorts before b (glare tie-break).
func lowerID(a, b identity.PeerID) bool { return bytes.Compare(a[:], b[:]) < 0 }
