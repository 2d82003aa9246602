//go:build bindings

package main

// generatingBindings is true in the binary Wails builds (tag bindings) to
// generate frontend/wailsjs.
const generatingBindings = true
