package dnd_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/peerline/peerline/app/dnd"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
)

// The tray's use: switch it from a menu item, and follow the changes
// made in a window (or its own end) through dnd:changed on the app's bus
// (app.App.DoNotDisturb and app.App.Events).
func ExampleSwitch() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "dnd-example")
	defer os.RemoveAll(dir)
	st, err := store.Open(ctx, filepath.Join(dir, "peerline.db"))
	if err != nil {
		panic(err)
	}
	defer st.Close()
	bus := events.NewBus(events.BusConfig{})
	defer bus.Close()
	changed := make(chan dnd.Status, 4)
	bus.Subscribe(events.SinkFunc(func(name events.Name, data any) {
		if name == events.DoNotDisturbChanged {
			changed <- data.(dnd.Status)
		}
	}))
	sw, err := dnd.New(ctx, dnd.Config{Store: st, Events: bus, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	defer sw.Close()

	sw.SetUntil(ctx, time.Time{}) // "until turned off"
	fmt.Println("on:", (<-changed).On, "calls ring:", sw.Available())
	sw.Off(ctx)
	fmt.Println("on:", (<-changed).On, "calls ring:", sw.Available())
	// Output:
	// on: true calls ring: false
	// on: false calls ring: true
}
