package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// bar is the per-epoch progress bar (nil-safe: a nil *bar does nothing).
type bar struct {
	pb  *progressbar.ProgressBar
	out io.Writer
}

// newBar prints the epoch header and starts a bar over n examples, or
// returns nil unless the verbosity is Bar.
func (t *Trainer) newBar(epoch, n int) *bar {
	if t.cfg.Verbosity != Bar {
		return nil
	}
	fmt.Fprintf(t.out, "Epoch %d/%d\n", epoch, t.cfg.Epochs)
	// Redraw 5 times a second on a terminal; into a file or a pipe, where
	// every redraw stays, once a second.
	throttle := time.Second
	if f, ok := t.out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		throttle = 200 * time.Millisecond
	}
	pb := progressbar.NewOptions(n,
		progressbar.OptionSetWriter(t.out),
		progressbar.OptionSetWidth(25),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("img"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(throttle),
		progressbar.OptionShowDescriptionAtLineEnd(),
	)
	return &bar{pb: pb, out: t.out}
}

// step advances the bar by n examples and shows the running logs.
func (b *bar) step(n int, logs Logs) {
	if b == nil {
		return
	}
	b.pb.Add(n)
	b.pb.Describe(shortLogs(logs))
}

// finish completes the bar and ends its line.
func (b *bar) finish() {
	if b == nil {
		return
	}
	b.pb.Finish()
	b.pb.Exit()
	fmt.Fprintln(b.out)
}

// abort ends the bar's line where it is.
func (b *bar) abort() {
	if b == nil {
		return
	}
	b.pb.Exit()
	fmt.Fprintln(b.out)
}

// shortLogs prints logs compactly for the bar.
func shortLogs(l Logs) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sortKeys(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.4f", k, l[k])
	}
	return strings.Join(parts, " ")
}
