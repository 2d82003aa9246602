// Package instance keeps one Peerline per data dir. The one that claims a
// data dir holds an OS file lock on DataDir/lock (released by the kernel
// when the process dies, so a crash never leaves a stale lock) and listens
// on DataDir/peerline.sock, so that launching Peerline again with that
// data dir brings the running window to the front instead of failing.
//
// It owns the lock file, the socket file and the one-line protocol on the
// socket (see socket.go). It must not touch anything else in the data dir,
// and knows nothing of windows: the claimer passes the hook that shows one.
package instance

import (
	"log/slog"
	"sync"
)

// Instance is a claimed data dir: its lock and, when it could listen, the
// socket that later launches ask. Close releases both.
type Instance struct {
	lock   *lock
	server *server // nil: a later launch cannot reach this one
	wg     sync.WaitGroup
	once   sync.Once
}

// Hooks are what a claimed data dir does for later launches that ask.
// None may block: each runs while the socket waits to answer. The zero
// value refuses everything (a headless Peerline nobody may stop).
type Hooks struct {
	// Activate is called for each launch that asks for the window; nil
	// answers that there is none (ErrNoWindow on their side).
	Activate func()
	// Open is called with each invite link a later launch passes (Open);
	// its error refuses the link, and nil refuses every link.
	Open func(link string) error
	// Quit is called for each `peerline --quit` (Quit): it starts a full
	// shutdown and returns; nil refuses.
	Quit func()
	// Toast is called with the click arguments a launch for a toast click
	// passes (Toast); its error refuses the click, and nil refuses all.
	Toast func(args string) error
}

// Claim takes dir's lock (ErrAlreadyRunning when another Peerline holds
// it) and answers later launches on its socket with h. A socket that
// cannot listen is logged and not fatal: this Peerline runs, a later
// launch just cannot reach it.
func Claim(dir string, log *slog.Logger, h Hooks) (*Instance, error) {
	l, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	in := &Instance{lock: l}
	if in.server, err = listen(dir, log, h); err != nil {
		log.Warn("instance: a second launch will not find this one", "err", err)
		return in, nil
	}
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		in.server.serve()
	}()
	return in, nil
}

// Listening reports whether later launches can reach this one.
func (in *Instance) Listening() bool { return in.server != nil }

// Close stops answering, removes the socket file and releases the lock.
func (in *Instance) Close() {
	in.once.Do(func() {
		if in.server != nil {
			in.server.close()
			in.wg.Wait()
		}
		in.lock.release()
	})
}
