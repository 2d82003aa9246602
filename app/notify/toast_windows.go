//go:build windows

package notify

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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
	rpcEChangedMode   = 0x80010106  // COM is initialised in another mode on this thread: usable
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

// useCOM initialises the Windows Runtime on this thread (multithreaded,
// as go-toast does); already initialised, in either mode, is fine. The
// caller holds its OS thread.
func useCOM() error {
	err := ole.RoInitialize(1)
	var oe *ole.OleError
	if err == nil || errors.As(err, &oe) && (oe.Code() == 1 /* S_FALSE */ || oe.Code() == rpcEChangedMode) {
		return nil
	}
	return fmt.Errorf("RoInitialize: %w", err)
}

// clearToasts removes every toast of ToastAppID, on screen and in the
// notification centre. Peerline shows one toast at a time (the ringing
// call's), and go-toast gives its toasts no tag to remove one by.
func clearToasts() error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := useCOM(); err != nil {
		return err
	}
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
			if appID != ToastAppID {
				return
			}
			activator.mu.Lock()
			f := activator.onClick
			activator.mu.Unlock()
			if f != nil {
				go f(args) // COM's thread waits for Activate to return
			}
		})
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := useCOM(); err != nil {
			activator.err = err
			return
		}
		var cookie uint32
		hr, _, _ := procCoRegisterClassObject.Call(uintptr(unsafe.Pointer(wintoast.GUID_ImplNotificationActivationCallback)),
			uintptr(unsafe.Pointer(wintoast.ClassFactory)), uintptr(ole.CLSCTX_LOCAL_SERVER), regclsMultipleUse,
			uintptr(unsafe.Pointer(&cookie)))
		if hr != 0 {
			activator.err = fmt.Errorf("CoRegisterClassObject: %w", ole.NewError(hr))
		}
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
