package extest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/convnet-go/convnet/examples/internal/recipe"
)

// JSONLine writes res with recipe.PrintJSON, checks that it is one line of
// JSON holding every one of keys, and returns the line.
func JSONLine(t testing.TB, res any, keys ...string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := recipe.PrintJSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(buf.String())
	var m map[string]any
	if strings.Contains(line, "\n") || json.Unmarshal([]byte(line), &m) != nil {
		t.Fatalf("report is not one JSON line: %q", line)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, line)
		}
	}
	return line
}
