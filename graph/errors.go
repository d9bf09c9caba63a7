package graph

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pkg/errors"
)

// ErrShape is wrapped by every error about a tensor shape that does not fit.
var ErrShape = errors.New("shape mismatch")

// ErrArg is wrapped by every error about an argument out of its range.
var ErrArg = errors.New("invalid argument")

// ErrData is wrapped by every error about a file or byte stream that is
// corrupt, truncated or of an unknown kind.
var ErrData = errors.New("invalid data")

// wrapped lets errors.Is find the sentinel while the message stays exactly
// what the caller wrote.
type wrapped struct {
	msg      string
	sentinel error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.sentinel }
func (e *wrapped) Is(target error) bool {
	return target == e.sentinel
}

// ShapeErrorf formats a message and marks it as a shape error (errors.Is(err, ErrShape)).
func ShapeErrorf(format string, args ...any) error {
	return errors.WithStack(&wrapped{msg: fmt.Sprintf(format, args...), sentinel: ErrShape})
}

// ArgErrorf formats a message and marks it as an argument error (errors.Is(err, ErrArg)).
func ArgErrorf(format string, args ...any) error {
	return errors.WithStack(&wrapped{msg: fmt.Sprintf(format, args...), sentinel: ErrArg})
}

// DataErrorf formats a message and marks it as a data error (errors.Is(err, ErrData)).
func DataErrorf(format string, args ...any) error {
	return errors.WithStack(&wrapped{msg: fmt.Sprintf(format, args...), sentinel: ErrData})
}

// FormatShape prints a shape the way error messages and summaries show it:
// "(8, 64, 64)". A nil or empty shape prints as "()".
func FormatShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// SameShape reports whether a and b have the same rank and the same size on
// every axis. (tensor.Shape.Eq also treats (1, n) and (n) as equal, which is
// not what shape checks want.)
func SameShape(a, b []int) bool { return slices.Equal(a, b) }
