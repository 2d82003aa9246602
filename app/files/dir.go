package files

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// DirEnv overrides the download directory (tests, and people who want
// calls' files elsewhere).
const DirEnv = "PEERLINE_DOWNLOAD_DIR"

// DownloadDir is where received files go: $PEERLINE_DOWNLOAD_DIR if set;
// on Linux and the BSDs the XDG download directory (XDG_DOWNLOAD_DIR in
// $XDG_CONFIG_HOME/user-dirs.dirs, what `xdg-user-dir DOWNLOAD` prints);
// else ~/Downloads.
func DownloadDir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		cfg := os.Getenv("XDG_CONFIG_HOME")
		if cfg == "" {
			cfg = filepath.Join(home, ".config")
		}
		if d := xdgDownload(filepath.Join(cfg, "user-dirs.dirs"), home); d != "" {
			return d, nil
		}
	}
	return filepath.Join(home, "Downloads"), nil
}

// xdgDownload reads XDG_DOWNLOAD_DIR="$HOME/…" from a user-dirs.dirs
// file; "" when it has none. A value that is $HOME itself means "not
// set" (xdg-user-dirs' convention for a disabled directory).
func xdgDownload(path, home string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		v, ok := strings.CutPrefix(line, "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		switch {
		case strings.HasPrefix(v, "$HOME/"):
			v = filepath.Join(home, v[len("$HOME/"):])
		case v == "$HOME" || v == "$HOME/":
			return ""
		case !filepath.IsAbs(v):
			return ""
		}
		if filepath.Clean(v) == filepath.Clean(home) {
			return ""
		}
		return v
	}
	return ""
}
