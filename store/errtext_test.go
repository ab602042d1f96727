package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coursebot/coursebot"
)

// TestErrorsDoNotNameTheLearner: a failing read or write of one learner's
// records says what failed, not whose (errors reach logs; the learner= of
// the line says whom it is about, hashed).
func TestErrorsDoNotNameTheLearner(t *testing.T) {
	t.Parallel()
	db, err := Open(filepath.Join(t.TempDir(), "coursebot.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	const who = "slack:U0SECRET42"
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"TutorRecord": func() error { _, err := db.TutorRecord(ctx, who); return err },
		"UpdateTutor": func() error {
			_, err := db.UpdateTutor(ctx, who, func(*coursebot.TutorRecord) error { return nil })
			return err
		},
		"Membership":       func() error { _, _, err := db.Membership(ctx, "alpha", who); return err },
		"AcceptInvitation": func() error { _, _, err := db.AcceptInvitation(ctx, "alpha", who, time.Now()); return err },
		"RemoveMember":     func() error { _, err := db.RemoveMember(ctx, "alpha", who); return err },
		"NudgeState":       func() error { _, err := db.NudgeState(ctx, who); return err },
		"UpdateNudgeState": func() error {
			_, err := db.UpdateNudgeState(ctx, who, func(*coursebot.NudgeState) {})
			return err
		},
		"LearnerProgress": func() error { _, err := db.LearnerProgress(ctx, who); return err },
		"Invitations":     func() error { _, err := db.Invitations(ctx, who); return err },
	} {
		err := call()
		if err == nil {
			t.Errorf("%s on a closed database: no error", name)
			continue
		}
		if strings.Contains(err.Error(), "U0SECRET42") {
			t.Errorf("%s: error names the learner: %v", name, err)
		}
	}
}
