package graph

// The memory limit's parser and formatter, for the tests of package
// graph_test.
var (
	ParseBytes  = parseBytes
	FormatBytes = formatBytes
)
