package webview

import "testing"

func TestIsAppOrigin(t *testing.T) {
	cases := []struct {
		uri  string
		want bool
	}{
		{"wails://wails/", true},
		{"wails://wails", true},
		{"wails://wails/index.html#/call", true},
		{"WAILS://WAILS/", true},
		{"wails://wails.evil.example/", false},
		{"wails://evil/", false},
		{"wails://user@wails/", false},
		{"wails:wails", false},
		{"http://wails/", false},
		{"https://wails.localhost/", false},
		{"http://127.0.0.1:8080/", false},
		{"file:///etc/passwd", false},
		{"about:blank", false},
		{"", false},
		{"wails://wails:80/", false},
		{"%zz", false},
	}
	for _, tc := range cases {
		if got := IsAppOrigin(tc.uri); got != tc.want {
			t.Errorf("IsAppOrigin(%q) = %v, want %v", tc.uri, got, tc.want)
		}
	}
}
