// Package extest holds the helpers of the example programs' tests: skip
// when a data set is not installed, check the written files and the JSON
// summary line.
package extest
