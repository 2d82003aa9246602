package bridge

import (
	"log/slog"
	"net"
	"os"
	"sync"
)

// sameUser is the bridge's listener: it drops connections whose peer
// socket belongs to another account, where the system tells (Linux).
// Defence in depth: a local account that got hold of the token still
// cannot use it. Root is an account like any other here.
type sameUser struct {
	net.Listener
	log     *slog.Logger
	uid     uint32
	warnOne sync.Once
}

func (l *sameUser) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, known, err := peerOwner(c)
		switch {
		case err != nil:
			l.log.Warn("bridge: refused a connection whose owner is unknown", "remote", c.RemoteAddr().String(), "err", err)
			c.Close()
		case !known:
			l.warnOne.Do(func() {
				l.log.Debug("bridge: this system does not tell who owns a socket; the token alone guards the bridge")
			})
			return c, nil
		case uid != l.uid:
			l.log.Warn("bridge: refused a connection from another account", "remote", c.RemoteAddr().String(), "uid", uid)
			c.Close()
		default:
			return c, nil
		}
	}
}

// ownUID is this process's uid (the accounts' one number; 0 on Windows,
// where peerOwner never knows).
func ownUID() uint32 { return uint32(os.Getuid()) }
