package lessons

import (
	"context"

	"github.com/coursebot/coursebot"
)

// Store is what the engine needs from persistence. Every Update is durable
// (committed and fsynced) when it returns; fn may run more than once and must
// only change the record it is given.
type Store interface {
	Progress(ctx context.Context, learner, lesson string) (coursebot.Progress, error)
	LearnerProgress(ctx context.Context, learner string) ([]coursebot.Progress, error)
	UpdateProgress(ctx context.Context, learner, lesson string, fn func(*coursebot.LearnerRecord, *coursebot.Progress) error) (coursebot.LearnerRecord, coursebot.Progress, error)
	Learner(ctx context.Context, learner string) (coursebot.LearnerRecord, error)
}
