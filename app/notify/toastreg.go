package notify

import "strings"

// What Windows must know of Peerline for its toasts, written per user
// under HKEY_CURRENT_USER at every start (toast_windows.go), so that it
// follows the executable wherever it moves. The NSIS uninstaller removes
// the two keys (build/windows/installer/project.nsi; a test checks it).
const (
	// ToastAppID is Peerline's AppUserModelID: the toasts' sender.
	ToastAppID = "Peerline.Desktop"
	// ToastActivatorCLSID is the class id of Peerline's toast activator:
	// the COM class Windows asks for when a toast is clicked.
	ToastActivatorCLSID = "{73267B7C-C45E-4032-8700-2F7648BE439B}"
	// ToastActivatedFlag is what a launch for a click is started with
	// (LocalServer32); COM appends "-Embedding" to it.
	ToastActivatedFlag = "--toast-activated"

	toastAppKey   = `Software\Classes\AppUserModelId\` + ToastAppID
	toastCLSIDKey = `Software\Classes\CLSID\` + ToastActivatorCLSID
)

// regValue is one registry value: key under HKCU, name ("" the default
// value), string data.
type regValue struct{ key, name, data string }

// toastRegistry is what is written: the AppUserModelID's display name,
// icon and activator, and the activator's LocalServer32, the command line
// COM runs for a click when no Peerline has the activator registered
// (quote quotes one argument as CommandLineToArgvW reads it back).
func toastRegistry(exe, dataDir, iconPath string, quote func(string) string) []regValue {
	cmd := []string{quote(exe), ToastActivatedFlag}
	if dataDir != "" {
		cmd = append(cmd, "--data-dir", quote(dataDir))
	}
	vals := []regValue{
		{toastAppKey, "DisplayName", DefaultAppName},
		{toastAppKey, "CustomActivator", ToastActivatorCLSID},
		{toastCLSIDKey, "", DefaultAppName + " toast activator"},
		{toastCLSIDKey + `\LocalServer32`, "", strings.Join(cmd, " ")},
	}
	if iconPath != "" {
		vals = append(vals, regValue{toastAppKey, "IconUri", iconPath})
	}
	return vals
}

// ToastRegistryKeys are the keys toastRegistry writes, the ones an
// uninstaller removes (with their subkeys).
func ToastRegistryKeys() []string { return []string{toastAppKey, toastCLSIDKey} }
