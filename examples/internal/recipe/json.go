package recipe

import (
	"encoding/json"
	"fmt"
	"io"
)

// PrintJSON writes v as one line of JSON to w: the last line an example
// prints on stdout, with its results.
func PrintJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
