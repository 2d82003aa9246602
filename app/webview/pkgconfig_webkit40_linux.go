//go:build linux && cgo && desktop && !webkit2_41

package webview

// Same WebKitGTK as Wails links without -tags webkit2_41.

// #cgo pkg-config: gtk+-3.0 webkit2gtk-4.0
import "C"
