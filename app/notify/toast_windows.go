//go:build windows

package notify

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"git.sr.ht/~jackmordaunt/go-toast/v2/wintoast"
	"github.com/go-ole/go-ole"
	"golang.org/x/sys/windows"
)

// The COM and WinRT parts of toasts that go-toast does not offer: the
// activator's registration without showing a toast (a launch for a click
// must register it to be handed the click), and the toast history, which
// withdraws toasts (go-toast can show a toast, not take one back).

var (
	combase                   = windows.NewLazySystemDLL("combase.dll")
	procCoRegisterClassObject = combase.NewProc("CoRegisterClassObject")
	user32                    = windows.NewLazySystemDLL("user32.dll")
	procAllowSetForeground    = user32.NewProc("AllowSetForegroundWindow")

	// IToastNotificationManagerStatics2, whose one method is get_History.
	iidToastManagerStatics2 = ole.NewGUID("{7AB93C52-0E48-4750-BA9D-1A4113981847}")
)

const (
	toastManagerClass = "Windows.UI.Notifications.ToastNotificationManager"
	regclsMultipleUse = 1
	asfwAny           = ^uintptr(0) // ASFW_ANY: any process may take the foreground
)

type toastManagerStatics2 struct{ vtbl *toastManagerStatics2Vtbl }

type toastManagerStatics2Vtbl struct {
	ole.IInspectableVtbl
	GetHistory uintptr
}

// toastHistory is IToastNotificationHistory, in the order of
// windows.ui.notifications.h.
type toastHistory struct{ vtbl *toastHistoryVtbl }

type toastHistoryVtbl struct {
	ole.IInspectableVtbl
	RemoveGroup            uintptr
	RemoveGroupWithId      uintptr
	RemoveGroupedTagWithId uintptr
	RemoveGroupedTag       uintptr
	Remove                 uintptr
	Clear                  uintptr
	ClearWithId            uintptr
}

