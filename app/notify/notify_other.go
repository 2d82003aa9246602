//go:build !unix && !windows

package notify

import (
	"context"
	"fmt"
	"runtime"
)

// Notifier is not implemented on this platform (neither unix nor
// Windows: Plan 9, WebAssembly): New always fails with ErrNotSupported,
// and a nil *Notifier's methods do nothing.
type Notifier struct{}

// New reports ErrNotSupported.
func New(ctx context.Context, opts Options) (*Notifier, error) {
	return nil, fmt.Errorf("notify: %s: %w", runtime.GOOS, ErrNotSupported)
}

// Capabilities reports nothing supported.
func (n *Notifier) Capabilities() Capabilities { return Capabilities{} }

// Show reports ErrNotSupported.
func (n *Notifier) Show(ctx context.Context, note Notification) (ID, error) {
	return 0, ErrNotSupported
}

// Withdraw reports ErrNotSupported.
func (n *Notifier) Withdraw(ctx context.Context, id ID) error { return ErrNotSupported }

// Close does nothing.
func (n *Notifier) Close() error { return nil }
