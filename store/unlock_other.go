//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package store

import "os"

// unlock is a no-op where bbolt does not use flock: closing f is enough.
func unlock(*os.File) {}
