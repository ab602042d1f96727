package main

import (
	"fmt"
	"io"
)

// runBackup writes a consistent hot copy of the database.
func runBackup(args []string, stdout io.Writer, env func(string) string) error {
	fs := flags("backup")
	set := settingsFlags(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("backup: want the path to write the copy to")
	}
	cfg, err := set.load(env)
	if err != nil {
		return err
	}
	db, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.BackupFile(fs.Arg(0)); err != nil {
		return fmt.Errorf("backup %s to %s: %w", cfg.Store.Path, fs.Arg(0), err)
	}
	fmt.Fprintf(stdout, "wrote a consistent copy of %s to %s\n", cfg.Store.Path, fs.Arg(0))
	return nil
}
