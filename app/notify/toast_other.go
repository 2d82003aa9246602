//go:build !windows

package notify

import (
	"context"
	"fmt"
	"runtime"
)

// AwaitClick is for a launch Windows starts for a toast click; there are
// no toasts here.
func AwaitClick(ctx context.Context) (string, error) {
	return "", fmt.Errorf("notify: toast click: %s: %w", runtime.GOOS, ErrNotSupported)
}
