package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkAddCall measures recording a finished call: one write
// transaction, so one fsync of the WAL (synchronous=FULL). The figure is
// the disk's fsync latency more than SQLite's.
func BenchmarkAddCall(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	peer := fastPeer(1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := t0.Add(time.Duration(i) * time.Millisecond)
		if _, err := s.AddCall(ctx, Call{ID: fmt.Sprintf("bench-%d", i), Peer: peer, PeerName: "Ada",
			Direction: DirectionOutgoing, Media: MediaVideo, StartedAt: start, AnsweredAt: start,
			EndedAt: start.Add(time.Minute), Outcome: OutcomeCompleted}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueueCall is BenchmarkAddCall through the write-behind queue:
// calls commit HistoryBatchMax at a time (or per HistoryFlushInterval),
// so a ring flood costs a fraction of an fsync per call. Close (in the
// timed loop's cleanup) commits the rest; it is included.
func BenchmarkQueueCall(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	peer := fastPeer(1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := t0.Add(time.Duration(i) * time.Millisecond)
		if _, err := s.QueueCall(ctx, Call{ID: fmt.Sprintf("bench-%d", i), Peer: peer, PeerName: "Mallory",
			Direction: DirectionIncoming, Media: MediaVideo, StartedAt: start, EndedAt: start, Outcome: OutcomeMissed}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.flushHistory(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkListContacts lists 1000 contacts (read, scan, sort).
func BenchmarkListContacts(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	const n = 1000
	// One transaction for the setup, not 1000 fsyncs.
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		id, key := seedPeer("bench", i)
		if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (peer_id, name, announced_name, public_key,
			favorite, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id.String(), fmt.Sprintf("Contact %04d", (i*7919)%n), "laptop", key, i%10 == 0, 1, 1); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cs, err := s.ListContacts(ctx)
		if err != nil || len(cs) != n {
			b.Fatal(len(cs), err)
		}
	}
}

// BenchmarkTrustPinned is the check the calls layer makes per incoming
// call: one read on the read pool (IDFromKey, then a lookup by peer id or
// pending key).
func BenchmarkTrustPinned(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	id, key := testPeer(b, 1)
	if _, err := s.AddContact(ctx, Contact{ID: id, Name: "Ada", Key: key}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st, err := s.Trust(ctx, id, key); err != nil || st != TrustPinned {
			b.Fatal(st, err)
		}
	}
}

// BenchmarkListHistoryPage and BenchmarkListEntriesPage read the newest
// page of a 10,000-call history, a tenth of it legs of group calls: the
// folded list must stay a page's work, not the whole table's.
func BenchmarkListHistoryPage(b *testing.B) { benchPage(b, false) }
func BenchmarkListEntriesPage(b *testing.B) { benchPage(b, true) }

func benchPage(b *testing.B, folded bool) {
	ctx := context.Background()
	s := openTest(b)
	for i := 0; i < 10_000; i++ {
		c := Call{ID: fmt.Sprint("c", i), Peer: fastPeer(i % 50), Direction: DirectionOutgoing, Media: MediaVideo,
			StartedAt: t0.Add(time.Duration(i) * time.Minute), Outcome: OutcomeCompleted}
		c.AnsweredAt, c.EndedAt = c.StartedAt, c.StartedAt.Add(time.Second)
		if i%10 >= 7 { // groups of four: the first call and three legs naming it
			c.Group = fmt.Sprint("c", i-i%10+6)
		}
		if _, err := s.QueueCall(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if folded {
			_, _, err = s.ListEntries(ctx, DefaultHistoryPage, "")
		} else {
			_, _, err = s.ListHistory(ctx, DefaultHistoryPage, "")
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
