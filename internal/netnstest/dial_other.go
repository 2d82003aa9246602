//go:build !linux

package netnstest

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// DialContext needs Linux (setns(2)); elsewhere it fails, as New does.
func (n *Netns) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return nil, fmt.Errorf("netns %s: %w", n.Name, errors.ErrUnsupported)
}
