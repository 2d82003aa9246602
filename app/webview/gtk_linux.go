//go:build linux && cgo && desktop

package webview

/*
#include <stdlib.h>
#include <gtk/gtk.h>
#include <webkit2/webkit2.h>

// Defined in export_linux.go.
extern int peerlineIsAppOrigin(char *uri);
extern void peerlineConfigured(int found, int media, int webrtc, int hasWebrtc);
extern void peerlineActive(int active);

static WebKitWebView *peerline_find(GtkWidget *w) {
	if (WEBKIT_IS_WEB_VIEW(w)) return WEBKIT_WEB_VIEW(w);
	if (!GTK_IS_CONTAINER(w)) return NULL;
	WebKitWebView *found = NULL;
	GList *children = gtk_container_get_children(GTK_CONTAINER(w));
	for (GList *l = children; l != NULL && found == NULL; l = l->next) {
		found = peerline_find(GTK_WIDGET(l->data));
	}
	g_list_free(children);
	return found;
}

// Camera, microphone and the device list for the app's own page; anything
// else (geolocation, notifications, ...) falls through to WebKitGTK's
// default handler, which denies.
static gboolean peerline_on_permission(WebKitWebView *wv, WebKitPermissionRequest *req, gpointer data) {
	if (!WEBKIT_IS_USER_MEDIA_PERMISSION_REQUEST(req) && !WEBKIT_IS_DEVICE_INFO_PERMISSION_REQUEST(req)) {
		return FALSE;
	}
	const gchar *uri = webkit_web_view_get_uri(wv);
	if (uri == NULL || !peerlineIsAppOrigin((char *)uri)) {
		return FALSE;
	}
	webkit_permission_request_allow(req);
	return TRUE;
}

// The app window's is-active (shown and holding the keyboard focus),
// followed for Focused: a ring while it is false shows a notification.
static void peerline_on_active(GObject *win, GParamSpec *spec, gpointer data) {
	peerlineActive(gtk_window_is_active(GTK_WINDOW(win)) ? 1 : 0);
}

static gboolean peerline_configure(gpointer data) {
	WebKitWebView *wv = NULL;
	GtkWindow *top = NULL;
	GList *tops = gtk_window_list_toplevels();
	for (GList *l = tops; l != NULL && wv == NULL; l = l->next) {
		wv = peerline_find(GTK_WIDGET(l->data));
		if (wv != NULL) top = GTK_WINDOW(l->data);
	}
	g_list_free(tops);
	if (top != NULL && g_object_get_data(G_OBJECT(top), "peerline-active") == NULL) {
		g_signal_connect(top, "notify::is-active", G_CALLBACK(peerline_on_active), NULL);
		g_object_set_data(G_OBJECT(top), "peerline-active", GINT_TO_POINTER(1));
		peerlineActive(gtk_window_is_active(top) ? 1 : 0);
	}
	if (wv == NULL) {
		peerlineConfigured(0, 0, 0, 0);
		return G_SOURCE_REMOVE;
	}
	WebKitSettings *s = webkit_web_view_get_settings(wv);
	webkit_settings_set_enable_media_stream(s, TRUE);
	int has = g_object_class_find_property(G_OBJECT_GET_CLASS(s), "enable-webrtc") != NULL;
	gboolean rtc = FALSE;
	if (has) {
		g_object_set(s, "enable-webrtc", TRUE, NULL);
		g_object_get(s, "enable-webrtc", &rtc, NULL);
	}
	if (g_object_get_data(G_OBJECT(wv), "peerline-permissions") == NULL) {
		g_signal_connect(wv, "permission-request", G_CALLBACK(peerline_on_permission), NULL);
		g_object_set_data(G_OBJECT(wv), "peerline-permissions", GINT_TO_POINTER(1));
	}
	peerlineConfigured(1, webkit_settings_get_enable_media_stream(s), rtc, has);
	return G_SOURCE_REMOVE;
}

// g_idle_add is safe from any thread; the work runs on GTK's main loop.
static void peerline_schedule(void) {
	g_idle_add(peerline_configure, NULL);
}
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

var (
	waitMu  sync.Mutex
	waiters []chan Report
	active  atomic.Bool // the app window's GTK is-active
)

// Focused reports whether the app window is shown and has the keyboard
// focus (GTK's is-active), as followed since Configure. False before.
func Focused() bool { return active.Load() }

// Configure sets up the app window's webview on GTK's main loop and waits
// for it to be done. Call it once the window exists (Wails' OnStartup);
// never from the GTK main thread, and never in headless mode (no GTK).
func Configure(ctx context.Context) (Report, error) {
	ch := make(chan Report, 1)
	waitMu.Lock()
	waiters = append(waiters, ch)
	waitMu.Unlock()
	C.peerline_schedule()
	select {
	case r := <-ch:
		if !r.Found {
			return r, fmt.Errorf("webview: configure: no webview among the app's windows")
		}
		return r, nil
	case <-ctx.Done():
		return Report{}, fmt.Errorf("webview: configure: %w", ctx.Err())
	}
}

func configured(r Report) {
	waitMu.Lock()
	ws := waiters
	waiters = nil
	waitMu.Unlock()
	for _, ch := range ws {
		ch <- r
	}
}
