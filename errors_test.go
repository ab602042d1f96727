package coursebot_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/coursebot/coursebot"
)

func TestErrorCodeAndMessage(t *testing.T) {
	t.Parallel()
	refusal := coursebot.Errorf(coursebot.ENOTFOUND, "There is no lesson %s.", "9.9")
	for _, tc := range []struct {
		name          string
		err           error
		code, message string
	}{
		{"nil", nil, "", ""},
		{"a refusal", refusal, coursebot.ENOTFOUND, "There is no lesson 9.9."},
		{"a wrapped refusal", fmt.Errorf("update progress in 4-4: %w", refusal), coursebot.ENOTFOUND, "There is no lesson 9.9."},
		{"a fault", fmt.Errorf("read learner: %w", coursebot.ErrFault), coursebot.EINTERNAL, coursebot.FaultNotice},
		{"any other error", errors.New("bolt: database not open"), coursebot.EINTERNAL, coursebot.FaultNotice},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := coursebot.ErrorCode(tc.err); got != tc.code {
				t.Errorf("ErrorCode = %q, want %q", got, tc.code)
			}
			if got := coursebot.ErrorMessage(tc.err); got != tc.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tc.message)
			}
		})
	}
	if refusal.Error() != refusal.Message {
		t.Errorf("Error() = %q, want the message", refusal.Error())
	}
}