// inMTA runs f on Peerline's COM thread: one OS thread, held by one
// goroutine for the life of the process, in the Windows Runtime's
// multithreaded apartment (as go-toast's is). Not the caller's thread: the
// main goroutine holds the main thread, which go-webview2 made a
// single-threaded apartment for the window (a class object registered
// there would be served by the window's message loop alone). Not a pool
// thread either: go-toast initialises the Runtime once, on the thread of
// its first Push, and takes "already initialised there" for a failure.
// The thread never ends, so the apartment, and the activator registered
// in it, live as long as the process.
//
// It returns ctx.Err() if ctx ends first, while f waits for the thread
// (one slow call holds up the next) or runs: f is then not started, or
// runs to its end unwaited for.
func inMTA(ctx context.Context, f func() error) error {
	comThread.once.Do(func() {
		comThread.calls = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread is COM's
			if err := ole.RoInitialize(1); err != nil {
				if oe, ok := err.(*ole.OleError); !ok || oe.Code() != 1 { // S_FALSE: initialised already
					comThread.err = err
				}
			}
			for call := range comThread.calls {
				call()
			}
		}()
	})
	done := make(chan error, 1)
	call := func() {
		switch {
		case ctx.Err() != nil:
			done <- ctx.Err() // given up on while it waited: not started
		case comThread.err != nil:
			done <- fmt.Errorf("RoInitialize: %w", comThread.err)
		default:
			done <- f()
		}
	}
	select {
	case comThread.calls <- call:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// comThread is inMTA's thread.
var comThread struct {
	once  sync.Once
	calls chan func()
	err   error // RoInitialize's, read on the thread only
}

// clearToasts removes every toast of ToastAppID, on screen and in the
// notification centre. Peerline shows one toast at a time (the ringing
// call's), and go-toast gives its toasts no tag to remove one by.
func clearToasts(ctx context.Context) error { return inMTA(ctx, clearToastsHere) }

func clearToastsHere() error {
	f, err := ole.RoGetActivationFactory(toastManagerClass, iidToastManagerStatics2)
	if err != nil {
		return fmt.Errorf("toast manager: %w", err)
	}
	defer f.Release()
	statics := (*toastManagerStatics2)(unsafe.Pointer(f))
	var hist *toastHistory
	if hr, _, _ := syscall.SyscallN(statics.vtbl.GetHistory, uintptr(unsafe.Pointer(statics)), uintptr(unsafe.Pointer(&hist))); hr != 0 || hist == nil {
		return fmt.Errorf("toast history: %w", ole.NewError(hr))
	}
	defer (*ole.IUnknown)(unsafe.Pointer(hist)).Release()
	app, err := ole.NewHString(ToastAppID)
	if err != nil {
		return err
	}
	defer ole.DeleteHString(app)
	if hr, _, _ := syscall.SyscallN(hist.vtbl.ClearWithId, uintptr(unsafe.Pointer(hist)), uintptr(app)); hr != 0 {
		return fmt.Errorf("toast history: clear: %w", ole.NewError(hr))
	}
	return nil
}

// activator is the process's toast activator: go-toast's COM class
// factory under Peerline's CLSID, registered once, and where its clicks go.
var activator struct {
	once sync.Once
	err  error

	mu      sync.Mutex
	onClick func(args string) // nil: clicks are dropped
}

// registerActivator registers the activator with COM (once per process)
// and sends its clicks to onClick from now on.
func registerActivator(onClick func(args string)) error {
	activator.mu.Lock()
	activator.onClick = onClick
	activator.mu.Unlock()
	activator.once.Do(func() {
		// go-toast registers its class factory under this GUID at every
		// Push too; it must be Peerline's, the one LocalServer32 names.
		wintoast.GUID_ImplNotificationActivationCallback = ole.NewGUID(ToastActivatorCLSID)
		wintoast.SetActivationCallback(func(appID, args string, _ []wintoast.UserData) {
			// COM hands the AUMID back as Windows stores it: compared
			// as Windows does, without regard to case.
			if !strings.EqualFold(appID, ToastAppID) {
				return
			}
			activator.mu.Lock()
			f := activator.onClick
			activator.mu.Unlock()
			if f != nil {
				go f(args) // COM's thread waits for Activate to return
			}
		})
		activator.err = inMTA(context.Background(), func() error {
			var cookie uint32 // for CoRevokeClassObject: never, it serves until the process ends
			hr, _, _ := procCoRegisterClassObject.Call(uintptr(unsafe.Pointer(wintoast.GUID_ImplNotificationActivationCallback)),
				uintptr(unsafe.Pointer(wintoast.ClassFactory)), uintptr(ole.CLSCTX_LOCAL_SERVER), regclsMultipleUse,
				uintptr(unsafe.Pointer(&cookie)))
			if hr != 0 {
				return fmt.Errorf("CoRegisterClassObject: %w", ole.NewError(hr))
			}
			return nil
		})
	})
	if activator.err != nil {
		return fmt.Errorf("notify: toast activator: %w", activator.err)
	}
	return nil
}

// AwaitClick is for a launch Windows started for a toast click
// (ToastActivatedFlag, -Embedding): it registers the toast activator,
// waits for COM to hand it the click and returns the click's arguments,
// to pass to the Peerline that showed the toast (instance.Toast). It also
// lets that Peerline take the foreground, which Windows gave this launch.
func AwaitClick(ctx context.Context) (string, error) {
	clicks := make(chan string, 1)
	if err := registerActivator(func(args string) {
		select {
		case clicks <- args:
		default:
		}
	}); err != nil {
		return "", err
	}
	select {
	case args := <-clicks:
		procAllowSetForeground.Call(asfwAny)
		return args, nil
	case <-ctx.Done():
		return "", fmt.Errorf("notify: no toast click came: %w", ctx.Err())
	}
}
